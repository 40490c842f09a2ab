// Create / Get / Update / Put / Delete and validation, on every backend.
#include <gtest/gtest.h>

#include "tests/unit/store/store_test_support.h"

namespace flytebox::store::testing {
namespace {

// Every key and attribute column of `table` set to a value of its kind, derived from `seed`.
Record FullRecord(Table table, int seed) {
  const TableSchema& schema = SchemaOf(table);
  Record r;
  for (const std::string& c : schema.key) {
    if (KindOf(schema, c) == ColumnKind::kInt) {
      r.columns[c] = int64_t{seed};
    } else {
      r.columns[c] = c + "-" + std::to_string(seed);
    }
  }
  for (const std::string& c : schema.text_attrs) r.columns[c] = "t:" + c;
  for (const std::string& c : schema.int_attrs) r.columns[c] = int64_t{-7} * seed;
  r.data = std::string("\0\x01\xff bytes ", 10) + std::to_string(seed);
  r.created_at = 1000 + seed;
  r.updated_at = 2000 + seed;
  return r;
}

Columns KeyOf(Table table, const Record& r) {
  Columns key;
  for (const std::string& c : SchemaOf(table).key) key[c] = r.columns.at(c);
  return key;
}

TEST_P(StoreTest, CreateThenGetRoundTripsEveryTable) {
  for (Table table : AllTables()) {
    SCOPED_TRACE(SchemaOf(table).name);
    const Record r = FullRecord(table, 3);
    ASSERT_TRUE(store().Create(table, r).ok());
    auto got = store().Get(table, KeyOf(table, r));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSameRecord(*got, r);
  }
}

TEST_P(StoreTest, CreateSetsTimestampsAndDefaultsAbsentAttributes) {
  ASSERT_TRUE(store().Create(Table::kExecution, ExecutionRecord("e1", "RUNNING", 5)).ok());
  auto got = store().Get(Table::kExecution, ExecutionKey("e1"));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->created_at, NowMicros());
  EXPECT_EQ(got->updated_at, NowMicros());
  EXPECT_EQ(got->columns.at("phase"), Value("RUNNING"));
  EXPECT_EQ(got->columns.at("started_at"), Value(int64_t{5}));
  EXPECT_EQ(got->columns.at("user"), Value(""));
  EXPECT_EQ(got->columns.at("mode"), Value(int64_t{0}));
  EXPECT_EQ(got->data, "exec:e1");
}

TEST_P(StoreTest, CreateTwiceIsAlreadyExistsAndReturnsTheExistingRow) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v1", "first")).ok());
  Record existing;
  const Status s = store().Create(Table::kTask, TaskRecord("t", "v1", "second"), &existing);
  EXPECT_EQ(s.code(), Code::kAlreadyExists) << s.ToString();
  EXPECT_EQ(existing.data, "first");
  EXPECT_EQ(existing.columns, TaskKey("t", "v1"));
  EXPECT_EQ(store().Create(Table::kTask, TaskRecord("t", "v1")).code(), Code::kAlreadyExists);
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v1"))->data, "first");
}

TEST_P(StoreTest, MissingRowsAreNotFound) {
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v")).status().code(), Code::kNotFound);
  EXPECT_EQ(store().Update(Table::kTask, TaskRecord("t", "v")).code(), Code::kNotFound);
  EXPECT_EQ(store().Delete(Table::kTask, TaskKey("t", "v")).code(), Code::kNotFound);
}

TEST_P(StoreTest, UpdateReplacesGivenAttributesAndDataAndKeepsTheRest) {
  Record r = ExecutionRecord("e", "QUEUED", 1);
  r.columns["user"] = "alice";
  ASSERT_TRUE(store().Create(Table::kExecution, r).ok());
  const int64_t created = NowMicros();
  clock_.Advance(std::chrono::seconds(5));

  Record change = ExecutionRecord("e", "SUCCEEDED", 2);
  change.data = "new";
  ASSERT_TRUE(store().Update(Table::kExecution, change).ok());
  auto got = store().Get(Table::kExecution, ExecutionKey("e"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->columns.at("phase"), Value("SUCCEEDED"));
  EXPECT_EQ(got->columns.at("started_at"), Value(int64_t{2}));
  EXPECT_EQ(got->columns.at("user"), Value("alice"));
  EXPECT_EQ(got->data, "new");
  EXPECT_EQ(got->created_at, created);
  EXPECT_EQ(got->updated_at, NowMicros());
}

TEST_P(StoreTest, PutInsertsThenReplaces) {
  ASSERT_TRUE(store().Put(Table::kExecution, ExecutionRecord("e", "QUEUED", 1)).ok());
  const int64_t created = NowMicros();
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(store().Put(Table::kExecution, ExecutionRecord("e", "FAILED", 3)).ok());
  auto got = store().Get(Table::kExecution, ExecutionKey("e"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->columns.at("phase"), Value("FAILED"));
  EXPECT_EQ(got->created_at, created);
  EXPECT_EQ(got->updated_at, NowMicros());

  Record with_time = ExecutionRecord("e", "FAILED", 3);
  with_time.created_at = 42;
  with_time.updated_at = 43;
  ASSERT_TRUE(store().Put(Table::kExecution, with_time).ok());
  got = store().Get(Table::kExecution, ExecutionKey("e"));
  EXPECT_EQ(got->created_at, 42);
  EXPECT_EQ(got->updated_at, 43);
  EXPECT_EQ(store().Count(Table::kExecution, {}).value_or(-1), 1);
}

TEST_P(StoreTest, DeleteRemovesOnlyThatRow) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v1")).ok());
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v2")).ok());
  ASSERT_TRUE(store().Delete(Table::kTask, TaskKey("t", "v1")).ok());
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v1")).status().code(), Code::kNotFound);
  EXPECT_TRUE(store().Get(Table::kTask, TaskKey("t", "v2")).ok());
}

TEST_P(StoreTest, IntegerKeyColumnsTellRowsApart) {
  Record attempt = FullRecord(Table::kTaskExecution, 0);
  ASSERT_TRUE(store().Create(Table::kTaskExecution, attempt).ok());
  attempt.columns["retry_attempt"] = int64_t{1};
  attempt.data = "second attempt";
  ASSERT_TRUE(store().Create(Table::kTaskExecution, attempt).ok());
  auto got = store().Get(Table::kTaskExecution, KeyOf(Table::kTaskExecution, attempt));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->data, "second attempt");
  EXPECT_EQ(store().Count(Table::kTaskExecution, {}).value_or(-1), 2);
}

