#include "embedded/store/sql_query.h"

#include <cstdint>

#include "common/strings.h"

namespace flytebox::store::internal {
namespace {

std::string Quote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';  // never in schema names; doubled for safety
    out += c;
  }
  out += '"';
  return out;
}

const char* KindName(ColumnKind kind) { return kind == ColumnKind::kInt ? "integer" : "text"; }

ColumnKind KindOfValue(const Value& value) {
  return std::holds_alternative<int64_t>(value) ? ColumnKind::kInt : ColumnKind::kText;
}

// Whether `text` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
// without NUL bytes: what Postgres's text accepts, enforced for SQLite too.
bool IsStorableText(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;  // continuation bytes
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= text.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

Status CheckText(std::string_view column, std::string_view text) {
  if (IsStorableText(text)) return Status::Ok();
  return Status::InvalidArgument("the value for " + std::string(column) +
                                 " is not UTF-8 text without NUL bytes");
}

Status UnknownColumn(const TableSchema& schema, std::string_view column, std::string_view what) {
  return Status::InvalidArgument("table " + schema.name + " has no " + std::string(what) + " '" +
                                 std::string(column) + "'");
}

// Appends the placeholder of one filter value, parsed for an int column.
Status AppendFilterParam(SqlBuilder& b, const TableSchema& schema, const Filter& filter,
                         ColumnKind kind, const std::string& value) {
  if (kind == ColumnKind::kText) {
    FB_RETURN_IF_ERROR(CheckText(filter.field, value));
    b.Param(value);
    return Status::Ok();
  }
  auto parsed = ParseIntValue(filter.field, value);
  if (!parsed.ok()) return parsed.status().WithContext("filter on " + schema.name);
  b.Param(*parsed);
  return Status::Ok();
}

const char* ComparisonSql(Filter::Op op) {
  switch (op) {
    case Filter::Op::kEq:
      return " = ";
    case Filter::Op::kNe:
      return " <> ";
    case Filter::Op::kGt:
      return " > ";
    case Filter::Op::kGte:
      return " >= ";
    case Filter::Op::kLt:
      return " < ";
    case Filter::Op::kLte:
      return " <= ";
    case Filter::Op::kContains:
    case Filter::Op::kValueIn:
    case Filter::Op::kValueNotIn:
    case Filter::Op::kLike:
    case Filter::Op::kNotLike:
      break;
  }
  return nullptr;
}

// `col LIKE p1 OR col LIKE p2 ...` (kLike) or `col NOT LIKE p1 AND ...` (kNotLike).
Status AppendLike(SqlBuilder& b, const Filter& filter) {
  const bool negate = filter.op == Filter::Op::kNotLike;
  b.Add("(");
  for (size_t i = 0; i < filter.values.size(); ++i) {
    FB_RETURN_IF_ERROR(CheckText(filter.field, filter.values[i]));
    b.Add(i == 0 ? "" : negate ? " AND " : " OR ");
    b.Ident(filter.field).Add(negate ? " NOT LIKE " : " LIKE ").Param(filter.values[i]);
    b.Add(" ESCAPE '\\'");
  }
  b.Add(")");
  return Status::Ok();
}

Status AppendFilter(SqlBuilder& b, const TableSchema& schema, const Filter& filter) {
  const ColumnKind kind = KindOf(schema, filter.field);
  if (kind == ColumnKind::kNone) return UnknownColumn(schema, filter.field, "filter field");
  if (filter.values.empty() || (!IsRepeatedOp(filter.op) && filter.values.size() != 1)) {
    return Status::InvalidArgument("filter on '" + filter.field + "' needs exactly one value");
  }
  const bool like = filter.op == Filter::Op::kContains || filter.op == Filter::Op::kLike ||
                    filter.op == Filter::Op::kNotLike;
  if (like && kind != ColumnKind::kText) {
    return Status::InvalidArgument("contains and not_like need a text column; '" + filter.field +
                                   "' is an integer");
  }
  if (filter.op == Filter::Op::kLike || filter.op == Filter::Op::kNotLike) {
    return AppendLike(b, filter);
  }
  if (filter.op == Filter::Op::kContains) {
    FB_RETURN_IF_ERROR(CheckText(filter.field, filter.values[0]));
    b.Ident(filter.field).Add(" LIKE ").Param("%" + strings::EscapeLike(filter.values[0]) + "%");
    b.Add(" ESCAPE '\\'");
    return Status::Ok();
  }
  if (filter.op == Filter::Op::kValueIn || filter.op == Filter::Op::kValueNotIn) {
    b.Ident(filter.field).Add(filter.op == Filter::Op::kValueIn ? " IN (" : " NOT IN (");
    for (size_t i = 0; i < filter.values.size(); ++i) {
      b.Add(i == 0 ? "" : ", ");
      FB_RETURN_IF_ERROR(AppendFilterParam(b, schema, filter, kind, filter.values[i]));
    }
    b.Add(")");
    return Status::Ok();
  }
  b.Ident(filter.field).Add(ComparisonSql(filter.op));
  return AppendFilterParam(b, schema, filter, kind, filter.values[0]);
}

}  // namespace

SqlBuilder& SqlBuilder::Add(std::string_view text) {
  sql_ += text;
  return *this;
}

SqlBuilder& SqlBuilder::Ident(std::string_view name) {
  sql_ += Quote(name);
  return *this;
}

SqlBuilder& SqlBuilder::Idents(const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) sql_ += ", ";
    sql_ += Quote(names[i]);
  }
  return *this;
}

