#include "embedded/admin/list_filters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include "common/strings.h"
#include "flyteidl/admin/common.pb.h"
#include "flyteidl/admin/execution.pb.h"
#include "flyteidl/admin/launch_plan.pb.h"
#include "flyteidl/admin/project.pb.h"
#include "flyteidl/core/execution.pb.h"

namespace flytebox::admin {
namespace {

namespace fa = flyteidl::admin;
namespace fc = flyteidl::core;
using store::Filter;

// How a filter value becomes a column value.
enum class Kind {
  kText,
  kInt,
  kTime,         // RFC 3339 timestamp (or unix microseconds)
  kDuration,     // seconds as a number, or a Go duration such as 1m30s; column holds ms
  kExecPhase,    // text column of phase names; a number is taken as the enum's number
  kNodePhase,
  kTaskPhase,
  kMode,         // int column; ExecutionMetadata.ExecutionMode by number or name
  kExecState,    // int column; ExecutionState
  kLpState,      // int column; LaunchPlanState
  kProjectState, // int column; Project.ProjectState
  kEntityState,  // int column; NamedEntityState
  kSchedule,     // FlyteAdmin's NONE / CRON / RATE; column holds the oneof case
  kTagKey,       // the encoded `tags` column
  kTagValue,
};

// FlyteAdmin's entity codes (as its messages print them) and every column of its models.
struct EntityColumns {
  const char* code;
  std::vector<std::string> columns;
};
const std::vector<std::string> kBase = {"id", "created_at", "updated_at", "deleted_at"};

std::vector<std::string> With(std::vector<std::string> more) {
  std::vector<std::string> all = kBase;
  all.insert(all.end(), more.begin(), more.end());
  return all;
}

const std::map<std::string, EntityColumns>& Entities() {
  static const auto* m = new std::map<std::string, EntityColumns>{
      {"execution",
       {"e", With({"execution_project", "execution_domain", "execution_name", "launch_plan_id",
                   "workflow_id", "task_id", "phase", "closure", "spec", "started_at",
                   "execution_created_at", "execution_updated_at", "duration", "abort_cause",
                   "mode", "source_execution_id", "parent_node_execution_id", "cluster",
                   "inputs_uri", "user_inputs_uri", "error_kind", "error_code", "user", "state",
                   "launch_entity"})}},
      {"launch_plan",
       {"l", With({"project", "domain", "name", "version", "spec", "workflow_id", "closure",
                   "state", "digest", "schedule_type", "launch_condition_type"})}},
      {"workflow",
       {"w", With({"project", "domain", "name", "version", "typed_interface",
                   "remote_closure_identifier", "digest", "short_description"})}},
      {"task",
       {"t", With({"project", "domain", "name", "version", "closure", "digest", "type",
                   "short_description"})}},
      {"node_execution",
       {"ne", With({"execution_project", "execution_domain", "execution_name", "node_id",
                    "phase", "input_uri", "closure", "started_at", "node_execution_created_at",
                    "node_execution_updated_at", "duration", "node_execution_metadata",
                    "parent_id", "parent_task_execution_id", "error_kind", "error_code",
                    "cache_status", "dynamic_workflow_remote_closure_reference",
                    "internal_data"})}},
      {"task_execution",
       {"te", With({"project", "domain", "name", "version", "execution_project",
                    "execution_domain", "execution_name", "node_id", "retry_attempt", "phase",
                    "phase_version", "input_uri", "closure", "started_at",
                    "task_execution_created_at", "task_execution_updated_at", "duration"})}},
      {"entities", {"nen", {"resource_type", "project", "domain", "name", "description", "state"}}},
      {"named_entity_metadata",
       {"nem", With({"resource_type", "project", "domain", "name", "description", "state"})}},
      {"project", {"p", With({"identifier", "name", "description", "labels", "state"})}},
      {"signal",
       {"s", With({"execution_project", "execution_domain", "execution_name", "signal_id", "type",
                   "value"})}},
      {"admin_tag", {"at", With({"name"})}},
      {"execution_admin_tag", {"eat", {"execution_project", "execution_domain", "execution_name",
                                        "admin_tag_id"}}},
      {"execution_tag",
       {"et", With({"execution_project", "execution_domain", "execution_name", "key", "value"})}},
  };
  return *m;
}

const char* PrimaryPrefix(ListEntity e) {
  switch (e) {
    case ListEntity::kExecution: return "execution";
    case ListEntity::kLaunchPlan: return "launch_plan";
    case ListEntity::kTask: return "task";
    case ListEntity::kWorkflow: return "workflow";
    case ListEntity::kNodeExecution: return "node_execution";
    case ListEntity::kTaskExecution: return "task_execution";
    case ListEntity::kNamedEntity: return "entities";
    case ListEntity::kProject: return "project";
    case ListEntity::kSignal: return "signal";
  }
  return "";
}

// The entities a list call may filter on (FlyteAdmin's allowed joins).
std::set<std::string> AllowedPrefixes(ListEntity e) {
  switch (e) {
    case ListEntity::kExecution:
      return {"execution", "launch_plan", "workflow", "task", "admin_tag", "execution_tag"};
    case ListEntity::kLaunchPlan: return {"launch_plan", "workflow"};
    case ListEntity::kNodeExecution: return {"node_execution", "execution"};
    case ListEntity::kTaskExecution:
      return {"task_execution", "task", "execution", "node_execution"};
    case ListEntity::kNamedEntity: return {"entities", "named_entity_metadata"};
    default: return {PrimaryPrefix(e)};
  }
}

struct Target {
  std::string column;  // this engine's column
  Kind kind;
};
using Targets = std::map<std::string, Target>;  // "prefix.field" -> target

void AddId(Targets& t, const std::string& prefix, const std::string& column_prefix,
           bool with_version) {
  for (const char* f : {"project", "domain", "name", "version"}) {
    if (!with_version && std::string_view(f) == "version") continue;
    t[prefix + "." + f] = {column_prefix + f, Kind::kText};
  }
}

void AddTimes(Targets& t, const std::string& prefix, const std::string& own) {
  t[prefix + ".created_at"] = {"created_at", Kind::kTime};
  t[prefix + ".updated_at"] = {"updated_at", Kind::kTime};
  if (!own.empty()) {
    t[prefix + "." + own + "_created_at"] = {"created_at", Kind::kTime};
    t[prefix + "." + own + "_updated_at"] = {"updated_at", Kind::kTime};
  }
}

// The execution id of a row as FlyteAdmin names it, for tables keyed by execution.
void AddExecutionKey(Targets& t, const std::string& prefix, const char* name_column) {
  t[prefix + ".execution_project"] = {"project", Kind::kText};
  t[prefix + ".execution_domain"] = {"domain", Kind::kText};
  t[prefix + ".execution_name"] = {name_column, Kind::kText};
}

Targets BuildTargets(ListEntity e) {
  Targets t;
  switch (e) {
    case ListEntity::kExecution:
      AddExecutionKey(t, "execution", "name");
      AddTimes(t, "execution", "execution");
      t["execution.phase"] = {"phase", Kind::kExecPhase};
      t["execution.started_at"] = {"started_at", Kind::kTime};
      t["execution.duration"] = {"duration_ms", Kind::kDuration};
      t["execution.mode"] = {"mode", Kind::kMode};
      t["execution.user"] = {"user", Kind::kText};
      t["execution.state"] = {"state", Kind::kExecState};
      t["execution.error_kind"] = {"error_kind", Kind::kText};
      t["execution.error_code"] = {"error_code", Kind::kText};
      t["execution.launch_entity"] = {"launch_entity", Kind::kText};
      AddId(t, "launch_plan", "launch_plan_", true);
      AddId(t, "workflow", "workflow_", true);
      AddId(t, "task", "task_", true);
      t["execution_tag.key"] = {"tags", Kind::kTagKey};
      t["execution_tag.value"] = {"tags", Kind::kTagValue};
      break;
    case ListEntity::kLaunchPlan:
      AddId(t, "launch_plan", "", true);
      AddTimes(t, "launch_plan", "");
      t["launch_plan.state"] = {"state", Kind::kLpState};
      t["launch_plan.schedule_type"] = {"schedule_type", Kind::kSchedule};
      AddId(t, "workflow", "workflow_", true);
      break;
    case ListEntity::kTask:
    case ListEntity::kWorkflow:
      AddId(t, PrimaryPrefix(e), "", true);
      AddTimes(t, PrimaryPrefix(e), "");
      break;
    case ListEntity::kNodeExecution:
      AddExecutionKey(t, "node_execution", "execution");
      AddTimes(t, "node_execution", "node_execution");
      t["node_execution.node_id"] = {"node_id", Kind::kText};
      t["node_execution.phase"] = {"phase", Kind::kNodePhase};
      t["node_execution.started_at"] = {"started_at", Kind::kTime};
      t["node_execution.duration"] = {"duration_ms", Kind::kDuration};
      t["node_execution.error_kind"] = {"error_kind", Kind::kText};
      t["node_execution.error_code"] = {"error_code", Kind::kText};
      AddExecutionKey(t, "execution", "execution");
      break;
    case ListEntity::kTaskExecution:
      AddExecutionKey(t, "task_execution", "execution");
      AddTimes(t, "task_execution", "task_execution");
      t["task_execution.version"] = {"task_version", Kind::kText};
      t["task_execution.node_id"] = {"node_id", Kind::kText};
      t["task_execution.retry_attempt"] = {"retry_attempt", Kind::kInt};
      t["task_execution.phase"] = {"phase", Kind::kTaskPhase};
      t["task_execution.started_at"] = {"started_at", Kind::kTime};
      t["task_execution.duration"] = {"duration_ms", Kind::kDuration};
      AddId(t, "task", "task_", true);
      AddExecutionKey(t, "execution", "execution");
      AddExecutionKey(t, "node_execution", "execution");
      t["node_execution.node_id"] = {"node_id", Kind::kText};
      break;
    case ListEntity::kNamedEntity:
      AddId(t, "entities", "", false);
      // The named_entities table's columns: ListNamedEntities applies these itself.
      t["named_entity_metadata.state"] = {"state", Kind::kEntityState};
      t["named_entity_metadata.description"] = {"description", Kind::kText};
      break;
    case ListEntity::kProject:
      t["project.identifier"] = {"project", Kind::kText};
      t["project.state"] = {"state", Kind::kProjectState};
      AddTimes(t, "project", "");
      break;
    case ListEntity::kSignal:
      AddExecutionKey(t, "signal", "execution");
      t["signal.signal_id"] = {"signal_id", Kind::kText};
      AddTimes(t, "signal", "");
      break;
  }
  return t;
}

const Targets& TargetsOf(ListEntity e) {
  static const auto* all = [] {
    auto* m = new std::map<ListEntity, Targets>();
    for (ListEntity x : {ListEntity::kExecution, ListEntity::kLaunchPlan, ListEntity::kTask,
                         ListEntity::kWorkflow, ListEntity::kNodeExecution,
                         ListEntity::kTaskExecution, ListEntity::kNamedEntity,
                         ListEntity::kProject, ListEntity::kSignal}) {
      (*m)[x] = BuildTargets(x);
    }
    return m;
  }();
  return all->at(e);
}

bool IsExecutionKeyed(const std::string& prefix) {
  return prefix == "execution" || prefix == "node_execution" || prefix == "task_execution" ||
         prefix == "signal";
}

// FlyteAdmin's renames after the column check: execution-keyed entities read project,
// domain and name as execution_*, and admin_tag.name is execution_tag.key.
void Customize(std::string* prefix, std::string* field) {
  if (IsExecutionKeyed(*prefix) && (*field == "project" || *field == "domain" || *field == "name")) {
    *field = "execution_" + *field;
  }
  if (*prefix == "entities" && (*field == "state" || *field == "description")) {
    *prefix = "named_entity_metadata";
  }
  if (*prefix == "admin_tag") {
    *prefix = "execution_tag";
    if (*field == "name") *field = "key";
  }
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Status Invalid(const std::string& flyteadmin_message, const std::string& hint) {
  return Status::InvalidArgument(flyteadmin_message + " (" + hint + ")");
}

// Parses a Go duration ("1h2m3.5s", "300ms") into milliseconds.
bool ParseGoDuration(std::string_view s, double* ms) {
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1e-6}, {"us", 1e-3}, {"\u00b5s", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 6e4},
      {"h", 3.6e6}};
  double sign = 1;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  if (s == "0") {
    *ms = 0;
    return true;
  }
  if (s.empty()) return false;
  double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0) return false;
    double number = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + n, number);
    if (ec != std::errc() || p != s.data() + n) return false;
    s.remove_prefix(n);
    bool matched = false;
    for (const auto& [unit, scale] : kUnits) {
      // kUnits lists "ms" before "m" and the two-letter units before "s".
      if (s.substr(0, unit.size()) == unit) {
        total += number * scale;
        s.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  *ms = sign * total;
  return true;
}

Result<std::string> DurationValue(const std::string& v) {
  double ms = 0;
  double seconds = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (!v.empty() && ec == std::errc() && p == v.data() + v.size()) {
    ms = seconds * 1000;
  } else if (!ParseGoDuration(v, &ms)) {
    return Invalid("Failed to parse duration [" + v + "]",
                   "use seconds such as 90 or 1.5, or a duration such as 1m30s or 300ms");
  }
  return std::to_string(static_cast<int64_t>(std::floor(ms)));
}

bool IsInteger(const std::string& v) {
  int64_t number = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  return !v.empty() && ec == std::errc() && p == v.data() + v.size();
}

// An int enum column: a number as is, a name as its number.
template <typename E>
Result<std::string> EnumNumber(const std::string& v, const std::string& what) {
  if (IsInteger(v)) return v;
  const google::protobuf::EnumDescriptor* d = google::protobuf::GetEnumDescriptor<E>();
  if (const auto* value = d->FindValueByName(v)) return std::to_string(value->number());
  std::vector<std::string> names;
  for (int i = 0; i < d->value_count(); ++i) names.emplace_back(d->value(i)->name());
  return Status::InvalidArgument("'" + v + "' is not a " + what + " (use a number or one of " +
                                 Join(names) + ")");
}

// A phase column holds names; a number is the enum's number.
template <typename E>
std::string PhaseName(const std::string& v) {
  int number = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size()) return v;
  const google::protobuf::EnumDescriptor* d = google::protobuf::GetEnumDescriptor<E>();
  const auto* value = d->FindValueByNumber(number);
  return value == nullptr ? v : std::string(value->name());
}

