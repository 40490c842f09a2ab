#include <algorithm>
#include <cstdlib>

#include "embedded/store/metadata_store.h"

namespace flytebox::store {
namespace {

using Names = std::vector<std::string>;

TableSchema Make(Table table, std::string name, Names key, Names text_attrs, Names int_attrs,
                 Names int_keys, std::vector<Names> indexes) {
  return TableSchema{table,
                     std::move(name),
                     std::move(key),
                     std::move(text_attrs),
                     std::move(int_attrs),
                     std::move(int_keys),
                     std::move(indexes)};
}

// The current schema. Changing a table here needs a new migration (migrations.cc).
std::vector<TableSchema> BuildSchemas() {
  const Names pdnv = {"project", "domain", "name", "version"};
  const std::vector<Names> by_name = {{"project", "domain", "name", "created_at"},
                                      {"project", "domain", "created_at"}};
  std::vector<TableSchema> s;
  s.push_back(Make(Table::kProject, "projects", {"project"}, {}, {"state"}, {}, {{"created_at"}}));
  s.push_back(Make(Table::kTask, "tasks", pdnv, {}, {}, {}, by_name));
  s.push_back(Make(Table::kWorkflow, "workflows", pdnv, {}, {}, {}, by_name));
  s.push_back(Make(Table::kLaunchPlan, "launch_plans", pdnv,
                   {"workflow_project", "workflow_domain", "workflow_name", "workflow_version"},
                   {"state", "schedule_type"}, {}, by_name));
  s.push_back(Make(Table::kExecution, "executions", {"project", "domain", "name"},
                   {"phase", "launch_plan_project", "launch_plan_domain", "launch_plan_name",
                    "launch_plan_version", "workflow_name", "workflow_version", "task_name",
                    "parent_node_execution", "user", "tags",
                    // Since version 4.
                    "error_kind", "error_code", "launch_entity", "workflow_project",
                    "workflow_domain", "task_project", "task_domain", "task_version"},
                   {"mode", "started_at", "duration_ms", "state"}, {},
                   {{"project", "domain", "created_at"}}));
  s.push_back(Make(Table::kNodeExecution, "node_executions",
                   {"project", "domain", "execution", "node_id"},
                   {"phase", "parent_id", "spec_node_id", "error_kind", "error_code"},
                   {"started_at", "retry_group", "duration_ms"}, {},
                   {{"project", "domain", "execution", "created_at"}}));
  s.push_back(Make(Table::kTaskExecution, "task_executions",
                   {"project", "domain", "execution", "node_id", "task_project", "task_domain",
                    "task_name", "task_version", "retry_attempt"},
                   {"phase"}, {"started_at", "duration_ms"}, {"retry_attempt"},
                   {{"project", "domain", "execution", "node_id", "created_at"}}));
  s.push_back(Make(Table::kNamedEntity, "named_entities",
                   {"resource_type", "project", "domain", "name"}, {"description"}, {"state"},
                   {"resource_type"}, {}));
  s.push_back(Make(Table::kSignal, "signals", {"project", "domain", "execution", "signal_id"}, {},
                   {}, {}, {{"project", "domain", "execution", "created_at"}}));
  s.push_back(Make(Table::kAttributes, "attributes",
                   {"project", "domain", "workflow", "resource_type"}, {}, {}, {"resource_type"},
                   {}));
  // Since version 3.
  s.push_back(Make(Table::kSchedule, "schedules", {"project", "domain", "name"}, {"version"},
                   {"last_fired_at"}, {}, {}));
  s.push_back(Make(Table::kNotification, "notifications",
                   {"project", "domain", "execution", "phase", "kind", "recipient"}, {}, {}, {},
                   {{"project", "domain", "execution", "created_at"},
                    {"project", "domain", "created_at"}}));
  return s;
}

const std::vector<TableSchema>& Schemas() {
  static const std::vector<TableSchema>* schemas = [] {
    auto* v = new std::vector<TableSchema>(BuildSchemas());
    for (size_t i = 0; i < v->size(); ++i) {
      if (static_cast<size_t>((*v)[i].table) != i) std::abort();  // order must match the enum
    }
    return v;
  }();
  return *schemas;
}

bool Contains(const Names& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

const TableSchema& SchemaOf(Table table) {
  const auto& schemas = Schemas();
  const auto index = static_cast<size_t>(table);
  if (index >= schemas.size()) std::abort();  // not a Table: a programming error
  return schemas[index];
}

const std::vector<Table>& AllTables() {
  static const std::vector<Table>* tables = [] {
    auto* v = new std::vector<Table>();
    for (const TableSchema& s : Schemas()) v->push_back(s.table);
    return v;
  }();
  return *tables;
}

ColumnKind KindOf(const TableSchema& schema, std::string_view column) {
  if (column == "created_at" || column == "updated_at") return ColumnKind::kInt;
  if (Contains(schema.key, column)) {
    return Contains(schema.int_keys, column) ? ColumnKind::kInt : ColumnKind::kText;
  }
  if (Contains(schema.text_attrs, column)) return ColumnKind::kText;
  if (Contains(schema.int_attrs, column)) return ColumnKind::kInt;
  return ColumnKind::kNone;
}

bool IsKeyColumn(const TableSchema& schema, std::string_view column) {
  return Contains(schema.key, column);
}

}  // namespace flytebox::store
