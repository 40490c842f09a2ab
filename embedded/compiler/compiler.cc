// CreateWorkflow's compiler: references, resolution, and the compiled closure.
#include "embedded/compiler/compiler.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "embedded/compiler/compile_context.h"
#include "embedded/compiler/identifiers.h"
#include "embedded/compiler/nesting.h"
#include "embedded/compiler/workflow_builder.h"

namespace flytebox::compiler {
namespace {

using flyteidl::core::Identifier;
using flyteidl::core::Node;
using flyteidl::core::WorkflowTemplate;

// Walks a workflow the way Flyte's GetRequirements does: task and launch-plan references in
// nodes, branch cases, array nodes and the failure node, following sub-workflow references
// into the spec's sub-workflows (each once).
class ReferenceCollector {
 public:
  explicit ReferenceCollector(const flyteidl::admin::WorkflowSpec& spec) {
    for (const auto& sub : spec.sub_workflows()) sub_workflows_.emplace(IdKey(sub.id()), &sub);
  }

  void Workflow(const WorkflowTemplate& workflow) {
    for (const auto& node : workflow.nodes()) Visit(node);
    if (workflow.has_failure_node()) Visit(workflow.failure_node());
  }

  References Sorted() const {
    References refs;
    for (const auto& [key, id] : tasks_) refs.tasks.push_back(id);
    for (const auto& [key, id] : launch_plans_) refs.launch_plans.push_back(id);
    std::sort(refs.tasks.begin(), refs.tasks.end(), IdLess);
    std::sort(refs.launch_plans.begin(), refs.launch_plans.end(), IdLess);
    return refs;
  }

 private:
  void Visit(const Node& node) {
    if (node.has_task_node()) {
      if (node.task_node().has_reference_id()) Add(tasks_, node.task_node().reference_id());
    } else if (node.has_workflow_node()) {
      const auto& wf = node.workflow_node();
      if (wf.has_launchplan_ref()) Add(launch_plans_, wf.launchplan_ref());
      if (wf.has_sub_workflow_ref()) FollowSubWorkflow(wf.sub_workflow_ref());
    } else if (node.has_branch_node()) {
      const auto& if_else = node.branch_node().if_else();
      if (if_else.case_().has_then_node()) Visit(if_else.case_().then_node());
      for (const auto& other : if_else.other()) {
        if (other.has_then_node()) Visit(other.then_node());
      }
      if (if_else.has_else_node()) Visit(if_else.else_node());
    } else if (node.has_array_node() && node.array_node().has_node()) {
      Visit(node.array_node().node());
    }
  }

  void FollowSubWorkflow(const Identifier& id) {
    auto it = sub_workflows_.find(IdKey(id));
    if (it == sub_workflows_.end() || !followed_.insert(it->first).second) return;
    Workflow(*it->second);
  }

  static void Add(std::map<std::string, Identifier>& into, const Identifier& id) {
    into.emplace(IdKey(id), id);
  }

