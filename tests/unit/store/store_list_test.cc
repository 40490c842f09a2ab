// List / Count / Distinct: pagination, filters and sorting, on every backend.
#include <gtest/gtest.h>

#include <set>

#include "tests/unit/store/store_test_support.h"

namespace flytebox::store::testing {
namespace {

std::string Name(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "e%03d", i);
  return buf;
}

std::vector<std::string> Names(const ListResult& result) {
  std::vector<std::string> names;
  for (const Record& r : result.records)
    names.push_back(std::get<std::string>(r.columns.at("name")));
  return names;
}

std::vector<std::string> ListNames(MetadataStore& store, const ListQuery& query) {
  auto result = store.List(Table::kExecution, query);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? Names(*result) : std::vector<std::string>{"<error>"};
}

ListQuery Filtered(Filter filter) {
  ListQuery q;
  q.filters.push_back(std::move(filter));
  q.sort_key = "name";
  q.ascending = true;
  return q;
}

class StoreListTest : public StoreTest {
 protected:
  // e000..e004: phases RUNNING/SUCCEEDED/FAILED/SUCCEEDED/RUNNING, started_at 0,10,..,40,
  // created 1 s apart.
  void AddFive() {
    const char* phases[] = {"RUNNING", "SUCCEEDED", "FAILED", "SUCCEEDED", "RUNNING"};
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(
          store().Create(Table::kExecution, ExecutionRecord(Name(i), phases[i], i * 10)).ok());
      clock_.Advance(std::chrono::seconds(1));
    }
  }
};

TEST_P(StoreTest, ListsInFullPagesWithTokens) {
  // Ten rows share each created_at, so the key tie-break must keep pages stable.
  for (int i = 0; i < 250; ++i) {
    Record r = ExecutionRecord(Name(i), "RUNNING", i);
    r.created_at = 1'000'000 + i / 10;
    ASSERT_TRUE(store().Create(Table::kExecution, r).ok());
  }
  std::set<std::string> seen;
  std::vector<size_t> sizes;
  std::vector<std::string> tokens;
  ListQuery q;
  q.limit = 100;
  while (true) {
    auto page = store().List(Table::kExecution, q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    sizes.push_back(page->records.size());
    tokens.push_back(page->next_token);
    for (const std::string& n : Names(*page)) EXPECT_TRUE(seen.insert(n).second) << "twice: " << n;
    if (page->next_token.empty()) break;
    q.offset = std::stoll(page->next_token);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(tokens, (std::vector<std::string>{"100", "200", ""}));
  EXPECT_EQ(seen.size(), 250u);
  EXPECT_EQ(store().Count(Table::kExecution, {}).value_or(-1), 250);
}

TEST_P(StoreTest, FullLastPageStillHasATokenAndTheNextIsEmpty) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(store().Create(Table::kExecution, ExecutionRecord(Name(i), "RUNNING", 0)).ok());
  }
  ListQuery q;
  q.limit = 2;
  q.offset = 2;
  auto page = store().List(Table::kExecution, q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_token, "4");
  q.offset = 4;
  page = store().List(Table::kExecution, q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->records.empty());
  EXPECT_EQ(page->next_token, "");
}

TEST_P(StoreTest, BadPagesAreInvalidArgument) {
  ListQuery q;
  q.limit = 0;
  EXPECT_EQ(store().List(Table::kExecution, q).status().code(), Code::kInvalidArgument);
  q.limit = -1;
  EXPECT_EQ(store().List(Table::kExecution, q).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store().Distinct(Table::kExecution, {"name"}, q).status().code(),
            Code::kInvalidArgument);
  q.limit = 10;
  q.offset = -5;
  EXPECT_EQ(store().List(Table::kExecution, q).status().code(), Code::kInvalidArgument);
}

TEST_P(StoreTest, WhereMatchesEveryColumnGiven) {
  for (const char* project : {"p", "q"}) {
    for (const char* name : {"a", "b"}) {
      Record r = TaskRecord(name, "v1");
      r.columns["project"] = project;
      ASSERT_TRUE(store().Create(Table::kTask, r).ok());
    }
  }
  ListQuery q;
  q.where = {{"project", "q"}, {"name", "b"}};
  auto got = store().List(Table::kTask, q);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0].columns.at("project"), Value("q"));
  q.where = {{"project", "q"}};
  EXPECT_EQ(store().Count(Table::kTask, q).value_or(-1), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreListTest,
                         ::testing::Values(BackendKind::kSqliteFile, BackendKind::kSqliteMemory,
                                           BackendKind::kPostgres),
                         BackendParamName);

