#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace flytebox {
class Clock;
}  // namespace flytebox

namespace flytebox::store {

// The engine's metadata: every Flyte entity is one row of one table, holding its key
// columns, a few indexed attribute columns (for filters and sorting) and `data`, the
// entity's serialized protobuf. The store never parses `data`.
enum class Table {
  kProject,        // key: project
  kTask,           // key: project, domain, name, version
  kWorkflow,       // key: project, domain, name, version
  kLaunchPlan,     // key: project, domain, name, version
  kExecution,      // key: project, domain, name
  kNodeExecution,  // key: project, domain, execution, node_id (the unique node id)
  kTaskExecution,  // key: project, domain, execution, node_id, task_project, task_domain,
                   //      task_name, task_version, retry_attempt
  kNamedEntity,    // key: resource_type, project, domain, name
  kSignal,         // key: project, domain, execution, signal_id
  kAttributes,     // key: project, domain, workflow, resource_type ("" where absent)
  kSchedule,       // key: project, domain, name (of a launch plan): its last firing
  kNotification,   // key: project, domain, execution, phase, kind, recipient
};

using Value = std::variant<int64_t, std::string>;
using Columns = std::map<std::string, Value>;

struct Record {
  Columns columns;  // key columns and attribute columns, by column name
  std::string data;
  int64_t created_at = 0;  // unix microseconds; set by the store on Create when 0
  int64_t updated_at = 0;  // unix microseconds; set by the store on Create/Update when 0
};

// A FlyteAdmin filter term: `eq(phase,SUCCEEDED)`, `value_in(name,a;b)`, ...
// kLike and kNotLike take SQL LIKE patterns as given (`%`, `_`, `\` escapes) on a text
// column: kLike matches when any of its values matches, kNotLike when none does.
struct Filter {
  enum class Op {
    kEq, kNe, kGt, kGte, kLt, kLte, kContains, kValueIn, kValueNotIn, kLike, kNotLike
  };
  Op op;
  std::string field;                // a column name of the table (already mapped)
  std::vector<std::string> values;  // one value, several for kValueIn/kValueNotIn/k*Like
};
// Whether `op` takes a list of values (value_in, value_not_in, the LIKE pair).
bool IsRepeatedOp(Filter::Op op);

struct ListQuery {
  Columns where;  // equality on key/attribute columns (e.g. project, domain, name)
  std::vector<Filter> filters;
  std::string sort_key = "created_at";  // a column name, created_at or updated_at
  bool ascending = false;
  int64_t offset = 0;
  int64_t limit = 100;  // > 0
};

struct ListResult {
  std::vector<Record> records;
  // Offset of the next page as a decimal string, empty when this page was not full.
  std::string next_token;
};

// The schema of a table: which columns exist, which form the key, which are integers.
struct TableSchema {
  Table table;
  std::string name;                     // SQL table name
  std::vector<std::string> key;         // key column names, in order
  std::vector<std::string> text_attrs;  // other text columns
  std::vector<std::string> int_attrs;   // other integer columns
  std::vector<std::string> int_keys;    // the key columns (a subset of `key`) holding integers
  // Secondary indexes for the common list queries (a key prefix, then created_at).
  std::vector<std::vector<std::string>> indexes;
};
const TableSchema& SchemaOf(Table table);
// Every table, in declaration order.
const std::vector<Table>& AllTables();

// Every table also has `created_at` and `updated_at` (int) and `data` (bytes).
enum class ColumnKind { kNone, kText, kInt };
// The kind of a column usable in a record, a key, `where`, a filter or a sort: key and
// attribute columns, plus created_at and updated_at (kInt). kNone for unknown names and
// for `data`.
ColumnKind KindOf(const TableSchema& schema, std::string_view column);
bool IsKeyColumn(const TableSchema& schema, std::string_view column);

// The schema version this build creates and migrates to (the `schema_version` table).
// Opening a database stamped with a newer version is FAILED_PRECONDITION.
inline constexpr int64_t kSchemaVersion = 4;

// Thread-safe. Implementations: SQLite (default) and Postgres, with the same behaviour.
//
// Validation (INVALID_ARGUMENT): a record, key or `where` naming a column the table does
// not have, a value of the wrong kind (text for an int column or the reverse), a record or
// key missing a key column, text (in columns or filter values) that is not UTF-8 or holds
// a NUL byte (Postgres cannot store it; SQLite keeps the same rule). `data` is any bytes.
//
// Filters: int columns compare numerically (the value must be a decimal integer; for
// columns ending in `_at`, an RFC 3339 timestamp such as 2026-01-01T00:00:00Z is also
// accepted and means unix microseconds), text columns compare as bytes; `contains` is a
// case-sensitive substring match on a text column.
//
// Text sorts bytewise. List orders by `sort_key`, then by the key columns (same
// direction), so pages are stable.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ALREADY_EXISTS when a row with the same key exists; `existing`, when not null, then
  // receives that row so callers can tell an identical re-create from a conflicting one.
  virtual Status Create(Table table, const Record& record, Record* existing = nullptr) = 0;
  // NOT_FOUND when no row has `key` (all key columns of the table).
  virtual Result<Record> Get(Table table, const Columns& key) = 0;
  // Replaces attribute columns and data of the row with the record's key; NOT_FOUND if none.
  // Attribute columns absent from `record` keep their stored values; created_at is kept.
  virtual Status Update(Table table, const Record& record) = 0;
  // Inserts or replaces. Replacing behaves as Update, except that a non-zero created_at
  // is stored too. Inserted rows get '' / 0 for absent attribute columns (as Create).
  virtual Status Put(Table table, const Record& record) = 0;
  // NOT_FOUND when no row has `key`.
  virtual Status Delete(Table table, const Columns& key) = 0;
  // INVALID_ARGUMENT for a filter or sort on a column the table does not have.
  virtual Result<ListResult> List(Table table, const ListQuery& query) = 0;
  virtual Result<int64_t> Count(Table table, const ListQuery& query) = 0;
  // Distinct values of `columns` among rows matching `query` (e.g. task ids: project,
  // domain, name), sorted ascending, paginated by the query's offset and limit.
  virtual Result<std::vector<Columns>> Distinct(Table table,
                                                const std::vector<std::string>& columns,
                                                const ListQuery& query) = 0;
  // Runs `fn` in one transaction against this store; commits when it returns ok and rolls
  // back (returning fn's Status) when it does not. Nested calls run inside the outer
  // transaction as a savepoint: an inner failure undoes only the inner work, and the outer
  // fn decides whether to propagate it. Other threads' calls wait until the outermost
  // transaction ends, so `fn` must use the store only from the calling thread.
  virtual Status Transaction(const std::function<Status(MetadataStore&)>& fn) = 0;
};