constexpr char kTagStart = '\x1f';  // before a key, after a value
constexpr char kTagSep = '\x1e';    // between a key and its value

Result<Filter> TagFilter(Filter f, bool key, const std::string& field) {
  auto wrap = [key](const std::string& inner) {
    return key ? "%" + std::string(1, kTagStart) + inner + std::string(1, kTagSep) + "%"
               : "%" + std::string(1, kTagSep) + inner + std::string(1, kTagStart) + "%";
  };
  std::vector<std::string> patterns;
  switch (f.op) {
    case Filter::Op::kEq:
    case Filter::Op::kValueIn:
    case Filter::Op::kNe:
    case Filter::Op::kValueNotIn:
      for (const std::string& v : f.values) patterns.push_back(wrap(strings::EscapeLike(v)));
      f.op = (f.op == Filter::Op::kEq || f.op == Filter::Op::kValueIn) ? Filter::Op::kLike
                                                                        : Filter::Op::kNotLike;
      break;
    case Filter::Op::kContains:
      patterns.push_back(wrap("%" + strings::EscapeLike(f.values[0]) + "%"));
      f.op = Filter::Op::kLike;
      break;
    case Filter::Op::kNotLike:
      patterns.push_back(wrap(f.values[0]));
      break;
    default:
      return Status::InvalidArgument("filters on " + field +
                                     " take eq, ne, contains, not_like, value_in or value_not_in");
  }
  f.values = std::move(patterns);
  return f;
}

