#include "tests/unit/store/store_test_support.h"

#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "common/subprocess.h"

namespace flytebox::store::testing {
namespace {

namespace fs = std::filesystem;

const std::string kScript = std::string(FLYTEBOX_STORE_TEST_DIR) + "/postgres_server.sh";

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// The throwaway server, shared by every Postgres test of this process.
class PostgresServer {
 public:
  static PostgresServer& Instance() {
    static auto* server = new PostgresServer();
    return *server;
  }

  Result<std::string> Conninfo() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!attempted_) {
      attempted_ = true;
      status_ = Start();
    }
    if (!status_.ok()) return status_;
    return conninfo_;
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    if (dir_.empty()) return;
    (void)RunCapture({"bash", kScript, "stop", dir_, std::to_string(port_)},
                     std::chrono::seconds(60));
    dir_.clear();
  }

 private:
  Status Start() {
    if (const char* given = std::getenv("FLYTEBOX_PG_CONNINFO"); given && *given) {
      conninfo_ = given;
      return Status::Ok();
    }
    std::string why;
    for (int attempt = 0; attempt < 3; ++attempt) {  // a port can be taken meanwhile
      const int port = FreePort();
      const std::string dir = MakeTempDir("flytebox-pg-");
      if (port == 0 || dir.empty()) return Status::Unavailable("no free port or temp folder");
      auto run = RunCapture({"bash", kScript, "start", dir, std::to_string(port)},
                            std::chrono::seconds(120));
      if (run.ok() && run->status.success()) {
        dir_ = dir;
        port_ = port;
        conninfo_ =
            "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres connect_timeout=10";
        return Status::Ok();
      }
      why = run.ok() ? run->status.ToString() + ": " + run->err : run.status().ToString();
      (void)RunCapture({"bash", kScript, "stop", dir, std::to_string(port)},
                       std::chrono::seconds(60));
    }
    return Status::Unavailable("could not start the test PostgreSQL server (" + kScript +
                               "); set FLYTEBOX_NO_POSTGRES=1 to skip the Postgres tests. " + why);
  }

  std::mutex mu_;
  bool attempted_ = false;
  Status status_;
  std::string conninfo_;
  std::string dir_;
  int port_ = 0;
};

class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresServer::Instance().Stop(); }
};
[[maybe_unused]] ::testing::Environment* const kPostgresEnvironment =
    ::testing::AddGlobalTestEnvironment(new PostgresEnvironment());

// --- SQLite ---

class SqliteBackend : public Backend {
 public:
  explicit SqliteBackend(bool in_memory) : in_memory_(in_memory) {}
  ~SqliteBackend() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  Status Prepare() override {
    if (in_memory_) return Status::Ok();
    dir_ = MakeTempDir("flytebox-store-");
    if (dir_.empty()) return Status::Unavailable("cannot make a temp folder");
    return Status::Ok();
  }
  Result<std::unique_ptr<MetadataStore>> Open(Clock* clock) override {
    return OpenSqlite({.path = in_memory_ ? ":memory:" : dir_ + "/metadata.db", .clock = clock});
  }
  bool CanReopen() const override { return !in_memory_; }

  Status ExecRaw(const std::string& sql) override {
    return WithDb([&](sqlite3* db) -> Result<int64_t> {
             if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
               return Status::Internal(sqlite3_errmsg(db));
             }
             return int64_t{0};
           })
        .status();
  }

  Result<int64_t> QueryInt(const std::string& sql) override {
    return WithDb([&](sqlite3* db) -> Result<int64_t> {
      sqlite3_stmt* stmt = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        return Status::Internal(sqlite3_errmsg(db));
      }
      Result<int64_t> out = Status::NotFound("no row");
      if (sqlite3_step(stmt) == SQLITE_ROW) out = int64_t{sqlite3_column_int64(stmt, 0)};
      sqlite3_finalize(stmt);
      return out;
    });
  }

 private:
  template <typename Fn>
  Result<int64_t> WithDb(Fn fn) {
    if (in_memory_) return Status::Unimplemented("no raw access to an in-memory database");
    sqlite3* db = nullptr;
    if (sqlite3_open((dir_ + "/metadata.db").c_str(), &db) != SQLITE_OK) {
      sqlite3_close(db);
      return Status::Unavailable("cannot open the database file");
    }
    sqlite3_busy_timeout(db, 5000);
    Result<int64_t> out = fn(db);
    sqlite3_close(db);
    return out;
  }

  bool in_memory_;
  std::string dir_;
};

// --- Postgres ---

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, ConnCloser>;

