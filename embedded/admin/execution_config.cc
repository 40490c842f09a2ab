// Matchable attributes that shape executions. WORKFLOW_EXECUTION_CONFIG is applied to a new
// execution in FlyteAdmin's order: what the request sets wins, then the launch plan, then the
// most specific matchable attributes (workflow, project-domain, project), then the project's
// own (so a field the more specific level leaves unset still comes from the project).
// CLUSTER_ASSIGNMENT is the project-domain's (else the project's); a request naming another
// pool is refused. A child execution inherits its parent's EXECUTION_CLUSTER_LABEL. The
// matchable EXECUTION_CLUSTER_LABEL and EXECUTION_QUEUE attributes choose among clusters and
// queues of FlyteAdmin's own configuration; with one cluster and no queues they choose
// nothing here, as there. The result is written into the stored spec, so GetExecution shows
// what the execution ran with and the executor reads one place.
//
// Launch-plan-level attributes: FlyteAdmin's resource table has a launch plan column, but no
// RPC of flyteidl 1.16 writes it (workflow attributes are the most specific an API client can
// set), so the launch plan's own spec fields are the launch-plan level, applied above.
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

constexpr int64_t kExecutionConfig = fa::WORKFLOW_EXECUTION_CONFIG;

// Each field is taken from `from` only where `spec` leaves it unset.
template <typename From>
void FillUnset(const From& from, fa::ExecutionSpec* spec) {
  if (spec->max_parallelism() == 0) spec->set_max_parallelism(from.max_parallelism());
  if (!spec->has_security_context() && from.has_security_context()) {
    *spec->mutable_security_context() = from.security_context();
  }
  if (spec->raw_output_data_config().output_location_prefix().empty() &&
      !from.raw_output_data_config().output_location_prefix().empty()) {
    *spec->mutable_raw_output_data_config() = from.raw_output_data_config();
  }
  if (spec->labels().values().empty() && !from.labels().values().empty()) {
    *spec->mutable_labels() = from.labels();
  }
  if (spec->annotations().values().empty() && !from.annotations().values().empty()) {
    *spec->mutable_annotations() = from.annotations();
  }
  if (!spec->has_interruptible() && from.has_interruptible()) {
    *spec->mutable_interruptible() = from.interruptible();
  }
  if (!spec->overwrite_cache()) spec->set_overwrite_cache(from.overwrite_cache());
  if (spec->envs().values().empty() && !from.envs().values().empty()) {
    *spec->mutable_envs() = from.envs();
  }
  if (spec->execution_env_assignments().empty()) {
    *spec->mutable_execution_env_assignments() = from.execution_env_assignments();
  }
}

}  // namespace

Result<std::optional<fa::MatchingAttributes>> Admin::MostSpecificAttributes(
    const std::string& project, const std::string& domain, const std::string& workflow,
    int64_t resource_type) {
  const std::vector<store::Columns> keys = {
      {{"project", project}, {"domain", domain}, {"workflow", workflow}, {"resource_type", resource_type}},
      {{"project", project}, {"domain", domain}, {"workflow", ""}, {"resource_type", resource_type}},
      {{"project", project}, {"domain", ""}, {"workflow", ""}, {"resource_type", resource_type}}};
  for (size_t i = !workflow.empty() ? 0 : !domain.empty() ? 1 : 2; i < keys.size(); ++i) {
    auto rec = options_.store->Get(store::Table::kAttributes, keys[i]);
    if (rec.ok()) {
      FB_ASSIGN_OR_RETURN(auto attrs, ParseRecord<fa::MatchingAttributes>(*rec));
      return std::optional<fa::MatchingAttributes>(std::move(attrs));
    }
    if (rec.status().code() != Code::kNotFound) return rec.status();
  }
  return std::optional<fa::MatchingAttributes>();
}

Result<std::optional<fa::TaskResourceAttributes>> Admin::TaskResourceAttributesFor(
    const std::string& project, const std::string& domain, const std::string& workflow) {
  FB_ASSIGN_OR_RETURN(auto attrs,
                      MostSpecificAttributes(project, domain, workflow, fa::TASK_RESOURCE));
  if (!attrs || !attrs->has_task_resource_attributes()) {
    return std::optional<fa::TaskResourceAttributes>();
  }
  return std::optional<fa::TaskResourceAttributes>(attrs->task_resource_attributes());
}

