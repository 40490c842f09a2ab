#pragma once

// Internal to the store: builds parameterized SQL from a table's schema and a request,
// validating every column name against the schema first, so that only schema names ever
// reach SQL text and every value travels as a parameter.

#include <string>
#include <string_view>
#include <vector>

#include "embedded/store/metadata_store.h"
#include "embedded/store/sql_driver.h"

namespace flytebox::store::internal {

// Accumulates SQL text and its parameters; writes the dialect's placeholders.
class SqlBuilder {
 public:
  explicit SqlBuilder(Dialect dialect) : dialect_(dialect) {}

  SqlBuilder& Add(std::string_view text);
  // A quoted identifier; `name` must come from a TableSchema (or be checked against one).
  SqlBuilder& Ident(std::string_view name);
  // Comma-separated quoted identifiers.
  SqlBuilder& Idents(const std::vector<std::string>& names);
  SqlBuilder& Param(SqlParam param);

  Dialect dialect() const { return dialect_; }
  const std::string& sql() const { return sql_; }
  const std::vector<SqlParam>& params() const { return params_; }

 private:
  Dialect dialect_;
  std::string sql_;
  std::vector<SqlParam> params_;
};

// Every column of a table in the order SELECTs return them: key, text attributes, int
// attributes, created_at, updated_at, data.
std::vector<std::string> AllColumns(const TableSchema& schema);
// The record a row of AllColumns() holds.
Result<Record> RowToRecord(const TableSchema& schema, const SqlRow& row);

// INVALID_ARGUMENT unless `column` is a column of the table and `value` has its kind.
Status CheckValue(const TableSchema& schema, const std::string& column, const Value& value);
// Checks every column of `record`, and that it has every key column.
Status CheckRecord(const TableSchema& schema, const Record& record);
// Checks that `key` holds exactly the key columns of the table.
Status CheckKey(const TableSchema& schema, const Columns& key);

SqlParam ToParam(const Value& value);

// Appends " WHERE <key columns = params>" for a checked key.
void AppendKeyWhere(SqlBuilder& b, const TableSchema& schema, const Columns& key);
// Appends " WHERE ..." for the query's `where` and filters (nothing when both are empty).
Status AppendWhere(SqlBuilder& b, const TableSchema& schema, const ListQuery& query);
// Appends " ORDER BY <sort_key>, <key columns> LIMIT .. OFFSET ..".
Status AppendOrderAndPage(SqlBuilder& b, const TableSchema& schema, const ListQuery& query);
// Appends " LIMIT .. OFFSET .." after checking limit > 0 and offset >= 0.
Status AppendPage(SqlBuilder& b, const ListQuery& query);

// A filter value for an int column: a decimal integer, or for columns ending in `_at` an
// RFC 3339 timestamp (returned as unix microseconds).
Result<int64_t> ParseIntValue(std::string_view column, std::string_view text);

}  // namespace flytebox::store::internal