// Runs `sql` (text results) and returns the first cell, or 0 when there is none or it is
// not an integer.
Result<int64_t> PgRun(const std::string& conninfo, const std::string& sql) {
  PgConn conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) return Status::Unavailable(PQerrorMessage(conn.get()));
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  PGresult* res = PQexec(conn.get(), sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  Result<int64_t> out = int64_t{0};
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    out = Status::Internal(PQresultErrorMessage(res));
  } else if (st == PGRES_TUPLES_OK && PQntuples(res) > 0) {
    int64_t v = 0;
    const char* text = PQgetvalue(res, 0, 0);
    std::from_chars(text, text + std::strlen(text), v);
    out = v;
  }
  PQclear(res);
  return out;
}

// Each test gets its own schema (cheaper than a database), named in search_path and in
// application_name.
class PostgresBackend : public Backend {
 public:
  ~PostgresBackend() override {
    if (!schema_.empty()) (void)PgRun(admin_, "DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
  }

  Status Prepare() override {
    FB_ASSIGN_OR_RETURN(const std::string base, PostgresConninfo());
    static std::atomic<int> counter{0};
    admin_ = base + " dbname=postgres";
    const std::string name = "fbtest_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    FB_ASSIGN_OR_RETURN(int64_t ignored, PgRun(admin_, "CREATE SCHEMA \"" + name + "\""));
    (void)ignored;
    schema_ = name;
    conninfo_ = admin_ + " application_name=" + name + " options='-csearch_path=" + name + "'";
    return Status::Ok();
  }
  Result<std::unique_ptr<MetadataStore>> Open(Clock* clock) override {
    return OpenPostgres({.conninfo = conninfo_, .clock = clock});
  }
  bool CanReopen() const override { return true; }
  Status ExecRaw(const std::string& sql) override { return PgRun(conninfo_, sql).status(); }
  Result<int64_t> QueryInt(const std::string& sql) override { return PgRun(conninfo_, sql); }

 private:
  std::string admin_;
  std::string schema_;
  std::string conninfo_;
};

}  // namespace

std::string BackendName(BackendKind kind) {
  switch (kind) {
    case BackendKind::kSqliteFile:
      return "SqliteFile";
    case BackendKind::kSqliteMemory:
      return "SqliteMemory";
    case BackendKind::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

void PrintTo(BackendKind kind, std::ostream* os) { *os << BackendName(kind); }

std::string BackendParamName(const ::testing::TestParamInfo<BackendKind>& param) {
  return BackendName(param.param);
}

bool PostgresDisabled() {
  const char* v = std::getenv("FLYTEBOX_NO_POSTGRES");
  return v != nullptr && std::string(v) == "1";
}

std::unique_ptr<Backend> MakeBackend(BackendKind kind) {
  if (kind == BackendKind::kPostgres) return std::make_unique<PostgresBackend>();
  return std::make_unique<SqliteBackend>(kind == BackendKind::kSqliteMemory);
}

Result<std::string> PostgresConninfo() { return PostgresServer::Instance().Conninfo(); }

void StoreTest::SetUp() {
  if (GetParam() == BackendKind::kPostgres && PostgresDisabled()) {
    GTEST_SKIP() << "FLYTEBOX_NO_POSTGRES=1";
  }
  backend_ = MakeBackend(GetParam());
  const Status prepared = backend_->Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared.ToString();
  auto opened = backend_->Open(&clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();
}

void StoreTest::TearDown() {
  store_.reset();
  backend_.reset();
}

Result<std::unique_ptr<MetadataStore>> StoreTest::Reopen() {
  store_.reset();
  return backend_->Open(&clock_);
}

int64_t StoreTest::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch())
      .count();
}

Record TaskRecord(const std::string& name, const std::string& version, std::string data) {
  Record r;
  r.columns = TaskKey(name, version);
  r.data = std::move(data);
  return r;
}

Columns TaskKey(const std::string& name, const std::string& version) {
  return {{"project", "p"}, {"domain", "d"}, {"name", name}, {"version", version}};
}

Record ExecutionRecord(const std::string& name, const std::string& phase, int64_t started_at) {
  Record r;
  r.columns = ExecutionKey(name);
  r.columns["phase"] = phase;
  r.columns["started_at"] = started_at;
  r.data = "exec:" + name;
  return r;
}

Columns ExecutionKey(const std::string& name) {
  return {{"project", "p"}, {"domain", "d"}, {"name", name}};
}

void ExpectSameRecord(const Record& actual, const Record& expected) {
  EXPECT_EQ(actual.columns, expected.columns);
  EXPECT_EQ(actual.data, expected.data);
  EXPECT_EQ(actual.created_at, expected.created_at);
  EXPECT_EQ(actual.updated_at, expected.updated_at);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(BackendKind::kSqliteFile, BackendKind::kSqliteMemory,
                                           BackendKind::kPostgres),
                         BackendParamName);
INSTANTIATE_TEST_SUITE_P(Backends, DurableStoreTest,
                         ::testing::Values(BackendKind::kSqliteFile, BackendKind::kPostgres),
                         BackendParamName);

}  // namespace flytebox::store::testing
