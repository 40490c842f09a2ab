// Versioned schema migrations, shared by SQLite and Postgres.
//
// The database records its version in `schema_version` (one row). Opening a store runs,
// in one transaction, every migration above the recorded version. A schema change is a new
// entry at the end of kMigrations (and kSchemaVersion in metadata_store.h moves with it).
// Versions 1 and 2 derive their DDL from SchemaOf() for the tables that existed at version 2
// (InVersion2); version 3 adds two tables the same way. Whoever changes a table in
// schema.cc must keep the output of earlier migrations unchanged (e.g. have CreateTables
// leave out the columns a later migration adds with ALTER TABLE).
#include <string>
#include <vector>

#include "common/log.h"
#include "embedded/store/sql_query.h"

namespace flytebox::store::internal {
namespace {

// Postgres's text columns use the "C" collation so that text sorts bytewise, as in SQLite.
std::string ColumnDdl(Dialect d, const std::string& name, ColumnKind kind) {
  std::string ddl = "\"" + name + "\" ";
  const bool pg = d == Dialect::kPostgres;
  if (kind == ColumnKind::kInt) return ddl + (pg ? "BIGINT" : "INTEGER") + " NOT NULL DEFAULT 0";
  return ddl + (pg ? "TEXT COLLATE \"C\"" : "TEXT") + " NOT NULL DEFAULT ''";
}

// The tables of schema versions 1 and 2; later tables come with their own migration.
bool InVersion2(Table t) { return static_cast<int>(t) <= static_cast<int>(Table::kAttributes); }

// Columns version 4 adds to existing tables (FlyteAdmin's filter fields).
struct AddedColumn {
  Table table;
  const char* column;
};
constexpr AddedColumn kVersion4Columns[] = {
    {Table::kExecution, "error_kind"},       {Table::kExecution, "error_code"},
    {Table::kExecution, "launch_entity"},    {Table::kExecution, "workflow_project"},
    {Table::kExecution, "workflow_domain"},  {Table::kExecution, "task_project"},
    {Table::kExecution, "task_domain"},      {Table::kExecution, "task_version"},
    {Table::kNodeExecution, "error_kind"},   {Table::kNodeExecution, "error_code"},
    {Table::kNodeExecution, "duration_ms"},  {Table::kTaskExecution, "duration_ms"},
};

bool AddedAfterCreate(Table t, const std::string& column) {
  for (const AddedColumn& c : kVersion4Columns) {
    if (c.table == t && column == c.column) return true;
  }
  return false;
}

// `if_not_exists` for the migrations after version 2, which may find their tables already
// there (a database stamped with an older version after a newer build created them).
std::string CreateTableDdl(Dialect d, const TableSchema& schema, bool if_not_exists = false) {
  std::string ddl = std::string("CREATE TABLE ") + (if_not_exists ? "IF NOT EXISTS " : "") +
                    "\"" + schema.name + "\" (";
  for (const std::string& column : AllColumns(schema)) {
    if (AddedAfterCreate(schema.table, column)) continue;
    if (column == "data") {
      ddl += std::string("\"data\" ") + (d == Dialect::kPostgres ? "BYTEA" : "BLOB") + " NOT NULL";
    } else {
      ddl += ColumnDdl(d, column, KindOf(schema, column));
    }
    ddl += ", ";
  }
  ddl += "PRIMARY KEY (";
  for (size_t i = 0; i < schema.key.size(); ++i) {
    ddl += (i == 0 ? "\"" : ", \"") + schema.key[i] + "\"";
  }
  return ddl + "))";
}

// Version 1: one table per entity.
std::vector<std::string> CreateTables(Dialect d) {
  std::vector<std::string> statements;
  for (Table t : AllTables()) {
    if (InVersion2(t)) statements.push_back(CreateTableDdl(d, SchemaOf(t)));
  }
  return statements;
}

std::vector<std::string> IndexDdl(const TableSchema& schema, bool if_not_exists) {
  std::vector<std::string> statements;
  for (size_t i = 0; i < schema.indexes.size(); ++i) {
    std::string ddl = std::string("CREATE INDEX ") + (if_not_exists ? "IF NOT EXISTS " : "") +
                      "\"idx_" + schema.name + "_" + std::to_string(i + 1) + "\" ON \"" +
                      schema.name + "\" (";
    for (size_t c = 0; c < schema.indexes[i].size(); ++c) {
      ddl += (c == 0 ? "\"" : ", \"") + schema.indexes[i][c] + "\"";
    }
    statements.push_back(ddl + ")");
  }
  return statements;
}

// Version 2: indexes for the list queries (key prefix + created_at).
std::vector<std::string> CreateListIndexes(Dialect /*d*/) {
  std::vector<std::string> statements;
  for (Table t : AllTables()) {
    if (!InVersion2(t)) continue;
    for (std::string& s : IndexDdl(SchemaOf(t), /*if_not_exists=*/false)) {
      statements.push_back(std::move(s));
    }
  }
  return statements;
}

// Version 3: the scheduler's last firings and the notification records.
std::vector<std::string> CreateScheduleTables(Dialect d) {
  std::vector<std::string> statements;
  for (Table t : {Table::kSchedule, Table::kNotification}) {
    statements.push_back(CreateTableDdl(d, SchemaOf(t), /*if_not_exists=*/true));
    for (std::string& s : IndexDdl(SchemaOf(t), /*if_not_exists=*/true)) {
      statements.push_back(std::move(s));
    }
  }
  return statements;
}

// Version 4: the columns FlyteAdmin's filters need (kVersion4Columns). A column already
// there (a database stamped with an older version after a newer build added it) is kept.
Status AddFilterColumns(SqlDriver& d) {
  for (const AddedColumn& c : kVersion4Columns) {
    const TableSchema& schema = SchemaOf(c.table);
    SqlBuilder b(d.dialect());
    if (d.dialect() == Dialect::kPostgres) {
      b.Add("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = ")
          .Param(schema.name)
          .Add(" AND column_name = ")
          .Param(std::string(c.column));
    } else {
      b.Add("SELECT COUNT(*) FROM pragma_table_info(").Param(schema.name).Add(") WHERE name = ");
      b.Param(std::string(c.column));
    }
    FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, d.Query(b.sql(), b.params()));
    const auto* count = rows.empty() ? nullptr : std::get_if<int64_t>(&rows[0][0]);
    if (count != nullptr && *count > 0) continue;
    FB_RETURN_IF_ERROR(d.ExecRaw("ALTER TABLE \"" + schema.name + "\" ADD COLUMN " +
                                 ColumnDdl(d.dialect(), c.column, KindOf(schema, c.column))));
  }
  return Status::Ok();
}

std::vector<std::string> NoStatements(Dialect /*d*/) { return {}; }

struct Migration {
  int64_t version;
  const char* what;
  std::vector<std::string> (*statements)(Dialect);
  Status (*apply)(SqlDriver&) = nullptr;  // run after the statements, when set
};

const Migration kMigrations[] = {
    {1, "create tables", &CreateTables},
    {2, "add list indexes", &CreateListIndexes},
    {3, "add schedules and notifications", &CreateScheduleTables},
    {4, "add filter columns", &NoStatements, &AddFilterColumns},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

// Arbitrary constant: serializes concurrent migrations of one Postgres database.
constexpr int64_t kPostgresMigrationLock = 0x666c7974;

Result<int64_t> ReadVersion(SqlDriver& d, bool* has_row) {
  FB_ASSIGN_OR_RETURN(std::vector<SqlRow> rows, d.Query("SELECT version FROM schema_version", {}));
  *has_row = !rows.empty();
  if (rows.empty()) return int64_t{0};
  const auto* version = std::get_if<int64_t>(&rows[0][0]);
  if (rows.size() > 1 || version == nullptr) {
    return Status::FailedPrecondition("the schema_version table is damaged (expected one row)");
  }
  return *version;
}

Status WriteVersion(SqlDriver& d, bool has_row, int64_t version) {
  SqlBuilder b(d.dialect());
  b.Add(has_row ? "UPDATE schema_version SET version = " : "INSERT INTO schema_version VALUES (");
  b.Param(version).Add(has_row ? "" : ")");
  FB_ASSIGN_OR_RETURN(int64_t changed, d.Exec(b.sql(), b.params()));
  (void)changed;
  return Status::Ok();
}

// Runs inside the migration transaction.
Status MigrateInTransaction(SqlDriver& d) {
  if (d.dialect() == Dialect::kPostgres) {
    FB_RETURN_IF_ERROR(
        d.ExecRaw("SELECT pg_advisory_xact_lock(" + std::to_string(kPostgresMigrationLock) + ")"));
  }
  FB_RETURN_IF_ERROR(
      d.ExecRaw("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)"));
  bool has_row = false;
  FB_ASSIGN_OR_RETURN(const int64_t from, ReadVersion(d, &has_row));
  if (from > kSchemaVersion) {
    return Status::FailedPrecondition(
        "the metadata database has schema version " + std::to_string(from) +
        ", newer than this Flytebox supports (" + std::to_string(kSchemaVersion) +
        "); upgrade Flytebox or point it at another database");
  }
  if (from == kSchemaVersion) return Status::Ok();
  for (const Migration& m : kMigrations) {
    if (m.version <= from) continue;
    for (const std::string& statement : m.statements(d.dialect())) {
      Status s = d.ExecRaw(statement);
      if (!s.ok()) {
        return s.WithContext("schema migration to version " + std::to_string(m.version) + " (" +
                             m.what + ")");
      }
    }
    if (m.apply != nullptr) {
      Status s = m.apply(d);
      if (!s.ok()) {
        return s.WithContext("schema migration to version " + std::to_string(m.version) + " (" +
                             m.what + ")");
      }
    }
  }
  FB_RETURN_IF_ERROR(WriteVersion(d, has_row, kSchemaVersion));
  FB_LOG(kInfo, "store") << "migrated the metadata schema from version " << from << " to "
                         << kSchemaVersion;
  return Status::Ok();
}

}  // namespace

Status Migrate(SqlDriver& driver) {
  FB_RETURN_IF_ERROR(
      driver.ExecRaw(driver.dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"));
  Status status = MigrateInTransaction(driver);
  if (!status.ok()) {
    (void)driver.ExecRaw("ROLLBACK");
    return status;
  }
  return driver.ExecRaw("COMMIT");
}

}  // namespace flytebox::store::internal