Result<std::map<std::string, std::string>> Admin::ClusterResourceAttributesFor(
    const std::string& project, const std::string& domain) {
  FB_ASSIGN_OR_RETURN(auto attrs, MostSpecificAttributes(project, domain, "", fa::CLUSTER_RESOURCE));
  std::map<std::string, std::string> out;
  if (attrs && attrs->has_cluster_resource_attributes()) {
    for (const auto& [k, v] : attrs->cluster_resource_attributes().attributes()) out[k] = v;
  }
  return out;
}

Status Admin::ApplyExecutionConfig(const fa::LaunchPlan& lp, const std::string& project,
                                   const std::string& domain, fa::ExecutionSpec* spec) {
  FillUnset(lp.spec(), spec);
  FB_ASSIGN_OR_RETURN(auto attrs, MostSpecificAttributes(project, domain,
                                                         lp.spec().workflow_id().name(),
                                                         kExecutionConfig));
  if (attrs && attrs->has_workflow_execution_config()) {
    FillUnset(attrs->workflow_execution_config(), spec);
  }
  FB_ASSIGN_OR_RETURN(auto own, MostSpecificAttributes(project, "", "", kExecutionConfig));
  if (own && own->has_workflow_execution_config()) {
    FillUnset(own->workflow_execution_config(), spec);
  }
  FB_RETURN_IF_ERROR(InheritFromParent(spec));
  return ApplyClusterAssignment(project, domain, spec);
}

// As FlyteAdmin: a child execution (launched by a node of another) runs with its parent's
// execution cluster label, whatever its request says. A parent that is not stored (a request
// naming one that does not exist) leaves the label as requested.
Status Admin::InheritFromParent(fa::ExecutionSpec* spec) {
  const auto& parent = spec->metadata().parent_node_execution();
  if (!parent.has_execution_id() || parent.execution_id().name().empty()) return Status::Ok();
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = parent.execution_id();
  auto source = GetExecution(get);
  if (!source.ok()) {
    return source.status().code() == Code::kNotFound ? Status::Ok() : source.status();
  }
  if (source->spec().has_execution_cluster_label()) {
    *spec->mutable_execution_cluster_label() = source->spec().execution_cluster_label();
  }
  return Status::Ok();
}

Status Admin::ApplyClusterAssignment(const std::string& project, const std::string& domain,
                                     fa::ExecutionSpec* spec) {
  FB_ASSIGN_OR_RETURN(auto attrs,
                      MostSpecificAttributes(project, domain, "", fa::CLUSTER_ASSIGNMENT));
  if (!attrs || !attrs->has_cluster_assignment()) return Status::Ok();
  const std::string& stored = attrs->cluster_assignment().cluster_pool_name();
  const std::string& asked = spec->cluster_assignment().cluster_pool_name();
  if (!asked.empty() && !stored.empty() && asked != stored) {
    return Status::InvalidArgument(
        "execution with project \"" + project + "\" and domain \"" + domain +
        "\" cannot run on cluster pool \"" + asked +
        "\", because its configured to run on pool \"" + stored +
        "\" (leave spec.cluster_assignment unset, or change the CLUSTER_ASSIGNMENT "
        "attributes of " +
        project + "/" + domain + ")");
  }
  if (asked.empty()) *spec->mutable_cluster_assignment() = attrs->cluster_assignment();
  return Status::Ok();
}

Result<std::vector<fa::PluginOverride>> Admin::PluginOverridesFor(const std::string& project,
                                                                  const std::string& domain,
                                                                  const std::string& workflow) {
  FB_ASSIGN_OR_RETURN(auto attrs,
                      MostSpecificAttributes(project, domain, workflow, fa::PLUGIN_OVERRIDE));
  if (!attrs || !attrs->has_plugin_overrides()) return std::vector<fa::PluginOverride>();
  const auto& o = attrs->plugin_overrides().overrides();
  return std::vector<fa::PluginOverride>(o.begin(), o.end());
}

}  // namespace flytebox::admin
