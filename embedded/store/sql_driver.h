#pragma once

// Internal to the store: the narrow interface between the SQL-generic store (sql_store.cc)
// and one database connection (sqlite_store.cc, postgres_store.cc).

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"

namespace flytebox::store::internal {

// Bytes bound as a BLOB / BYTEA parameter.
struct Blob {
  std::string bytes;
};
using SqlParam = std::variant<int64_t, std::string, Blob>;           // int, text or bytes
using SqlCell = std::variant<std::monostate, int64_t, std::string>;  // NULL, int, text/bytes
using SqlRow = std::vector<SqlCell>;

enum class Dialect { kSqlite, kPostgres };

// One connection. Not thread-safe: the caller serializes every call.
class SqlDriver {
 public:
  virtual ~SqlDriver() = default;

  virtual Dialect dialect() const = 0;
  // Runs one statement with its parameters (placeholders `?` for SQLite, `$n` for
  // Postgres). The statement is prepared once and cached by its text. Returns the rows a
  // SELECT (or RETURNING) yields.
  virtual Result<std::vector<SqlRow>> Query(const std::string& sql,
                                            const std::vector<SqlParam>& params) = 0;
  // As Query, for INSERT / UPDATE / DELETE; returns the number of rows changed.
  virtual Result<int64_t> Exec(const std::string& sql, const std::vector<SqlParam>& params) = 0;
  // Runs a parameterless statement without caching it (DDL, BEGIN, SAVEPOINT, ...).
  virtual Status ExecRaw(const std::string& sql) = 0;
};

// Migrates the database behind `driver` to kSchemaVersion (migrations.cc).
Status Migrate(SqlDriver& driver);

}  // namespace flytebox::store::internal
