#include "embedded/store/sql_store.h"

#include <chrono>
#include <mutex>
#include <string>
#include <utility>

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_annotations.h"
#include "embedded/store/sql_query.h"

namespace flytebox::store::internal {
namespace {

// "tasks (project=p, domain=d, name=n, version=v)" for messages.
std::string Describe(const TableSchema& schema, const Columns& key) {
  std::string out = schema.name + " (";
  for (size_t i = 0; i < schema.key.size(); ++i) {
    const Value& v = key.at(schema.key[i]);
    out += (i == 0 ? "" : ", ") + schema.key[i] + "=";
    out += std::holds_alternative<int64_t>(v) ? std::to_string(std::get<int64_t>(v))
                                              : std::get<std::string>(v);
  }
  return out + ")";
}

Columns KeyOf(const TableSchema& schema, const Record& record) {
  Columns key;
  for (const std::string& k : schema.key) key[k] = record.columns.at(k);
  return key;
}

// INSERT INTO t (<record columns>, created_at, updated_at, data) VALUES (...)
void AppendInsert(SqlBuilder& b, const TableSchema& schema, const Record& r) {
  b.Add("INSERT INTO ").Ident(schema.name).Add(" (");
  for (const auto& [column, value] : r.columns) b.Ident(column).Add(", ");
  b.Add("\"created_at\", \"updated_at\", \"data\") VALUES (");
  for (const auto& [column, value] : r.columns) b.Param(ToParam(value)).Add(", ");
  b.Param(r.created_at).Add(", ").Param(r.updated_at).Add(", ").Param(Blob{r.data}).Add(")");
}

// "<attr> = excluded.<attr>, ..., data = excluded.data, updated_at = excluded.updated_at"
void AppendUpsertSet(SqlBuilder& b, const TableSchema& schema, const Record& r) {
  for (const auto& [column, value] : r.columns) {
    if (!IsKeyColumn(schema, column)) b.Ident(column).Add(" = excluded.").Ident(column).Add(", ");
  }
  b.Add("\"data\" = excluded.\"data\", \"updated_at\" = excluded.\"updated_at\"");
  if (r.created_at != 0) b.Add(", \"created_at\" = excluded.\"created_at\"");
}

class SqlStore final : public MetadataStore {
 public:
  SqlStore(std::unique_ptr<SqlDriver> driver, Clock* clock)
      : driver_(std::move(driver)), clock_(clock ? clock : Clock::Real()) {}

  Status Create(Table table, const Record& record, Record* existing) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckRecord(schema, record));
    Record r = record;
    if (r.created_at == 0) r.created_at = NowMicros();
    if (r.updated_at == 0) r.updated_at = r.created_at;
    SqlBuilder b(driver_->dialect());
    AppendInsert(b, schema, r);
    b.Add(" ON CONFLICT DO NOTHING");
    std::lock_guard<std::recursive_mutex> lock(mu_);
    FB_ASSIGN_OR_RETURN(const int64_t changed, driver_->Exec(b.sql(), b.params()));
    if (changed == 1) return Status::Ok();
    const Columns key = KeyOf(schema, r);
    Result<Record> found = GetLocked(schema, key);
    if (!found.ok()) return found.status().WithContext("reading the conflicting row");
    if (existing != nullptr) *existing = std::move(found).value();
    return Status::AlreadyExists(Describe(schema, key) + " already exists");
  }

