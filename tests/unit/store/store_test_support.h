#pragma once

// The store tests run one test body against every backend: SQLite in a file, SQLite in
// memory and Postgres on a throwaway server (postgres_server.sh), started once per test
// binary on first use and stopped by a GTest Environment.
//
// Environment:
//   FLYTEBOX_NO_POSTGRES=1       skip the Postgres cases (otherwise they fail when the
//                                server cannot start, with the reason)
//   FLYTEBOX_PG_CONNINFO=...     use this server (a superuser connection) instead of
//                                starting one

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::store::testing {

enum class BackendKind { kSqliteFile, kSqliteMemory, kPostgres };
std::string BackendName(BackendKind kind);
void PrintTo(BackendKind kind, std::ostream* os);
// For INSTANTIATE_TEST_SUITE_P: names the cases after their backend.
std::string BackendParamName(const ::testing::TestParamInfo<BackendKind>& param);
bool PostgresDisabled();

// One empty database and the means to open stores on it.
class Backend {
 public:
  virtual ~Backend() = default;
  // Makes the empty database; the Status says why the backend cannot be used.
  virtual Status Prepare() = 0;
  virtual Result<std::unique_ptr<MetadataStore>> Open(Clock* clock) = 0;
  // Whether Open() again reaches the same data (not so for ":memory:").
  virtual bool CanReopen() const = 0;
  // Runs SQL directly on the database, beside any store (needs CanReopen()).
  virtual Status ExecRaw(const std::string& sql) = 0;
  // The first column of the first row of a query, as an integer.
  virtual Result<int64_t> QueryInt(const std::string& sql) = 0;
};
std::unique_ptr<Backend> MakeBackend(BackendKind kind);

// The base conninfo of the test server ("host=... port=... user=postgres"), starting the
// server on first use. Thread-safe.
Result<std::string> PostgresConninfo();

class StoreTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Closes the store and opens another on the same database.
  Result<std::unique_ptr<MetadataStore>> Reopen();

  MetadataStore& store() { return *store_; }
  int64_t NowMicros() const;

  FakeClock clock_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<MetadataStore> store_;
};

// Backends whose database outlives the store object (file and server, not :memory:):
// reopening and schema-version tests run only there.
class DurableStoreTest : public StoreTest {};


// A task row: project "p", domain "d".
Record TaskRecord(const std::string& name, const std::string& version, std::string data = "x");
Columns TaskKey(const std::string& name, const std::string& version);
// An execution row: project "p", domain "d", with phase and started_at attributes.
Record ExecutionRecord(const std::string& name, const std::string& phase, int64_t started_at);
Columns ExecutionKey(const std::string& name);

void ExpectSameRecord(const Record& actual, const Record& expected);

}  // namespace flytebox::store::testing
