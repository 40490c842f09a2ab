#include "embedded/admin/admin.h"
#include "embedded/admin/entities.h"
#include "embedded/admin/util.h"
#include "embedded/compiler/types.h"
#include "embedded/schedule/notification_rules.h"
#include "embedded/schedule/schedule.h"

namespace flytebox::admin {
namespace {

store::Record LaunchPlanRecord(const fa::LaunchPlan& lp) {
  store::Record rec;
  rec.columns = IdKey(lp.id());
  const auto& wf = lp.spec().workflow_id();
  rec.columns["workflow_project"] = wf.project();
  rec.columns["workflow_domain"] = wf.domain();
  rec.columns["workflow_name"] = wf.name();
  rec.columns["workflow_version"] = wf.version();
  rec.columns["state"] = static_cast<int64_t>(lp.closure().state());
  rec.columns["schedule_type"] =
      static_cast<int64_t>(lp.spec().entity_metadata().schedule().ScheduleExpression_case());
  rec.data = Deterministic(lp);
  return rec;
}

// expected_inputs: the declared defaults, plus every workflow input that is neither
// defaulted nor fixed, marked required.
Result<fc::ParameterMap> ExpectedInputs(const fa::LaunchPlanSpec& spec,
                                        const fc::VariableMap& wf_inputs) {
  fc::ParameterMap out;
  for (const auto& [name, value] : spec.fixed_inputs().literals()) {
    auto it = wf_inputs.variables().find(name);
    if (it == wf_inputs.variables().end()) {
      return Status::InvalidArgument("fixed input '" + name + "' is not an input of the workflow");
    }
    FB_RETURN_IF_ERROR(compiler::CheckLiteral(value, it->second.type(), "fixed input '" + name + "'"));
  }
  for (const auto& [name, param] : spec.default_inputs().parameters()) {
    auto it = wf_inputs.variables().find(name);
    if (it == wf_inputs.variables().end()) {
      return Status::InvalidArgument("default input '" + name +
                                     "' is not an input of the workflow");
    }
    if (!compiler::IsCastable(param.var().type(), it->second.type())) {
      return Status::InvalidArgument("default input '" + name + "' has type " +
                                     compiler::TypeName(param.var().type()) +
                                     " but the workflow expects " +
                                     compiler::TypeName(it->second.type()));
    }
    if (param.has_default_()) {
      FB_RETURN_IF_ERROR(compiler::CheckLiteral(param.default_(), it->second.type(),
                                                "default input '" + name + "'"));
    }
    (*out.mutable_parameters())[name] = param;
  }
  for (const auto& [name, var] : wf_inputs.variables()) {
    if (out.parameters().contains(name) || spec.fixed_inputs().literals().contains(name)) continue;
    fc::Parameter p;
    *p.mutable_var() = var;
    p.set_required(true);
    (*out.mutable_parameters())[name] = p;
  }
  return out;
}

Result<fa::LaunchPlanList> ToList(const store::ListResult& list) {
  fa::LaunchPlanList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_launch_plans(), ParseRecord<fa::LaunchPlan>(r));
  }
  out.set_token(list.next_token);
  return out;
}

}  // namespace

Result<fa::LaunchPlanCreateResponse> Admin::CreateLaunchPlan(const fa::LaunchPlanCreateRequest& req) {
  FB_RETURN_IF_ERROR(RequireFullId(req.id(), "launch plan id"));
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.id().project(), req.id().domain()));
  if (!req.has_spec()) return Status::InvalidArgument("launch plan: spec is required");
  FB_RETURN_IF_ERROR(RequireFullId(req.spec().workflow_id(), "launch plan spec.workflow_id"));
  auto wf = LoadWorkflow(req.spec().workflow_id());
  if (!wf.ok()) {
    return Status::InvalidArgument("launch plan " + IdString(req.id()) + ": " +
                                   wf.status().message());
  }
  const auto& iface = wf->closure().compiled_workflow().primary().template_().interface();

  fa::LaunchPlan lp;
  *lp.mutable_id() = req.id();
  lp.mutable_id()->set_resource_type(fc::LAUNCH_PLAN);
  *lp.mutable_spec() = req.spec();
  auto expected = ExpectedInputs(req.spec(), iface.inputs());
  if (!expected.ok()) return expected.status().WithContext("launch plan " + IdString(req.id()));
  Status scheduling = scheduler::ValidateLaunchPlanSchedule(req.spec(), *expected,
                                                            options_.clock->Now());
  if (scheduling.ok()) {
    scheduling = scheduler::ValidateNotifications(req.spec().entity_metadata().notifications());
  }
  if (!scheduling.ok()) return scheduling.WithContext("launch plan " + IdString(req.id()));
  auto* closure = lp.mutable_closure();
  *closure->mutable_expected_inputs() = std::move(expected).value();
  *closure->mutable_expected_outputs() = iface.outputs();
  closure->set_state(fa::INACTIVE);
  int64_t now = ToMicros(options_.clock->Now());
  *closure->mutable_created_at() = ToTimestamp(now);
  *closure->mutable_updated_at() = ToTimestamp(now);

  store::Record rec = LaunchPlanRecord(lp);
  rec.created_at = rec.updated_at = now;
  std::string mine = Deterministic(lp.spec());
  FB_RETURN_IF_ERROR(CreateVersioned(
      *options_.store, store::Table::kLaunchPlan, lp.id(), rec, "launch plan",
      [&](const store::Record& existing) -> Result<bool> {
        FB_ASSIGN_OR_RETURN(fa::LaunchPlan old, ParseRecord<fa::LaunchPlan>(existing));
        return Deterministic(old.spec()) == mine;
      }));
  if (options_.on_launch_plan_saved) options_.on_launch_plan_saved(lp);
  return fa::LaunchPlanCreateResponse();
}

