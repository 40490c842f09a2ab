// Transactions, schema migrations and concurrency, on every backend.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/store/store_test_support.h"

namespace flytebox::store::testing {
namespace {

int64_t CountTasks(MetadataStore& store) { return store.Count(Table::kTask, {}).value_or(-1); }

TEST_P(StoreTest, TransactionCommits) {
  const Status s = store().Transaction([](MetadataStore& tx) {
    FB_RETURN_IF_ERROR(tx.Create(Table::kTask, TaskRecord("a", "v")));
    FB_RETURN_IF_ERROR(tx.Create(Table::kTask, TaskRecord("b", "v")));
    // Reads inside see the transaction's writes.
    if (tx.Count(Table::kTask, {}).value_or(-1) != 2) return Status::Internal("not visible");
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountTasks(store()), 2);
}

TEST_P(StoreTest, FailingTransactionLeavesNothing) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("kept", "v", "before")).ok());
  const Status s = store().Transaction([](MetadataStore& tx) {
    FB_RETURN_IF_ERROR(tx.Create(Table::kTask, TaskRecord("a", "v")));
    FB_RETURN_IF_ERROR(tx.Update(Table::kTask, TaskRecord("kept", "v", "after")));
    FB_RETURN_IF_ERROR(tx.Delete(Table::kTask, TaskKey("kept", "v")));
    return Status::Aborted("changed my mind");
  });
  EXPECT_EQ(s, Status::Aborted("changed my mind"));
  EXPECT_EQ(CountTasks(store()), 1);
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("kept", "v"))->data, "before");
}

TEST_P(StoreTest, AlreadyExistsInsideATransactionCanBeHandled) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("a", "v")).ok());
  const Status s = store().Transaction([](MetadataStore& tx) {
    if (tx.Create(Table::kTask, TaskRecord("a", "v")).code() != Code::kAlreadyExists) {
      return Status::Internal("expected ALREADY_EXISTS");
    }
    return tx.Create(Table::kTask, TaskRecord("b", "v"));
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountTasks(store()), 2);
}

TEST_P(StoreTest, NestedTransactionsCommitWithTheOuterOne) {
  const Status s = store().Transaction([](MetadataStore& outer) {
    FB_RETURN_IF_ERROR(outer.Create(Table::kTask, TaskRecord("outer", "v")));
    FB_RETURN_IF_ERROR(outer.Transaction(
        [](MetadataStore& inner) { return inner.Create(Table::kTask, TaskRecord("inner", "v")); }));
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(CountTasks(store()), 2);
}

TEST_P(StoreTest, OuterFailureUndoesCommittedInnerWork) {
  const Status s = store().Transaction([](MetadataStore& outer) {
    FB_RETURN_IF_ERROR(outer.Transaction(
        [](MetadataStore& inner) { return inner.Create(Table::kTask, TaskRecord("inner", "v")); }));
    return Status::FailedPrecondition("outer fails");
  });
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(CountTasks(store()), 0);
}

TEST_P(StoreTest, InnerFailureUndoesOnlyTheInnerWork) {
  const Status s = store().Transaction([](MetadataStore& outer) {
    FB_RETURN_IF_ERROR(outer.Create(Table::kTask, TaskRecord("outer", "v")));
    const Status inner = outer.Transaction([](MetadataStore& tx) {
      FB_RETURN_IF_ERROR(tx.Create(Table::kTask, TaskRecord("inner", "v")));
      return Status::Aborted("inner fails");
    });
    if (inner.code() != Code::kAborted) return Status::Internal("inner status lost");
    return outer.Create(Table::kTask, TaskRecord("after", "v"));
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(store().Get(Table::kTask, TaskKey("outer", "v")).ok());
  EXPECT_TRUE(store().Get(Table::kTask, TaskKey("after", "v")).ok());
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("inner", "v")).status().code(), Code::kNotFound);
}

TEST_P(StoreTest, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto create_and_update = [&](MetadataStore& tx) {
          FB_RETURN_IF_ERROR(tx.Create(Table::kTask, TaskRecord(name, "v")));
          return tx.Update(Table::kTask, TaskRecord(name, "v", "updated"));
        };
        // Every fourth row goes through a transaction; the others are plain creates.
        const Status s = i % 4 == 0 ? store().Transaction(create_and_update)
                                    : store().Create(Table::kTask, TaskRecord(name, "v"));
        if (!s.ok()) ++errors;
        ListQuery q;
        q.limit = 5;
        if (!store().List(Table::kTask, q).ok()) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(CountTasks(store()), kThreads * kPerThread);
  ListQuery updated;
  updated.limit = 1000;
  auto all = store().List(Table::kTask, updated);
  ASSERT_TRUE(all.ok());
  int with_update = 0;
  for (const Record& r : all->records) with_update += r.data == "updated" ? 1 : 0;
  EXPECT_EQ(with_update, kThreads * kPerThread / 4);
}

TEST_P(DurableStoreTest, FreshDatabaseIsAtTheCurrentSchemaVersion) {
  EXPECT_EQ(backend_->QueryInt("SELECT version FROM schema_version").value_or(-1), kSchemaVersion);
  EXPECT_EQ(backend_->QueryInt("SELECT COUNT(*) FROM schema_version").value_or(-1), 1);
}

TEST_P(DurableStoreTest, ReopeningKeepsData) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v", "kept")).ok());
  auto reopened = Reopen();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(reopened).value();
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v")).value_or(Record{}).data, "kept");
  EXPECT_EQ(backend_->QueryInt("SELECT COUNT(*) FROM schema_version").value_or(-1), 1);
}

TEST_P(DurableStoreTest, OpeningAnOlderSchemaMigratesIt) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v", "kept")).ok());
  store_.reset();
  // Back to version 1: the tables without the list indexes.
  for (Table t : AllTables()) {
    for (size_t i = 1; i <= SchemaOf(t).indexes.size(); ++i) {
      const std::string index = "idx_" + SchemaOf(t).name + "_" + std::to_string(i);
      ASSERT_TRUE(backend_->ExecRaw("DROP INDEX \"" + index + "\"").ok()) << index;
    }
  }
  ASSERT_TRUE(backend_->ExecRaw("UPDATE schema_version SET version = 1").ok());

  auto reopened = backend_->Open(&clock_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  store_ = std::move(reopened).value();
  EXPECT_EQ(backend_->QueryInt("SELECT version FROM schema_version").value_or(-1), kSchemaVersion);
  EXPECT_EQ(store().Get(Table::kTask, TaskKey("t", "v")).value_or(Record{}).data, "kept");
  // The indexes are back: dropping one works again.
  EXPECT_TRUE(backend_->ExecRaw("DROP INDEX \"idx_tasks_1\"").ok());
}

TEST_P(DurableStoreTest, ANewerSchemaIsRefused) {
  store_.reset();
  ASSERT_TRUE(
      backend_->ExecRaw("UPDATE schema_version SET version = " + std::to_string(kSchemaVersion + 1))
          .ok());
  auto reopened = backend_->Open(&clock_);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(reopened.status().message().find("newer"), std::string::npos)
      << reopened.status().ToString();
  // Refusing changed nothing.
  EXPECT_EQ(backend_->QueryInt("SELECT version FROM schema_version").value_or(-1),
            kSchemaVersion + 1);
}

}  // namespace
}  // namespace flytebox::store::testing