SqlBuilder& SqlBuilder::Param(SqlParam param) {
  params_.push_back(std::move(param));
  if (dialect_ == Dialect::kPostgres) {
    sql_ += "$" + std::to_string(params_.size());
  } else {
    sql_ += "?";
  }
  return *this;
}

std::vector<std::string> AllColumns(const TableSchema& schema) {
  std::vector<std::string> columns = schema.key;
  columns.insert(columns.end(), schema.text_attrs.begin(), schema.text_attrs.end());
  columns.insert(columns.end(), schema.int_attrs.begin(), schema.int_attrs.end());
  for (const char* c : {"created_at", "updated_at", "data"}) columns.emplace_back(c);
  return columns;
}

Result<Record> RowToRecord(const TableSchema& schema, const SqlRow& row) {
  const std::vector<std::string> columns = AllColumns(schema);
  if (row.size() != columns.size()) {
    return Status::Internal("row of " + schema.name + " has " + std::to_string(row.size()) +
                            " columns, expected " + std::to_string(columns.size()));
  }
  Record record;
  for (size_t i = 0; i < row.size(); ++i) {
    const SqlCell& cell = row[i];
    const std::string& name = columns[i];
    const auto* as_int = std::get_if<int64_t>(&cell);
    const auto* as_text = std::get_if<std::string>(&cell);
    if (name == "data") {
      record.data = as_text ? *as_text : std::string();
    } else if (name == "created_at" || name == "updated_at") {
      (name == "created_at" ? record.created_at : record.updated_at) = as_int ? *as_int : 0;
    } else if (KindOf(schema, name) == ColumnKind::kInt) {
      record.columns[name] = as_int ? *as_int : int64_t{0};
    } else {
      record.columns[name] = as_text ? *as_text : std::string();
    }
  }
  return record;
}

Status CheckValue(const TableSchema& schema, const std::string& column, const Value& value) {
  const ColumnKind kind = KindOf(schema, column);
  if (kind == ColumnKind::kNone) return UnknownColumn(schema, column, "column");
  if (KindOfValue(value) != kind) {
    return Status::InvalidArgument("column " + schema.name + "." + column + " holds " +
                                   KindName(kind) + " values, got " + KindName(KindOfValue(value)));
  }
  if (const auto* text = std::get_if<std::string>(&value)) return CheckText(column, *text);
  return Status::Ok();
}

Status CheckRecord(const TableSchema& schema, const Record& record) {
  for (const auto& [column, value] : record.columns) {
    if (column == "created_at" || column == "updated_at") {
      return Status::InvalidArgument("set " + column + " through the Record field, not a column");
    }
    FB_RETURN_IF_ERROR(CheckValue(schema, column, value));
  }
  for (const std::string& k : schema.key) {
    if (!record.columns.contains(k)) {
      return Status::InvalidArgument("record for " + schema.name + " lacks key column '" + k + "'");
    }
  }
  return Status::Ok();
}

Status CheckKey(const TableSchema& schema, const Columns& key) {
  for (const auto& [column, value] : key) {
    if (!IsKeyColumn(schema, column)) return UnknownColumn(schema, column, "key column");
    FB_RETURN_IF_ERROR(CheckValue(schema, column, value));
  }
  for (const std::string& k : schema.key) {
    if (!key.contains(k)) {
      return Status::InvalidArgument("key for " + schema.name + " lacks column '" + k + "'");
    }
  }
  return Status::Ok();
}

SqlParam ToParam(const Value& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  return std::get<std::string>(value);
}

void AppendKeyWhere(SqlBuilder& b, const TableSchema& schema, const Columns& key) {
  for (size_t i = 0; i < schema.key.size(); ++i) {
    b.Add(i == 0 ? " WHERE " : " AND ").Ident(schema.key[i]).Add(" = ");
    b.Param(ToParam(key.at(schema.key[i])));
  }
}

Status AppendWhere(SqlBuilder& b, const TableSchema& schema, const ListQuery& query) {
  bool first = true;
  auto separator = [&first] {
    const char* s = first ? " WHERE " : " AND ";
    first = false;
    return s;
  };
  for (const auto& [column, value] : query.where) {
    FB_RETURN_IF_ERROR(CheckValue(schema, column, value));
    b.Add(separator()).Ident(column).Add(" = ").Param(ToParam(value));
  }
  for (const Filter& filter : query.filters) {
    b.Add(separator());
    FB_RETURN_IF_ERROR(AppendFilter(b, schema, filter));
  }
  return Status::Ok();
}

Status AppendPage(SqlBuilder& b, const ListQuery& query) {
  if (query.limit <= 0) {
    return Status::InvalidArgument("limit must be positive, got " + std::to_string(query.limit));
  }
  if (query.offset < 0) {
    return Status::InvalidArgument("offset must not be negative, got " +
                                   std::to_string(query.offset));
  }
  b.Add(" LIMIT ").Param(query.limit).Add(" OFFSET ").Param(query.offset);
  return Status::Ok();
}

Status AppendOrderAndPage(SqlBuilder& b, const TableSchema& schema, const ListQuery& query) {
  if (KindOf(schema, query.sort_key) == ColumnKind::kNone) {
    return UnknownColumn(schema, query.sort_key, "sort column");
  }
  const char* direction = query.ascending ? " ASC" : " DESC";
  b.Add(" ORDER BY ").Ident(query.sort_key).Add(direction);
  for (const std::string& k : schema.key) {
    if (k != query.sort_key) b.Add(", ").Ident(k).Add(direction);
  }
  return AppendPage(b, query);
}

}  // namespace flytebox::store::internal
