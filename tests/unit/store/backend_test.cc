// Backend-specific behaviour: SQLite files and settings, Postgres connections.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/store/store_test_support.h"

namespace flytebox::store::testing {
namespace {

namespace fs = std::filesystem;

class SqliteFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("flytebox-sqlite-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SqliteFileTest, UsesWalMode) {
  const std::string path = (dir_ / "m.db").string();
  auto store = OpenSqlite({.path = path});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteFileTest, MissingFolderIsAnErrorNamingThePath) {
  const std::string path = (dir_ / "no" / "such" / "m.db").string();
  auto store = OpenSqlite({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

TEST_F(SqliteFileTest, NotADatabaseIsFailedPrecondition) {
  const std::string path = (dir_ / "junk.db").string();
  std::ofstream(path) << std::string(4096, 'j');
  auto store = OpenSqlite({.path = path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kFailedPrecondition) << store.status().ToString();
}

TEST_F(SqliteFileTest, TwoStoresOnOneFileSeeEachOther) {
  const std::string path = (dir_ / "m.db").string();
  auto a = OpenSqlite({.path = path});
  auto b = OpenSqlite({.path = path});
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Create(Table::kTask, TaskRecord("t", "v")).ok());
  EXPECT_TRUE((*b)->Get(Table::kTask, TaskKey("t", "v")).ok());
  EXPECT_EQ((*b)->Create(Table::kTask, TaskRecord("t", "v")).code(), Code::kAlreadyExists);
}

TEST(PostgresConnectTest, FailureIsUnavailableWithoutThePassword) {
  // Port 1 on loopback: nothing listens there.
  auto store = OpenPostgres(
      {.conninfo = "host=127.0.0.1 port=1 user=u password=s3cr3t-pw connect_timeout=3"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_NE(store.status().message().find("127.0.0.1"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find("s3cr3t-pw"), std::string::npos);
}

TEST(PostgresConnectTest, MalformedConninfoDoesNotEchoIt) {
  auto store = OpenPostgres({.conninfo = "host=127.0.0.1 password='s3cr3t-pw"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store.status().message().find("s3cr3t-pw"), std::string::npos);
}

class PostgresOnlyTest : public StoreTest {};

TEST_P(PostgresOnlyTest, ReconnectsAfterTheServerDropsTheConnection) {
  ASSERT_TRUE(store().Create(Table::kTask, TaskRecord("t", "v")).ok());
  ASSERT_TRUE(backend_
                  ->ExecRaw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = current_setting('application_name') "
                            "AND pid <> pg_backend_pid()")
                  .ok());
  // The first call notices the drop; later ones run on a new connection.
  const auto first = store().Get(Table::kTask, TaskKey("t", "v"));
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), Code::kUnavailable) << first.status().ToString();
  }
  const auto second = store().Get(Table::kTask, TaskKey("t", "v"));
  EXPECT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(store().Create(Table::kTask, TaskRecord("t2", "v")).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, PostgresOnlyTest, ::testing::Values(BackendKind::kPostgres),
                         BackendParamName);

}  // namespace
}  // namespace flytebox::store::testing