// NONE, CRON and RATE as FlyteAdmin records them; the column holds Schedule's oneof case.
Result<Filter> ScheduleFilter(Filter f) {
  std::vector<std::string> cases;
  for (const std::string& v : f.values) {
    if (v == "NONE") cases.push_back("0");
    if (v == "CRON") cases.insert(cases.end(), {"1", "4"});
    if (v == "RATE") cases.push_back("2");
  }
  if (cases.empty()) cases.push_back("-1");  // FlyteAdmin matches nothing either
  switch (f.op) {
    case Filter::Op::kEq:
    case Filter::Op::kValueIn:
      f.op = Filter::Op::kValueIn;
      break;
    case Filter::Op::kNe:
    case Filter::Op::kValueNotIn:
      f.op = Filter::Op::kValueNotIn;
      break;
    default:
      return Status::InvalidArgument(
          "filters on launch_plan.schedule_type take eq, ne, value_in or value_not_in with NONE, "
          "CRON or RATE");
  }
  f.values = std::move(cases);
  return f;
}

Result<std::string> ConvertValue(Kind kind, const std::string& v) {
  switch (kind) {
    case Kind::kDuration: return DurationValue(v);
    case Kind::kExecPhase: return PhaseName<fc::WorkflowExecution::Phase>(v);
    case Kind::kNodePhase: return PhaseName<fc::NodeExecution::Phase>(v);
    case Kind::kTaskPhase: return PhaseName<fc::TaskExecution::Phase>(v);
    case Kind::kMode:
      return EnumNumber<fa::ExecutionMetadata::ExecutionMode>(v, "execution mode");
    case Kind::kExecState: return EnumNumber<fa::ExecutionState>(v, "execution state");
    case Kind::kLpState: return EnumNumber<fa::LaunchPlanState>(v, "launch plan state");
    case Kind::kProjectState: return EnumNumber<fa::Project::ProjectState>(v, "project state");
    case Kind::kEntityState: return EnumNumber<fa::NamedEntityState>(v, "named entity state");
    default: return v;
  }
}

