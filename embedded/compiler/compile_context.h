#pragma once

#include <map>
#include <string>

#include "embedded/compiler/diagnostics.h"
#include "embedded/compiler/identifiers.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/interface.pb.h"
#include "flyteidl/core/tasks.pb.h"

namespace flytebox::compiler {

// What a launch-plan node sees of its launch plan. `inputs` holds every parameter; one with
// `required` set must be bound by the node, the others are exposed only when the node binds
// them (FlyteAdmin's rule).
struct LaunchPlanSignature {
  flyteidl::core::ParameterMap inputs;
  flyteidl::core::VariableMap outputs;
};

// Shared state of one Compile call: the resolved entities and the sub-workflows being
// compiled in place (they live in the closure under construction). Not thread-safe.
class CompileContext {
 public:
  enum class SubWorkflowState { kRaw, kCompiling, kCompiled, kFailed };

  Diagnostics& diagnostics() { return diagnostics_; }

  void AddTask(const flyteidl::core::Identifier& ref, flyteidl::core::TaskTemplate task) {
    tasks_[IdKey(ref)] = std::move(task);
  }
  void AddLaunchPlan(const flyteidl::core::Identifier& ref, LaunchPlanSignature lp) {
    launch_plans_[IdKey(ref)] = std::move(lp);
  }
  // `workflow` must outlive the context (it points into the closure being built).
  void AddSubWorkflow(flyteidl::core::CompiledWorkflow* workflow) {
    sub_workflows_[IdKey(workflow->template_().id())] = {workflow, SubWorkflowState::kRaw};
  }

  // nullptr when not resolved.
  const flyteidl::core::TaskTemplate* FindTask(const flyteidl::core::Identifier& ref) const {
    auto it = tasks_.find(IdKey(ref));
    return it == tasks_.end() ? nullptr : &it->second;
  }
  const LaunchPlanSignature* FindLaunchPlan(const flyteidl::core::Identifier& ref) const {
    auto it = launch_plans_.find(IdKey(ref));
    return it == launch_plans_.end() ? nullptr : &it->second;
  }
  flyteidl::core::CompiledWorkflow* FindSubWorkflow(const flyteidl::core::Identifier& ref) {
    auto it = sub_workflows_.find(IdKey(ref));
    return it == sub_workflows_.end() ? nullptr : it->second.workflow;
  }
  SubWorkflowState& StateOf(const flyteidl::core::Identifier& ref) {
    return sub_workflows_.at(IdKey(ref)).state;
  }

  const std::map<std::string, flyteidl::core::TaskTemplate>& tasks() const { return tasks_; }

 private:
  struct SubWorkflow {
    flyteidl::core::CompiledWorkflow* workflow;
    SubWorkflowState state;
  };

  Diagnostics diagnostics_;
  std::map<std::string, flyteidl::core::TaskTemplate> tasks_;
  std::map<std::string, LaunchPlanSignature> launch_plans_;
  std::map<std::string, SubWorkflow> sub_workflows_;
};

}  // namespace flytebox::compiler
