#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "flyteidl/admin/launch_plan.pb.h"
#include "flyteidl/admin/workflow.pb.h"
#include "flyteidl/core/compiler.pb.h"
#include "flyteidl/core/identifier.pb.h"
#include "flyteidl/core/interface.pb.h"
#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"

namespace flytebox::compiler {

// What a workflow refers to by id, found in the primary template, its failure node, the
// sub-workflows it references (transitively), branches (recursively) and array nodes.
// Sorted as Flyte sorts requirements: resource type, project, domain, name, version.
struct References {
  std::vector<flyteidl::core::Identifier> tasks;         // distinct
  std::vector<flyteidl::core::Identifier> launch_plans;  // distinct
};
References CollectReferences(const flyteidl::admin::WorkflowSpec& spec);

// Looks up registered entities. NOT_FOUND makes compilation fail with INVALID_ARGUMENT
// naming the missing id.
struct Resolver {
  std::function<Result<flyteidl::core::TaskTemplate>(const flyteidl::core::Identifier&)> task;
  // The interface a launch-plan node sees: inputs = the launch plan's required inputs plus
  // those with defaults (fixed inputs excluded), outputs = its workflow's outputs.
  std::function<Result<flyteidl::core::TypedInterface>(const flyteidl::core::Identifier&)>
      launch_plan_interface;
  // Optional; when set it is used instead of launch_plan_interface. The registered launch
  // plan's closure.expected_inputs tells required inputs (a launch-plan node must bind them)
  // from those with defaults (it may), which is FlyteAdmin's exact rule. Through
  // launch_plan_interface no input counts as required: an unbound one is not reported.
  std::function<Result<flyteidl::admin::LaunchPlan>(const flyteidl::core::Identifier&)> launch_plan;
};

// Compiles a registered workflow spec into the closure GetWorkflow returns, as FlyteAdmin's
// compiler does (byte-for-byte on Flyte's own golden files):
// - primary.template: nodes start-node (id only) and end-node (inputs = the workflow's output
//   bindings) first, then the spec's nodes; branch cases renamed "<branch id>-<case id>";
//   upstream_node_ids sorted; promises with an empty node_id rewritten to "start-node";
//   absent interface input/output maps set empty;
// - connections: for every node the nodes it waits for (upstream) and that wait for it
//   (downstream); nodes without upstream hang off start-node, without downstream feed
//   end-node;
// - sub_workflows: the spec's sub-workflows in order, those referenced compiled likewise;
// - tasks: the referenced task templates, in CollectReferences order.
// Node interfaces are computed and checked but not stored (core.Node has no such field).
// INVALID_ARGUMENT, naming workflow, node and variable, with every problem found ("; "
// joined): zero nodes, a missing reference, a binding to an unknown node or output, a type
// mismatch, a missing required input, a cycle, an unreachable node... A resolver failure
// other than NOT_FOUND is returned as is. Thread-safe: no state is shared between calls.
// Compare closures with deterministic serialization (map order is otherwise unspecified).
Result<flyteidl::core::CompiledWorkflowClosure> Compile(const flyteidl::admin::WorkflowSpec& spec,
                                                        const Resolver& resolver);

}  // namespace flytebox::compiler