Result<Filter> MakeFilter(const store::FilterTerm& term, const Target& target,
                          const std::string& field) {
  Filter f;
  if (!store::ParseFilterOp(term.op, &f.op)) {
    return Invalid("unrecognized filter function: " + term.op,
                   "use eq, ne, gt, gte, lt, lte, contains, not_like, value_in or value_not_in");
  }
  f.field = target.column;
  f.values = store::FilterValues(term.value, f.op);
  if (target.kind == Kind::kTagKey || target.kind == Kind::kTagValue) {
    return TagFilter(std::move(f), target.kind == Kind::kTagKey, field);
  }
  if (target.kind == Kind::kSchedule) return ScheduleFilter(std::move(f));
  for (std::string& v : f.values) {
    FB_ASSIGN_OR_RETURN(v, ConvertValue(target.kind, v));
  }
  return f;
}

}  // namespace

Result<std::vector<store::Filter>> ParseListFilters(ListEntity entity, const std::string& text) {
  FB_ASSIGN_OR_RETURN(std::vector<store::FilterTerm> terms, store::ParseFilterTerms(text));
  const std::set<std::string> allowed = AllowedPrefixes(entity);
  const Targets& targets = TargetsOf(entity);
  std::vector<store::Filter> filters;
  for (const store::FilterTerm& term : terms) {
    std::string prefix = PrimaryPrefix(entity);
    std::string field = term.field;
    for (const auto& [name, columns] : Entities()) {
      if (term.field.size() > name.size() && term.field.compare(0, name.size(), name) == 0 &&
          term.field[name.size()] == '.') {
        prefix = name;
        field = term.field.substr(name.size() + 1);
      }
    }
    const EntityColumns& cols = Entities().at(prefix);
    if (!allowed.contains(prefix)) {
      return Invalid(std::string("'") + cols.code + "' entity is not allowed in filters",
                     "this list accepts " + Join(FilterFieldNames(entity)));
    }
    if (std::find(cols.columns.begin(), cols.columns.end(), field) == cols.columns.end()) {
      return Invalid(std::string("'") + cols.code + "." + field + "' is invalid filter",
                     "this list accepts " + Join(FilterFieldNames(entity)));
    }
    Customize(&prefix, &field);
    const auto it = targets.find(prefix + "." + field);
    if (it == targets.end()) {
      return Status::InvalidArgument("filter field '" + term.field +
                                     "' is FlyteAdmin's but Flytebox does not record it for "
                                     "this list; it accepts " +
                                     Join(FilterFieldNames(entity)));
    }
    FB_ASSIGN_OR_RETURN(store::Filter f, MakeFilter(term, it->second, term.field));
    filters.push_back(std::move(f));
  }
  return filters;
}

