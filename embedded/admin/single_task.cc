#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

// FlyteAdmin's node id for a single-task workflow: the task name without characters
// outside [A-Za-z0-9-], its last 63 characters.
std::string NodeIdFor(const std::string& task_name) {
  std::string id;
  for (char c : task_name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') id += c;
  }
  if (id.size() > 63) id = id.substr(id.size() - 63);
  return id;
}

fc::WorkflowTemplate SingleTaskWorkflow(const fc::Identifier& wf_id, const fc::TaskTemplate& task) {
  fc::WorkflowTemplate wf;
  *wf.mutable_id() = wf_id;
  *wf.mutable_interface() = task.interface();
  fc::Node* node = wf.add_nodes();
  node->set_id(NodeIdFor(task.id().name()));
  node->mutable_metadata()->set_name(task.id().name());
  *node->mutable_metadata()->mutable_retries() = task.metadata().retries();
  *node->mutable_task_node()->mutable_reference_id() = task.id();
  for (const auto& [name, var] : task.interface().inputs().variables()) {
    fc::Binding* b = node->add_inputs();
    b->set_var(name);
    b->mutable_binding()->mutable_promise()->set_var(name);  // empty node_id: start-node
  }
  for (const auto& [name, var] : task.interface().outputs().variables()) {
    fc::Binding* b = wf.add_outputs();
    b->set_var(name);
    b->mutable_binding()->mutable_promise()->set_node_id(node->id());
    b->mutable_binding()->mutable_promise()->set_var(name);
  }
  return wf;
}

bool CreatedOrExists(const Status& st) { return st.ok() || st.code() == Code::kAlreadyExists; }

}  // namespace

Result<fa::LaunchPlan> Admin::SingleTaskLaunchPlan(const fc::Identifier& task_id) {
  fc::Identifier wf_id = task_id;
  wf_id.set_resource_type(fc::WORKFLOW);
  wf_id.set_name(".flytegen." + task_id.name());
  // An earlier run of this task version made it (versions never change): no recompiling.
  fc::Identifier made_id = wf_id;
  made_id.set_resource_type(fc::LAUNCH_PLAN);
  if (auto made = LoadLaunchPlan(made_id); made.ok()) return made;
  FB_ASSIGN_OR_RETURN(fc::TaskTemplate task, LoadTaskTemplate(task_id));

  fa::WorkflowCreateRequest wf_req;
  *wf_req.mutable_id() = wf_id;
  *wf_req.mutable_spec()->mutable_template_() = SingleTaskWorkflow(wf_id, task);
  auto wf = CreateWorkflow(wf_req);
  if (!CreatedOrExists(wf.status())) return wf.status();

  fc::Identifier lp_id = wf_id;
  lp_id.set_resource_type(fc::LAUNCH_PLAN);
  fa::LaunchPlanCreateRequest lp_req;
  *lp_req.mutable_id() = lp_id;
  *lp_req.mutable_spec()->mutable_workflow_id() = wf_id;
  for (const auto& [name, var] : task.interface().inputs().variables()) {
    fc::Parameter& p = (*lp_req.mutable_spec()->mutable_default_inputs()->mutable_parameters())[name];
    *p.mutable_var() = var;
    p.set_required(true);
  }
  auto lp = CreateLaunchPlan(lp_req);
  if (!CreatedOrExists(lp.status())) return lp.status();
  return LoadLaunchPlan(lp_id);
}

}  // namespace flytebox::admin
