// The SQLite backend: one connection (WAL, busy timeout, synchronous=NORMAL) with a cache
// of prepared statements; the generic SqlStore supplies locking and semantics.
#include <sqlite3.h>

#include <string>
#include <unordered_map>

#include "common/log.h"
#include "embedded/store/metadata_store.h"
#include "embedded/store/sql_driver.h"
#include "embedded/store/sql_store.h"

namespace flytebox::store {
namespace {

using internal::Blob;
using internal::Dialect;
using internal::SqlCell;
using internal::SqlParam;
using internal::SqlRow;

constexpr size_t kMaxCachedStatements = 256;

Status SqliteError(sqlite3* db, int rc, std::string_view context) {
  const std::string msg =
      std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        return Status::AlreadyExists(msg);
      }
      return Status::InvalidArgument(msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg + " (another process holds the database lock)");
    case SQLITE_IOERR:
      return Status::Unavailable(msg);
    case SQLITE_FULL:
      return Status::ResourceExhausted(msg);
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
      return Status::InvalidArgument(msg);
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status::FailedPrecondition(msg);
    default:
      return Status::Internal(msg);
  }
}

class SqliteDriver final : public internal::SqlDriver {
 public:
  explicit SqliteDriver(sqlite3* db) : db_(db) {}
  ~SqliteDriver() override {
    ClearCache();
    sqlite3_close_v2(db_);
  }
  SqliteDriver(const SqliteDriver&) = delete;
  SqliteDriver& operator=(const SqliteDriver&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::vector<SqlRow>> Query(const std::string& sql,
                                    const std::vector<SqlParam>& params) override {
    FB_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    StatementReset reset{stmt};
    FB_RETURN_IF_ERROR(Bind(stmt, params));
    std::vector<SqlRow> rows;
    while (true) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) return SqliteError(db_, rc, "SQLite statement failed");
      rows.push_back(ReadRow(stmt));
    }
  }

  Result<int64_t> Exec(const std::string& sql, const std::vector<SqlParam>& params) override {
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, Query(sql, params));
    (void)rows;
    return int64_t{sqlite3_changes(db_)};
  }

  Status ExecRaw(const std::string& sql) override {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);  // sqlite3_errmsg still holds the message
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "SQLite statement failed");
    return Status::Ok();
  }

 private:
  // Resets a cached statement (and drops its bindings) when a call is done with it.
  struct StatementReset {
    sqlite3_stmt* stmt;
    ~StatementReset() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  };

  Result<sqlite3_stmt*> Prepare(const std::string& sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedStatements) ClearCache();
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing an SQLite statement");
    cache_.emplace(sql, stmt);
    return stmt;
  }

  void ClearCache() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
  }

  // The parameters stay alive (and unchanged) until the statement is reset.
  Status Bind(sqlite3_stmt* stmt, const std::vector<SqlParam>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, index, *v);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text64(stmt, index, text->data(), text->size(), SQLITE_STATIC,
                                 SQLITE_UTF8);
      } else {
        const std::string& bytes = std::get<Blob>(params[i]).bytes;
        rc = sqlite3_bind_blob64(stmt, index, bytes.data(), bytes.size(), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "binding an SQLite parameter");
    }
    return Status::Ok();
  }

  static SqlRow ReadRow(sqlite3_stmt* stmt) {
    SqlRow row;
    const int n = sqlite3_column_count(stmt);
    for (int c = 0; c < n; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          row.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_NULL:
          row.emplace_back(std::monostate());
          break;
        default: {  // text and blobs as bytes
          const void* bytes = sqlite3_column_blob(stmt, c);
          const int size = sqlite3_column_bytes(stmt, c);
          row.emplace_back(
              bytes ? std::string(static_cast<const char*>(bytes), static_cast<size_t>(size))
                    : std::string());
        }
      }
    }
    return row;
  }

  sqlite3* const db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Connection settings; the journal mode is checked because WAL silently fails on some
// file systems.
Status Configure(SqliteDriver& driver, const SqliteOptions& options) {
  FB_ASSIGN_OR_RETURN(std::vector<SqlRow> mode, driver.Query("PRAGMA journal_mode=WAL", {}));
  const auto* name = mode.empty() ? nullptr : std::get_if<std::string>(&mode[0][0]);
  if (name == nullptr || (*name != "wal" && *name != "memory")) {
    FB_LOG(kWarn, "store") << "SQLite database " << options.path
                           << " could not switch to WAL mode; using " << (name ? *name : "?");
  }
  FB_RETURN_IF_ERROR(driver.ExecRaw("PRAGMA synchronous=NORMAL"));
  // A checkpoint (two fsyncs) runs inside the commit that triggers it, with the store locked:
  // at the default 1,000 pages that was one CreateExecution in ~140, the API's p99. Every
  // 10,000 pages (a WAL of up to ~40 MB) it is one in more than 1,000.
  FB_RETURN_IF_ERROR(driver.ExecRaw("PRAGMA wal_autocheckpoint=10000"));
  // `contains` is case-sensitive, as LIKE is in Postgres.
  return driver.ExecRaw("PRAGMA case_sensitive_like=ON");
}

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenSqlite(const SqliteOptions& options) {
  const std::string context = "opening SQLite database '" + options.path + "'";
  if (options.path.empty()) return Status::InvalidArgument(context + ": the path is empty");
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteError(db, rc, context);
    sqlite3_close_v2(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  auto driver = std::make_unique<SqliteDriver>(db);
  Status status = Configure(*driver, options);
  if (status.ok()) status = internal::Migrate(*driver);
  if (!status.ok()) return status.WithContext(context);
  return internal::NewSqlStore(std::move(driver), options.clock);
}

}  // namespace flytebox::store