  std::map<std::string, const WorkflowTemplate*> sub_workflows_;
  std::set<std::string> followed_;
  std::map<std::string, Identifier> tasks_;
  std::map<std::string, Identifier> launch_plans_;
};

std::string WorkflowName(const flyteidl::admin::WorkflowSpec& spec) {
  const std::string& name = spec.template_().id().name();
  return name.empty() ? "<unnamed>" : name;
}

// Every compiled task interface carries (possibly empty) input and output maps.
void NormalizeTaskInterface(flyteidl::core::TaskTemplate& task) {
  if (!task.has_interface()) return;
  task.mutable_interface()->mutable_inputs();
  task.mutable_interface()->mutable_outputs();
}

// NOT_FOUND becomes a compile error; any other failure (the store is down...) is returned.
Status ResolveTasks(const References& refs, const Resolver& resolver, const std::string& wf,
                    CompileContext& ctx) {
  for (const auto& id : refs.tasks) {
    Result<flyteidl::core::TaskTemplate> task =
        resolver.task ? resolver.task(id) : Status::NotFound("no task resolver");
    if (!task.ok() && task.status().code() != Code::kNotFound) {
      return task.status().WithContext("workflow " + wf + ": task " + IdString(id));
    }
    if (!task.ok()) {
      ctx.diagnostics().Add("workflow " + wf + ": task " + IdString(id) + " not found");
      continue;
    }
    NormalizeTaskInterface(*task);
    ctx.AddTask(id, std::move(*task));
  }
  return Status::Ok();
}

Result<LaunchPlanSignature> LookUpLaunchPlan(const Resolver& resolver, const Identifier& id) {
  LaunchPlanSignature sig;
  if (resolver.launch_plan) {
    FB_ASSIGN_OR_RETURN(flyteidl::admin::LaunchPlan lp, resolver.launch_plan(id));
    sig.inputs = lp.closure().expected_inputs();
    sig.outputs = lp.closure().expected_outputs();
    return sig;
  }
  if (!resolver.launch_plan_interface) return Status::NotFound("no launch plan resolver");
  FB_ASSIGN_OR_RETURN(flyteidl::core::TypedInterface iface, resolver.launch_plan_interface(id));
  for (const auto& [name, var] : iface.inputs().variables()) {
    auto& param = (*sig.inputs.mutable_parameters())[name];
    *param.mutable_var() = var;
    param.mutable_default_();  // "has a default": the node may leave it unbound
  }
  sig.outputs = iface.outputs();
  return sig;
}

Status ResolveLaunchPlans(const References& refs, const Resolver& resolver, const std::string& wf,
                          CompileContext& ctx) {
  for (const auto& id : refs.launch_plans) {
    Result<LaunchPlanSignature> sig = LookUpLaunchPlan(resolver, id);
    if (!sig.ok() && sig.status().code() != Code::kNotFound) {
      return sig.status().WithContext("workflow " + wf + ": launch plan " + IdString(id));
    }
    if (!sig.ok()) {
      ctx.diagnostics().Add("workflow " + wf + ": launch plan " + IdString(id) + " not found");
      continue;
    }
    ctx.AddLaunchPlan(id, std::move(*sig));
  }
  return Status::Ok();
}

// The closure lists every sub-workflow of the spec, in order; those never referenced stay
// uncompiled (as in Flyte).
Status AddSubWorkflows(const flyteidl::admin::WorkflowSpec& spec, const std::string& wf,
                       flyteidl::core::CompiledWorkflowClosure& closure, CompileContext& ctx) {
  std::set<std::string> seen;
  for (const auto& sub : spec.sub_workflows()) {
    if (!sub.has_id()) {
      ctx.diagnostics().Add("workflow " + wf + ": a sub-workflow has no id");
    } else if (!seen.insert(IdKey(sub.id())).second) {
      ctx.diagnostics().Add("workflow " + wf + ": sub-workflow " + IdString(sub.id()) +
                            " is given more than once");
    }
    *closure.add_sub_workflows()->mutable_template_() = sub;
  }
  if (!ctx.diagnostics().empty()) return ctx.diagnostics().ToStatus();
  // Pointers into the repeated field are stable now that it is complete.
  for (auto& sub : *closure.mutable_sub_workflows()) ctx.AddSubWorkflow(&sub);
  return Status::Ok();
}

}  // namespace

References CollectReferences(const flyteidl::admin::WorkflowSpec& spec) {
  ReferenceCollector collector(spec);
  collector.Workflow(spec.template_());
  return collector.Sorted();
}

Result<flyteidl::core::CompiledWorkflowClosure> Compile(const flyteidl::admin::WorkflowSpec& spec,
                                                        const Resolver& resolver) {
  if (!spec.has_template_()) return Status::InvalidArgument("the workflow spec has no template");
  // First: the steps below recurse into sub-workflows.
  FB_RETURN_IF_ERROR(CheckNestingDepth(spec));
  const std::string wf = WorkflowName(spec);
  CompileContext ctx;
  flyteidl::core::CompiledWorkflowClosure closure;
  FB_RETURN_IF_ERROR(AddSubWorkflows(spec, wf, closure, ctx));

  References refs = CollectReferences(spec);
  FB_RETURN_IF_ERROR(ResolveTasks(refs, resolver, wf, ctx));
  FB_RETURN_IF_ERROR(ResolveLaunchPlans(refs, resolver, wf, ctx));
  if (!ctx.diagnostics().empty()) return ctx.diagnostics().ToStatus();

  auto& primary = *closure.mutable_primary();
  *primary.mutable_template_() = spec.template_();
  WorkflowBuilder(ctx, primary).Build();
  if (!ctx.diagnostics().empty()) return ctx.diagnostics().ToStatus();

  for (const auto& id : refs.tasks) *closure.add_tasks()->mutable_template_() = *ctx.FindTask(id);
  return closure;
}

}  // namespace flytebox::compiler