TEST_P(StoreTest, TextIsUtf8WithoutNulOnEveryBackend) {
  const std::string unicode = "na\xc3\xafve-\xe5\x90\x8d-\xf0\x9f\x98\x80";
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord(unicode, "v")).ok());
  EXPECT_TRUE(store().Get(Table::kTask, TaskKey(unicode, "v")).ok());
  for (const std::string& bad :
       {std::string("a\0b", 3), std::string("\xff"), std::string("\xc0\xaf"),
        std::string("\xe5\x90"), std::string("\xed\xa0\x80")}) {
    EXPECT_EQ(store().Create(Table::kTask, TaskRecord(bad, "v")).code(), Code::kInvalidArgument);
    ListQuery q;
    q.filters.push_back({Filter::Op::kContains, "name", {bad}});
    EXPECT_EQ(store().List(Table::kTask, q).status().code(), Code::kInvalidArgument);
  }
  // Data is bytes: anything goes.
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v", std::string("\0\xff", 2))).ok());
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v"))->data, std::string("\0\xff", 2));
}

TEST_P(StoreTest, BadColumnsAreInvalidArgument) {
  Record unknown = TaskRecord("t", "v");
  unknown.columns["colour"] = "red";
  EXPECT_EQ(store().Create(Table::kTask, unknown).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Put(Table::kTask, unknown).code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Update(Table::kTask, unknown).code(), Code::kInvalidArgument);

  Record injected = TaskRecord("t", "v");
  injected.columns["name\" TEXT); DROP TABLE tasks; --"] = "x";
  EXPECT_EQ(store().Create(Table::kTask, injected).code(), Code::kInvalidArgument);

  Record missing_key = TaskRecord("t", "v");
  missing_key.columns.erase("version");
  EXPECT_EQ(store().Create(Table::kTask, missing_key).code(), Code::kInvalidArgument);

  Record wrong_kind = ExecutionRecord("e", "RUNNING", 1);
  wrong_kind.columns["started_at"] = "yesterday";
  EXPECT_EQ(store().Create(Table::kExecution, wrong_kind).code(), Code::kInvalidArgument);

  Columns key = TaskKey("t", "v");
  key["phase"] = "x";
  EXPECT_EQ(store().Get(Table::kTask, key).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Delete(Table::kTask, {{"project", "p"}}).code(), Code::kInvalidArgument);

  ListQuery bad_where;
  bad_where.where["nope"] = "x";
  EXPECT_EQ(store().List(Table::kTask, bad_where).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Count(Table::kTask, bad_where).status().code(), Code::kInvalidArgument);
  ListQuery data_where;
  data_where.where["data"] = "x";
  EXPECT_EQ(store().List(Table::kTask, data_where).status().code(), Code::kInvalidArgument);
  ListQuery bad_sort;
  bad_sort.sort_key = "created_at; DROP TABLE tasks";
  EXPECT_EQ(store().List(Table::kTask, bad_sort).status().code(), Code::kInvalidArgument);
  ListQuery bad_filter;
  bad_filter.filters.push_back({Filter::Op::kEq, "phase", {"x"}});  // tasks have no phase
  EXPECT_EQ(store().List(Table::kTask, bad_filter).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Distinct(Table::kTask, {"name", "bogus"}, {}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store().Distinct(Table::kTask, {}, {}).status().code(), Code::kInvalidArgument);

  // Nothing above reached the database.
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v")).ok());
  EXPECT_EQ(store().Count(Table::kTask, {}).value_or(-1), 1);
}

}  // namespace
}  // namespace flytebox::store::testing