struct SqliteOptions {
  std::string path;            // ":memory:" for tests
  int busy_timeout_ms = 5000;  // how long to wait for another process's write lock
  Clock* clock = nullptr;      // for created_at / updated_at; null means Clock::Real()
};
// Opens (creating if needed) and migrates the schema to the current version.
Result<std::unique_ptr<MetadataStore>> OpenSqlite(const SqliteOptions& options);

struct PostgresOptions {
  std::string conninfo;    // libpq connection string, e.g. "host=127.0.0.1 port=30001 ..."
  Clock* clock = nullptr;  // for created_at / updated_at; null means Clock::Real()
};
// Connection failures are UNAVAILABLE with libpq's message (never the password).
Result<std::unique_ptr<MetadataStore>> OpenPostgres(const PostgresOptions& options);

// One `op(field,value)` term of a filter text, unparsed beyond its syntax (trimmed).
struct FilterTerm {
  std::string op;
  std::string field;
  std::string value;  // raw: value_in's `a;b;c` still joined
  std::string text;   // the whole term, for messages
};
// Splits a filter text into terms; INVALID_ARGUMENT ("invalid value for filters: ...", as
// FlyteAdmin words it) when the text is not `op(field,value)` terms joined with `+`.
Result<std::vector<FilterTerm>> ParseFilterTerms(const std::string& text);
// FlyteAdmin's operator names: eq, ne, gt, gte, lt, lte, contains, not_like, value_in,
// value_not_in. False for anything else.
bool ParseFilterOp(std::string_view name, Filter::Op* op);
// The values of a term for `op`: split on `;` (each trimmed) for repeated ops, else one.
std::vector<std::string> FilterValues(std::string_view raw, Filter::Op op);

// Parses FlyteAdmin's filter syntax: terms like `eq(phase,SUCCEEDED)` joined with `+`.
// `field_map` maps API field names (e.g. "phase", "workflow.name", "execution_created_at")
// to column names; an unknown field or operator is INVALID_ARGUMENT naming it.
// Operators: eq, ne, gt, gte, lt, lte, contains, not_like (a LIKE pattern), value_in and
// value_not_in (values separated by `;`).
// Whitespace around operators, fields and values is ignored; a value may hold anything but
// `,` and `)` (so `+` in `2026-01-01T00:00:00+02:00` is fine). Empty text is no filters.
// Values are not checked against column kinds here: the store does that.
Result<std::vector<Filter>> ParseFilters(const std::string& text,
                                         const std::map<std::string, std::string>& field_map);

}  // namespace flytebox::store