Result<fa::LaunchPlan> Admin::LoadLaunchPlan(const fc::Identifier& id) {
  FB_ASSIGN_OR_RETURN(auto rec,
                      GetVersioned(*options_.store, store::Table::kLaunchPlan, id, "launch plan"));
  return ParseRecord<fa::LaunchPlan>(rec);
}

Result<fa::LaunchPlan> Admin::GetLaunchPlan(const fa::ObjectGetRequest& req) {
  return LoadLaunchPlan(req.id());
}

Result<fa::LaunchPlan> Admin::GetActiveLaunchPlan(const fa::ActiveLaunchPlanRequest& req) {
  const auto& id = req.id();
  if (id.project().empty() || id.domain().empty() || id.name().empty()) {
    return Status::InvalidArgument("id.project, id.domain and id.name are required");
  }
  store::ListQuery q;
  q.where = {{"project", id.project()}, {"domain", id.domain()}, {"name", id.name()},
             {"state", static_cast<int64_t>(fa::ACTIVE)}};
  q.limit = 1;
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kLaunchPlan, q));
  if (list.records.empty()) {
    return Status::NotFound("no active launch plan named " + id.project() + ":" + id.domain() +
                            ":" + id.name());
  }
  return ParseRecord<fa::LaunchPlan>(list.records[0]);
}

Result<fa::LaunchPlanList> Admin::ListLaunchPlans(const fa::ResourceListRequest& req) {
  FB_ASSIGN_OR_RETURN(auto list, ListVersioned(*options_.store, store::Table::kLaunchPlan, req));
  return ToList(list);
}

Result<fa::LaunchPlanList> Admin::ListActiveLaunchPlans(const fa::ActiveLaunchPlanListRequest& req) {
  if (req.project().empty() || req.domain().empty()) {
    return Status::InvalidArgument("project and domain are required");
  }
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), "",
                                    req.has_sort_by() ? &req.sort_by() : nullptr,
                                    ListEntity::kLaunchPlan));
  q.where = {{"project", req.project()}, {"domain", req.domain()},
             {"state", static_cast<int64_t>(fa::ACTIVE)}};
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kLaunchPlan, q));
  return ToList(list);
}

Result<fa::NamedEntityIdentifierList> Admin::ListLaunchPlanIds(
    const fa::NamedEntityIdentifierListRequest& req) {
  return ListIds(*options_.store, store::Table::kLaunchPlan, req);
}

// Activating a version deactivates the previously active version of the same name.
Result<fa::LaunchPlanUpdateResponse> Admin::UpdateLaunchPlan(const fa::LaunchPlanUpdateRequest& req) {
  FB_RETURN_IF_ERROR(RequireFullId(req.id(), "launch plan id"));
  int64_t now = ToMicros(options_.clock->Now());
  fa::LaunchPlan saved;
  FB_RETURN_IF_ERROR(options_.store->Transaction([&](store::MetadataStore& tx) -> Status {
    FB_ASSIGN_OR_RETURN(auto rec, GetVersioned(tx, store::Table::kLaunchPlan, req.id(), "launch plan"));
    FB_ASSIGN_OR_RETURN(fa::LaunchPlan lp, ParseRecord<fa::LaunchPlan>(rec));
    if (req.state() == fa::ACTIVE) {
      store::ListQuery q;
      q.where = {{"project", req.id().project()}, {"domain", req.id().domain()},
                 {"name", req.id().name()}, {"state", static_cast<int64_t>(fa::ACTIVE)}};
      q.limit = 1000;
      FB_ASSIGN_OR_RETURN(auto active, tx.List(store::Table::kLaunchPlan, q));
      for (const auto& r : active.records) {
        FB_ASSIGN_OR_RETURN(fa::LaunchPlan other, ParseRecord<fa::LaunchPlan>(r));
        if (other.id().version() == lp.id().version()) continue;
        other.mutable_closure()->set_state(fa::INACTIVE);
        *other.mutable_closure()->mutable_updated_at() = ToTimestamp(now);
        store::Record updated = LaunchPlanRecord(other);
        updated.updated_at = now;
        FB_RETURN_IF_ERROR(tx.Update(store::Table::kLaunchPlan, updated));
      }
    }
    lp.mutable_closure()->set_state(req.state());
    *lp.mutable_closure()->mutable_updated_at() = ToTimestamp(now);
    store::Record updated = LaunchPlanRecord(lp);
    updated.updated_at = now;
    saved = lp;
    return tx.Update(store::Table::kLaunchPlan, updated);
  }));
  if (options_.on_launch_plan_saved) options_.on_launch_plan_saved(saved);
  return fa::LaunchPlanUpdateResponse();
}

}  // namespace flytebox::admin