Result<std::string> SortColumn(ListEntity entity, const std::string& key) {
  const std::string prefix = PrimaryPrefix(entity);
  const auto it = TargetsOf(entity).find(prefix + "." + key);
  const EntityColumns& cols = Entities().at(prefix);
  const bool flyteadmin_column =
      std::find(cols.columns.begin(), cols.columns.end(), key) != cols.columns.end();
  if (!flyteadmin_column || it == TargetsOf(entity).end() || it->second.kind == Kind::kTagKey ||
      it->second.kind == Kind::kTagValue) {
    std::vector<std::string> keys;
    for (const auto& [name, target] : TargetsOf(entity)) {
      if (name.compare(0, prefix.size() + 1, prefix + ".") != 0) continue;
      const std::string k = name.substr(prefix.size() + 1);
      if (std::find(cols.columns.begin(), cols.columns.end(), k) != cols.columns.end()) {
        keys.push_back(k);
      }
    }
    return Invalid("invalid sort key '" + key + "'", "sort by one of " + Join(keys));
  }
  return it->second.column;
}

bool IsNamedEntityMetadataFilter(const store::Filter& filter) {
  return filter.field == "state" || filter.field == "description";
}

std::vector<std::string> FilterFieldNames(ListEntity entity) {
  const std::string primary = PrimaryPrefix(entity);
  std::vector<std::string> names;
  for (const auto& [name, target] : TargetsOf(entity)) {
    names.push_back(name.compare(0, primary.size() + 1, primary + ".") == 0
                        ? name.substr(primary.size() + 1)
                        : name);
  }
  if (entity == ListEntity::kExecution) names.push_back("admin_tag.name");
  if (entity == ListEntity::kNamedEntity) {
    for (const char* f : {"state", "description"}) names.push_back(f);
  }
  if (entity == ListEntity::kTaskExecution) {
    for (const char* f : {"project", "domain", "name"}) names.push_back(f);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string EncodeExecutionTags(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::vector<std::pair<std::string, std::string>> sorted = tags;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& [key, value] : sorted) {
    out += kTagStart + key + kTagSep + value + kTagStart;
  }
  return out;
}

}  // namespace flytebox::admin