TEST_P(StoreListTest, ComparisonFiltersOnTextAndIntegerColumns) {
  AddFive();
  using V = std::vector<std::string>;
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kEq, "phase", {"SUCCEEDED"}})),
            (V{"e001", "e003"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kNe, "phase", {"RUNNING"}})),
            (V{"e001", "e002", "e003"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kGt, "started_at", {"20"}})),
            (V{"e003", "e004"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kGte, "started_at", {"20"}})),
            (V{"e002", "e003", "e004"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLt, "started_at", {"20"}})),
            (V{"e000", "e001"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLte, "started_at", {"20"}})),
            (V{"e000", "e001", "e002"}));
  // Integers compare as numbers: "9" < "10" < "20".
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLt, "started_at", {"9"}})), (V{"e000"}));
  // Text compares as text.
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kGt, "name", {"e002"}})), (V{"e003", "e004"}));
}

TEST_P(StoreListTest, ValueInOnTextAndIntegerColumns) {
  AddFive();
  using V = std::vector<std::string>;
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kValueIn, "phase", {"FAILED", "RUNNING"}})),
            (V{"e000", "e002", "e004"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kValueIn, "started_at", {"10", "40", "7"}})),
            (V{"e001", "e004"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kValueIn, "name", {"zzz"}})), V{});
}

TEST_P(StoreListTest, ValueNotInExcludesEveryValue) {
  AddFive();
  using V = std::vector<std::string>;
  EXPECT_EQ(
      ListNames(store(), Filtered({Filter::Op::kValueNotIn, "phase", {"FAILED", "RUNNING"}})),
      (V{"e001", "e003"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kValueNotIn, "started_at", {"0", "40"}})),
            (V{"e001", "e002", "e003"}));
}

TEST_P(StoreListTest, LikeMatchesAnyPatternAndNotLikeNone) {
  for (const char* name : {".flytegen.a", "wf_one", "wf.two", "other"}) {
    ASSERT_TRUE(store().Create(Table::kExecution, ExecutionRecord(name, "RUNNING", 0)).ok());
  }
  using V = std::vector<std::string>;
  // Patterns are SQL LIKE patterns as given: `%` and `_` are wildcards, `\` escapes.
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kNotLike, "name", {".flytegen%"}})),
            (V{"other", "wf.two", "wf_one"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kNotLike, "name", {"wf%", "o%"}})),
            (V{".flytegen.a"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLike, "name", {"wf\\_%", "oth%"}})),
            (V{"other", "wf_one"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLike, "name", {"wf_%"}})),
            (V{"wf.two", "wf_one"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kLike, "name", {"WF%"}})), V{});
  auto bad = store().List(Table::kExecution, Filtered({Filter::Op::kLike, "started_at", {"1%"}}));
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

TEST_P(StoreListTest, ContainsIsALiteralCaseSensitiveSubstring) {
  for (const char* name : {"100%_done", "100x_done", "1000done", "a\\b", "UPPER"}) {
    ASSERT_TRUE(store().Create(Table::kExecution, ExecutionRecord(name, "RUNNING", 0)).ok());
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kContains, "name", {"0%_"}})),
            (V{"100%_done"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kContains, "name", {"_done"}})),
            (V{"100%_done", "100x_done"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kContains, "name", {"\\"}})), (V{"a\\b"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kContains, "name", {"PP"}})), (V{"UPPER"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kContains, "name", {"pp"}})), V{});
}

TEST_P(StoreListTest, FiltersAreAndedWithWhere) {
  AddFive();
  ListQuery q = Filtered({Filter::Op::kNe, "phase", {"FAILED"}});
  q.filters.push_back({Filter::Op::kGte, "started_at", {"10"}});
  q.where = {{"project", "p"}};
  EXPECT_EQ(ListNames(store(), q), (std::vector<std::string>{"e001", "e003", "e004"}));
  EXPECT_EQ(store().Count(Table::kExecution, q).value_or(-1), 3);
  q.where = {{"project", "other"}};
  EXPECT_EQ(store().Count(Table::kExecution, q).value_or(-1), 0);
}

TEST_P(StoreListTest, ParsedFiltersWorkEndToEnd) {
  AddFive();
  auto filters = ParseFilters("value_in(phase, RUNNING;SUCCEEDED) + gt(started, 0)",
                              {{"phase", "phase"}, {"started", "started_at"}});
  ASSERT_TRUE(filters.ok()) << filters.status().ToString();
  ListQuery q;
  q.filters = *filters;
  q.sort_key = "name";
  EXPECT_EQ(ListNames(store(), q), (std::vector<std::string>{"e004", "e003", "e001"}));
}