  Result<Record> Get(Table table, const Columns& key) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckKey(schema, key));
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return GetLocked(schema, key);
  }

  Status Update(Table table, const Record& record) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckRecord(schema, record));
    SqlBuilder b(driver_->dialect());
    b.Add("UPDATE ").Ident(schema.name).Add(" SET ");
    for (const auto& [column, value] : record.columns) {
      if (!IsKeyColumn(schema, column)) b.Ident(column).Add(" = ").Param(ToParam(value)).Add(", ");
    }
    b.Add("\"data\" = ").Param(Blob{record.data});
    b.Add(", \"updated_at\" = ").Param(record.updated_at ? record.updated_at : NowMicros());
    const Columns key = KeyOf(schema, record);
    AppendKeyWhere(b, schema, key);
    std::lock_guard<std::recursive_mutex> lock(mu_);
    FB_ASSIGN_OR_RETURN(const int64_t changed, driver_->Exec(b.sql(), b.params()));
    if (changed == 0) return Status::NotFound(Describe(schema, key) + " not found");
    return Status::Ok();
  }

  Status Put(Table table, const Record& record) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckRecord(schema, record));
    Record r = record;
    const int64_t now = NowMicros();
    if (r.updated_at == 0) r.updated_at = now;
    SqlBuilder b(driver_->dialect());
    const bool keep_created_at = r.created_at == 0;
    if (keep_created_at) r.created_at = now;  // used only when the row is new
    AppendInsert(b, schema, r);
    b.Add(" ON CONFLICT (").Idents(schema.key).Add(") DO UPDATE SET ");
    if (keep_created_at) r.created_at = 0;
    AppendUpsertSet(b, schema, r);
    std::lock_guard<std::recursive_mutex> lock(mu_);
    FB_ASSIGN_OR_RETURN(const int64_t changed, driver_->Exec(b.sql(), b.params()));
    (void)changed;
    return Status::Ok();
  }

  Status Delete(Table table, const Columns& key) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckKey(schema, key));
    SqlBuilder b(driver_->dialect());
    b.Add("DELETE FROM ").Ident(schema.name);
    AppendKeyWhere(b, schema, key);
    std::lock_guard<std::recursive_mutex> lock(mu_);
    FB_ASSIGN_OR_RETURN(const int64_t changed, driver_->Exec(b.sql(), b.params()));
    if (changed == 0) return Status::NotFound(Describe(schema, key) + " not found");
    return Status::Ok();
  }

  Result<ListResult> List(Table table, const ListQuery& query) override {
    const TableSchema& schema = SchemaOf(table);
    SqlBuilder b(driver_->dialect());
    b.Add("SELECT ").Idents(AllColumns(schema)).Add(" FROM ").Ident(schema.name);
    FB_RETURN_IF_ERROR(AppendWhere(b, schema, query));
    FB_RETURN_IF_ERROR(AppendOrderAndPage(b, schema, query));
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, Query(b));
    ListResult result;
    for (const SqlRow& row : rows) {
      FB_ASSIGN_OR_RETURN(Record record, RowToRecord(schema, row));
      result.records.push_back(std::move(record));
    }
    if (static_cast<int64_t>(rows.size()) == query.limit) {
      result.next_token = std::to_string(query.offset + query.limit);
    }
    return result;
  }

  Result<int64_t> Count(Table table, const ListQuery& query) override {
    const TableSchema& schema = SchemaOf(table);
    SqlBuilder b(driver_->dialect());
    b.Add("SELECT COUNT(*) FROM ").Ident(schema.name);
    FB_RETURN_IF_ERROR(AppendWhere(b, schema, query));
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, Query(b));
    const int64_t* count = rows.size() == 1 ? std::get_if<int64_t>(&rows[0][0]) : nullptr;
    if (count == nullptr) return Status::Internal("COUNT(*) returned no integer");
    return *count;
  }

  Result<std::vector<Columns>> Distinct(Table table, const std::vector<std::string>& columns,
                                        const ListQuery& query) override {
    const TableSchema& schema = SchemaOf(table);
    FB_RETURN_IF_ERROR(CheckDistinctColumns(schema, columns));
    SqlBuilder b(driver_->dialect());
    b.Add("SELECT DISTINCT ").Idents(columns).Add(" FROM ").Ident(schema.name);
    FB_RETURN_IF_ERROR(AppendWhere(b, schema, query));
    b.Add(" ORDER BY ").Idents(columns);
    FB_RETURN_IF_ERROR(AppendPage(b, query));
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, Query(b));
    std::vector<Columns> result;
    for (const SqlRow& row : rows) {
      Columns values;
      for (size_t i = 0; i < columns.size(); ++i) {
        if (const auto* i64 = std::get_if<int64_t>(&row[i])) {
          values[columns[i]] = *i64;
        } else if (const auto* text = std::get_if<std::string>(&row[i])) {
          values[columns[i]] = *text;
        }
      }
      result.push_back(std::move(values));
    }
    return result;
  }

  Status Transaction(const std::function<Status(MetadataStore&)>& fn) override;

 private:
  int64_t NowMicros() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_->Now().time_since_epoch())
        .count();
  }

  Result<std::vector<SqlRow>> Query(const SqlBuilder& b) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return driver_->Query(b.sql(), b.params());
  }

  // Requires mu_ held and a checked key.
  Result<Record> GetLocked(const TableSchema& schema, const Columns& key) {
    SqlBuilder b(driver_->dialect());
    b.Add("SELECT ").Idents(AllColumns(schema)).Add(" FROM ").Ident(schema.name);
    AppendKeyWhere(b, schema, key);
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, driver_->Query(b.sql(), b.params()));
    if (rows.empty()) return Status::NotFound(Describe(schema, key) + " not found");
    return RowToRecord(schema, rows[0]);
  }

  static Status CheckDistinctColumns(const TableSchema& schema,
                                     const std::vector<std::string>& columns) {
    if (columns.empty()) return Status::InvalidArgument("Distinct needs at least one column");
    for (size_t i = 0; i < columns.size(); ++i) {
      if (KindOf(schema, columns[i]) == ColumnKind::kNone) {
        return Status::InvalidArgument("table " + schema.name + " has no column '" + columns[i] +
                                       "'");
      }
      for (size_t j = 0; j < i; ++j) {
        if (columns[j] == columns[i]) {
          return Status::InvalidArgument("column '" + columns[i] + "' named twice");
        }
      }
    }
    return Status::Ok();
  }

  Status EndTransaction(bool outer, const std::string& savepoint, bool commit);

  // Recursive so that a Transaction's fn can call the store on the same thread. Held for a
  // whole transaction: other threads never see or join an open transaction.
  std::recursive_mutex mu_;
  std::unique_ptr<SqlDriver> driver_ GUARDED_BY(mu_);
  Clock* const clock_;
  int tx_depth_ GUARDED_BY(mu_) = 0;  // open Transaction calls
};

