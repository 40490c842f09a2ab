#include "embedded/admin/admin.h"
#include "embedded/admin/entities.h"
#include "embedded/admin/util.h"
#include "embedded/compiler/compiler.h"

namespace flytebox::admin {

Result<fa::WorkflowCreateResponse> Admin::CreateWorkflow(const fa::WorkflowCreateRequest& req) {
  FB_RETURN_IF_ERROR(RequireFullId(req.id(), "workflow id"));
  FB_RETURN_IF_ERROR(CheckProjectDomain(req.id().project(), req.id().domain()));
  if (!req.has_spec() || !req.spec().has_template_()) {
    return Status::InvalidArgument("workflow " + IdString(req.id()) +
                                   ": spec.template is required");
  }
  FB_RETURN_IF_ERROR(ValidateVariableNames(req.spec().template_().interface(),
                                           "workflow " + IdString(req.id())));
  fa::WorkflowSpec spec = req.spec();
  *spec.mutable_template_()->mutable_id() = req.id();
  spec.mutable_template_()->mutable_id()->set_resource_type(fc::WORKFLOW);

  compiler::Resolver resolver;
  resolver.task = [this](const fc::Identifier& id) { return LoadTaskTemplate(id); };
  resolver.launch_plan = [this](const fc::Identifier& id) { return LoadLaunchPlan(id); };
  auto compiled = compiler::Compile(spec, resolver);
  if (!compiled.ok()) {
    return Status::InvalidArgument("workflow " + IdString(req.id()) + " does not compile: " +
                                   compiled.status().message());
  }

  fa::Workflow wf;
  *wf.mutable_id() = spec.template_().id();
  *wf.mutable_closure()->mutable_compiled_workflow() = std::move(compiled).value();
  if (spec.has_description()) wf.set_short_description(spec.description().short_description());
  int64_t now = ToMicros(options_.clock->Now());
  *wf.mutable_closure()->mutable_created_at() = ToTimestamp(now);

  store::Record rec;
  rec.columns = IdKey(wf.id());
  rec.data = Deterministic(wf);
  rec.created_at = now;
  std::string mine = Deterministic(wf.closure().compiled_workflow());
  FB_RETURN_IF_ERROR(CreateVersioned(
      *options_.store, store::Table::kWorkflow, wf.id(), rec, "workflow",
      [&](const store::Record& existing) -> Result<bool> {
        FB_ASSIGN_OR_RETURN(fa::Workflow old, ParseRecord<fa::Workflow>(existing));
        return Deterministic(old.closure().compiled_workflow()) == mine;
      }));
  if (spec.has_description()) FB_RETURN_IF_ERROR(SaveDescription(wf.id(), spec.description()));
  return fa::WorkflowCreateResponse();
}

Result<fa::Workflow> Admin::LoadWorkflow(const fc::Identifier& id) {
  FB_ASSIGN_OR_RETURN(auto rec,
                      GetVersioned(*options_.store, store::Table::kWorkflow, id, "workflow"));
  return ParseRecord<fa::Workflow>(rec);
}

Result<fa::Workflow> Admin::GetWorkflow(const fa::ObjectGetRequest& req) {
  return LoadWorkflow(req.id());
}

Result<fa::WorkflowList> Admin::ListWorkflows(const fa::ResourceListRequest& req) {
  FB_ASSIGN_OR_RETURN(auto list, ListVersioned(*options_.store, store::Table::kWorkflow, req));
  fa::WorkflowList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_workflows(), ParseRecord<fa::Workflow>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::NamedEntityIdentifierList> Admin::ListWorkflowIds(
    const fa::NamedEntityIdentifierListRequest& req) {
  return ListIds(*options_.store, store::Table::kWorkflow, req);
}

}  // namespace flytebox::admin