TEST_P(StoreListTest, CreatedAtFiltersTakeTimestamps) {
  AddFive();  // created at 1700000000 s, +1 s, ...
  using V = std::vector<std::string>;
  EXPECT_EQ(
      ListNames(store(), Filtered({Filter::Op::kGte, "created_at", {"2023-11-14T22:13:23Z"}})),
      (V{"e003", "e004"}));
  EXPECT_EQ(ListNames(store(),
                      Filtered({Filter::Op::kLt, "created_at", {"2023-11-14T23:13:21.5+01:00"}})),
            (V{"e000", "e001"}));
  EXPECT_EQ(ListNames(store(), Filtered({Filter::Op::kEq, "created_at", {"1700000002000000"}})),
            (V{"e002"}));
}

TEST_P(StoreListTest, BadFilterValuesAreInvalidArgument) {
  AddFive();
  for (const Filter& f : std::vector<Filter>{
           {Filter::Op::kGt, "started_at", {"ten"}},
           {Filter::Op::kEq, "mode", {"2023-11-14T22:13:23Z"}},  // timestamps only for *_at
           {Filter::Op::kValueIn, "started_at", {"1", "x"}},
           {Filter::Op::kContains, "started_at", {"1"}},
           {Filter::Op::kEq, "created_at", {"2023-13-01T00:00:00Z"}},
           {Filter::Op::kEq, "phase", {}},
           {Filter::Op::kEq, "phase", {"a", "b"}},
       }) {
    const auto result = store().List(Table::kExecution, Filtered(f));
    EXPECT_EQ(result.status().code(), Code::kInvalidArgument) << f.field;
  }
  ListQuery q = Filtered({Filter::Op::kEq, "mode", {"1.5"}});
  EXPECT_EQ(store().Count(Table::kExecution, q).status().code(), Code::kInvalidArgument);
}

TEST_P(StoreListTest, SortsByCreatedAtBothWays) {
  AddFive();
  ListQuery q;
  q.sort_key = "created_at";
  q.ascending = true;
  EXPECT_EQ(ListNames(store(), q),
            (std::vector<std::string>{"e000", "e001", "e002", "e003", "e004"}));
  q.ascending = false;
  EXPECT_EQ(ListNames(store(), q),
            (std::vector<std::string>{"e004", "e003", "e002", "e001", "e000"}));
  ListQuery by_default;  // created_at, newest first
  EXPECT_EQ(ListNames(store(), by_default), ListNames(store(), q));
}

TEST_P(StoreListTest, SortsByAnAttributeWithTheKeyAsTieBreak) {
  AddFive();
  ListQuery q;
  q.sort_key = "phase";
  q.ascending = true;
  EXPECT_EQ(ListNames(store(), q),
            (std::vector<std::string>{"e002", "e000", "e004", "e001", "e003"}));
  q.ascending = false;
  EXPECT_EQ(ListNames(store(), q),
            (std::vector<std::string>{"e003", "e001", "e004", "e000", "e002"}));
  q.sort_key = "started_at";
  EXPECT_EQ(ListNames(store(), q),
            (std::vector<std::string>{"e004", "e003", "e002", "e001", "e000"}));
}

TEST_P(StoreTest, DistinctIsSortedAndPaginated) {
  for (int n = 9; n >= 0; --n) {
    for (const char* v : {"v1", "v2", "v3"}) {
      ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("task" + std::to_string(n), v)).ok());
    }
  }
  Record other = TaskRecord("elsewhere", "v1");
  other.columns["domain"] = "other";
  ASSERT_TRUE(store().Create(Table::kTask, other).ok());

  const std::vector<std::string> columns = {"project", "domain", "name"};
  ListQuery q;
  q.where = {{"domain", "d"}};
  q.limit = 4;
  std::vector<std::string> names;
  std::vector<size_t> sizes;
  for (q.offset = 0; q.offset < 16; q.offset += 4) {
    auto page = store().Distinct(Table::kTask, columns, q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    sizes.push_back(page->size());
    for (const Columns& c : *page) {
      EXPECT_EQ(c.size(), 3u);
      EXPECT_EQ(c.at("domain"), Value("d"));
      names.push_back(std::get<std::string>(c.at("name")));
    }
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 2, 0}));
  std::vector<std::string> expected;
  for (int n = 0; n < 10; ++n) expected.push_back("task" + std::to_string(n));
  EXPECT_EQ(names, expected);

  auto attempts = store().Distinct(Table::kTask, {"version"}, {});
  ASSERT_TRUE(attempts.ok());
  EXPECT_EQ(attempts->size(), 3u);
}

}  // namespace
}  // namespace flytebox::store::testing