Status SqlStore::Transaction(const std::function<Status(MetadataStore&)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const bool outer = tx_depth_ == 0;
  const std::string savepoint = "fb_savepoint_" + std::to_string(tx_depth_);
  const char* begin = driver_->dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
  FB_RETURN_IF_ERROR(driver_->ExecRaw(outer ? begin : "SAVEPOINT " + savepoint));
  ++tx_depth_;
  Status status;
  try {
    status = fn(*this);
  } catch (...) {
    --tx_depth_;
    (void)EndTransaction(outer, savepoint, /*commit=*/false);
    throw;
  }
  --tx_depth_;
  if (!status.ok()) {
    Status rolled_back = EndTransaction(outer, savepoint, /*commit=*/false);
    if (!rolled_back.ok()) {
      FB_LOG(kWarn, "store") << "rolling back failed: " << rolled_back.ToString();
    }
    return status;
  }
  return EndTransaction(outer, savepoint, /*commit=*/true);
}

// Requires mu_ held.
Status SqlStore::EndTransaction(bool outer, const std::string& savepoint, bool commit) {
  if (outer) {
    Status status = driver_->ExecRaw(commit ? "COMMIT" : "ROLLBACK");
    if (!status.ok() && commit) (void)driver_->ExecRaw("ROLLBACK");
    return status;
  }
  if (!commit) FB_RETURN_IF_ERROR(driver_->ExecRaw("ROLLBACK TO SAVEPOINT " + savepoint));
  return driver_->ExecRaw("RELEASE SAVEPOINT " + savepoint);
}

}  // namespace

std::unique_ptr<MetadataStore> NewSqlStore(std::unique_ptr<SqlDriver> driver, Clock* clock) {
  return std::make_unique<SqlStore>(std::move(driver), clock);
}

}  // namespace flytebox::store::internal
