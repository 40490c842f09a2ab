// Node interfaces (what a node consumes and produces) and branch validation.
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <vector>

#include "embedded/compiler/types.h"
#include "embedded/compiler/workflow_builder.h"

namespace flytebox::compiler {
namespace {

using flyteidl::core::Node;
using google::protobuf::util::MessageDifferencer;

bool BindsVar(const Node& node, const std::string& var) {
  return std::any_of(node.inputs().begin(), node.inputs().end(),
                     [&](const flyteidl::core::Binding& b) { return b.var() == var; });
}

std::vector<std::string> SortedKeys(const flyteidl::core::VariableMap& vars) {
  std::vector<std::string> keys;
  for (const auto& [name, v] : vars.variables()) keys.push_back(name);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// flytekit 1.16 still sends comparison constants in the deprecated `primitive` field.
flyteidl::core::Scalar PrimitiveScalar(const flyteidl::core::Operand& operand) {
  flyteidl::core::Scalar scalar;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  *scalar.mutable_primitive() = operand.primitive();
#pragma GCC diagnostic pop
  return scalar;
}

}  // namespace

// Computed once per node; nullptr when it cannot be (the reason is reported once).
const flyteidl::core::TypedInterface* WorkflowBuilder::Interface(Node& node) {
  NodeState& state = states_[&node];
  if (state.has_interface) return &state.interface;
  if (state.attempted) return nullptr;
  state.attempted = true;

  std::size_t before = ctx_.diagnostics().count();
  TypedInterface iface;
  if (!ComputeInterface(node, iface)) return nullptr;
  NormalizeInterface(Where(node), iface);
  if (ctx_.diagnostics().count() != before) return nullptr;
  // `state` is still valid: unordered_map elements do not move when others are added.
  state.interface = std::move(iface);
  state.has_interface = true;
  return &state.interface;
}

bool WorkflowBuilder::ComputeInterface(Node& node, TypedInterface& out) {
  switch (node.target_case()) {
    case Node::kTaskNode:
      return TaskInterface(node, out);
    case Node::kWorkflowNode:
      return WorkflowNodeInterface(node, out);
    case Node::kBranchNode:
      return BranchInterface(node, out);
    case Node::kGateNode:
      return GateInterface(node, out);
    case Node::kArrayNode:
      return ArrayInterface(node, out);
    default:
      Error(node, "the node has no target (task, workflow, branch, gate or array node)");
      return false;
  }
}

bool WorkflowBuilder::TaskInterface(const Node& node, TypedInterface& out) {
  if (!node.task_node().has_reference_id()) {
    Error(node, "the task node has no reference_id");
    return false;
  }
  const auto* task = ctx_.FindTask(node.task_node().reference_id());
  if (task == nullptr) {
    Error(node, "task " + IdString(node.task_node().reference_id()) + " not found");
    return false;
  }
  out = task->interface();
  return true;
}

// A launch plan exposes its required inputs, plus the inputs with defaults that the node
// binds; it produces its workflow's outputs. A sub-workflow exposes its own interface.
bool WorkflowBuilder::WorkflowNodeInterface(const Node& node, TypedInterface& out) {
  const auto& wf = node.workflow_node();
  if (wf.has_launchplan_ref()) {
    const LaunchPlanSignature* lp = ctx_.FindLaunchPlan(wf.launchplan_ref());
    if (lp == nullptr) {
      Error(node, "launch plan " + IdString(wf.launchplan_ref()) + " not found");
      return false;
    }
    auto* inputs = out.mutable_inputs()->mutable_variables();
    for (const auto& [name, param] : lp->inputs.parameters()) {
      if (param.required() || BindsVar(node, name)) (*inputs)[name] = param.var();
    }
    *out.mutable_outputs() = lp->outputs;
    return true;
  }
  if (wf.has_sub_workflow_ref()) {
    flyteidl::core::CompiledWorkflow* sub = ctx_.FindSubWorkflow(wf.sub_workflow_ref());
    if (sub == nullptr) {
      Error(node, "sub-workflow " + IdString(wf.sub_workflow_ref()) + " not found");
      return false;
    }
    if (!sub->template_().has_interface()) {
      Error(node, "sub-workflow " + IdString(wf.sub_workflow_ref()) + " has no interface");
      return false;
    }
    out = sub->template_().interface();
    return true;
  }
  Error(node, "the workflow node names neither a launch plan nor a sub-workflow");
  return false;
}

// approve: outputs = inputs = whatever the bindings carry; signal: one output of the signal's
// type; sleep: nothing.
bool WorkflowBuilder::GateInterface(Node& node, TypedInterface& out) {
  const auto& gate = node.gate_node();
  if (gate.has_approve()) {
    VariableMap resolved = ValidateBindings(node, *node.mutable_inputs(), VariableMap(), false,
                                            EdgeDirection::kUpstream);
    *out.mutable_inputs() = resolved;
    *out.mutable_outputs() = std::move(resolved);
    return true;
  }
  if (gate.has_signal()) {
    if (!gate.signal().has_type()) {
      Error(node, "the signal gate has no type");
      return false;
    }
    if (gate.signal().output_variable_name().empty()) {
      Error(node, "the signal gate has no output_variable_name");
      return false;
    }
    out.mutable_inputs();
    auto& var = (*out.mutable_outputs()->mutable_variables())[gate.signal().output_variable_name()];
    *var.mutable_type() = gate.signal().type();
    return true;
  }
  if (gate.has_sleep()) {
    out.mutable_inputs();
    out.mutable_outputs();
    return true;
  }
  Error(node, "the gate node has no condition (approve, signal or sleep)");
  return false;
}

// The inner node's interface as is: flytekit already declares a map task's inputs and
// outputs as collections.
bool WorkflowBuilder::ArrayInterface(Node& node, TypedInterface& out) {
  if (!node.array_node().has_node()) {
    Error(node, "the array node has no inner node");
    return false;
  }
  const TypedInterface* inner = Interface(*node.mutable_array_node()->mutable_node());
  if (inner == nullptr) return false;
  out = *inner;
  return true;
}

// Flyte's branch interface: inputs are whatever the branch's bindings carry (the variables its
// conditions read); outputs are those every case produces, with identical types. Cases are
// renamed "<branch id>-<case id>" on the way.
bool WorkflowBuilder::BranchInterface(Node& node, TypedInterface& out) {
  std::size_t before = ctx_.diagnostics().count();
  const auto& branch = node.branch_node();
  if (!branch.has_if_else() || !branch.if_else().has_case_() ||
      !branch.if_else().case_().has_then_node()) {
    Error(node, "the branch has no first case with a then-node");
    return false;
  }
  auto* if_else = node.mutable_branch_node()->mutable_if_else();
  std::vector<Node*> cases = {if_else->mutable_case_()->mutable_then_node()};
  for (auto& other : *if_else->mutable_other()) {
    if (!other.has_then_node()) {
      Error(node, "a branch case has no then-node");
      continue;
    }
    cases.push_back(other.mutable_then_node());
  }
  if (if_else->has_else_node()) cases.push_back(if_else->mutable_else_node());

  std::optional<VariableMap> outputs;
  std::set<std::string> common;
  for (Node* sub : cases) {
    sub->set_id(node.id() + "-" + sub->id());
    const TypedInterface* iface = Interface(*sub);
    if (iface == nullptr) continue;
    if (!outputs) {
      outputs = iface->outputs();
      for (const auto& name : SortedKeys(*outputs)) common.insert(name);
      continue;
    }
    std::set<std::string> kept;
    for (const auto& name : SortedKeys(iface->outputs())) {
      if (common.count(name) == 0) continue;
      kept.insert(name);
      const LiteralType& mine = iface->outputs().variables().at(name).type();
      const LiteralType& first = outputs->variables().at(name).type();
      if (!MessageDifferencer::Equals(mine, first)) {
        Error(*sub, "output '" + name + "' is " + TypeName(mine) + " but the first case's is " +
                        TypeName(first));
      }
    }
    common = std::move(kept);
  }
  VariableMap inputs = ValidateBindings(node, *node.mutable_inputs(), VariableMap(), false,
                                        EdgeDirection::kUpstream);
  if (ctx_.diagnostics().count() != before || !outputs) return false;
  *out.mutable_inputs() = std::move(inputs);
  auto* vars = out.mutable_outputs()->mutable_variables();
  for (const auto& name : common) (*vars)[name] = outputs->variables().at(name);
  return true;
}

// Missing input/output maps become empty ones (they are present in every compiled
// interface); each variable needs a name and a type.
void WorkflowBuilder::NormalizeInterface(const std::string& where, TypedInterface& iface) {
  for (VariableMap* vars : {iface.mutable_inputs(), iface.mutable_outputs()}) {
    for (const auto& name : SortedKeys(*vars)) {
      if (name.empty()) ctx_.diagnostics().Add(where + ": a variable has no name");
      if (!vars->variables().at(name).has_type()) {
        ctx_.diagnostics().Add(where + ": variable '" + name + "' has no type");
      }
    }
  }
}

// The node's outputs under their aliases. Errors (an alias set twice, an alias of an unknown
// output) go to `diagnostics` when given.
std::optional<flyteidl::core::VariableMap> WorkflowBuilder::EffectiveOutputs(
    const Node& node, Diagnostics* diagnostics) {
  const NodeState& state = states_[&node];
  if (!state.has_interface) return std::nullopt;
  std::map<std::string, std::string> aliases;
  for (const auto& alias : node.output_aliases()) {
    if (!aliases.emplace(alias.var(), alias.alias()).second && diagnostics != nullptr) {
      diagnostics->Add(Where(node) + ": output alias '" + alias.alias() + "' is set twice");
    }
  }
  VariableMap outputs;
  for (const auto& [name, var] : state.interface.outputs().variables()) {
    auto it = aliases.find(name);
    (*outputs.mutable_variables())[it == aliases.end() ? name : it->second] = var;
    if (it != aliases.end()) aliases.erase(it);
  }
  if (diagnostics != nullptr) {
    for (const auto& [var, alias] : aliases) {
      diagnostics->Add(Where(node) + ": output alias '" + alias + "' names no output ('" + var +
                       "')");
    }
  }
  return outputs;
}

// Conditions, then each case as a node of its own; the cases' data edges are recorded as
// upstream edges only (they run inside the branch).
bool WorkflowBuilder::ValidateBranchNode(Node& node) {
  std::size_t before = ctx_.diagnostics().count();
  auto* if_else = node.mutable_branch_node()->mutable_if_else();
  std::vector<flyteidl::core::IfBlock*> blocks;
  if (if_else->has_case_()) {
    blocks.push_back(if_else->mutable_case_());
  } else {
    Error(node, "the branch has no condition");
  }
  for (auto& other : *if_else->mutable_other()) blocks.push_back(&other);

  std::vector<Node*> cases;
  for (auto* block : blocks) {
    if (block->has_condition()) {
      ValidateCondition(node, block->condition());
    } else {
      Error(node, "a branch case has no condition");
    }
    if (block->has_then_node()) cases.push_back(block->mutable_then_node());
  }
  if (if_else->has_else_node()) {
    cases.push_back(if_else->mutable_else_node());
  } else if (!if_else->has_error()) {
    Error(node, "the branch has neither an else-node nor an error");
  }

  std::vector<Node*> valid;
  for (Node* sub : cases) {
    if (ValidateNode(*sub)) valid.push_back(sub);
  }
  if (ctx_.diagnostics().count() != before) return false;
  for (Node* sub : valid) AddEdges(*sub, EdgeDirection::kUpstream);
  return ctx_.diagnostics().count() == before;
}

void WorkflowBuilder::ValidateCondition(const Node& branch,
                                        const flyteidl::core::BooleanExpression& expr) {
  if (expr.has_conjunction()) {
    const auto& c = expr.conjunction();
    if (c.has_left_expression()) ValidateCondition(branch, c.left_expression());
    if (c.has_right_expression()) ValidateCondition(branch, c.right_expression());
    if (!c.has_left_expression() || !c.has_right_expression()) {
      Error(branch, "a conjunction lacks an operand");
    }
    return;
  }
  if (!expr.has_comparison()) {
    Error(branch, "a condition has neither a comparison nor a conjunction");
    return;
  }
  std::optional<LiteralType> right;
  std::optional<LiteralType> left;
  bool ok = OperandType(branch, expr.comparison(), true, right);
  ok = OperandType(branch, expr.comparison(), false, left) && ok;
  if (ok && right && left && !MessageDifferencer::Equals(*right, *left)) {
    Error(branch, "a condition compares " + TypeName(*left) + " with " + TypeName(*right));
  }
}

// The type of one side of a comparison: a primitive's, or that of the branch input it names
// (unknown when only a binding names it). Flyte 1.16 accepts no other operand kind: a
// `scalar` operand (flytekit's is_none()) is rejected, as FlyteAdmin rejects it.
bool WorkflowBuilder::OperandType(const Node& branch,
                                  const flyteidl::core::ComparisonExpression& comparison,
                                  bool right, std::optional<LiteralType>& type) {
  const char* side = right ? "right" : "left";
  bool present = right ? comparison.has_right_value() : comparison.has_left_value();
  const auto& operand = right ? comparison.right_value() : comparison.left_value();
  if (!present) {
    Error(branch, std::string("a comparison has no ") + side + " operand");
    return false;
  }
  if (operand.val_case() == flyteidl::core::Operand::kPrimitive) {
    type = LiteralTypeOf(PrimitiveScalar(operand));
    return true;
  }
  if (!operand.var().empty()) {
    const NodeState& state = states_[&branch];
    const auto& inputs = state.interface.inputs().variables();
    auto it = inputs.find(operand.var());
    if (state.has_interface && it != inputs.end()) {
      type = it->second.type();
      return true;
    }
    if (BindsVar(branch, operand.var())) return true;
    Error(branch, "condition variable '" + operand.var() + "' is not an input of the branch");
    return false;
  }
  Error(branch, std::string("the ") + side +
                    " operand of a comparison is neither a primitive nor a variable");
  return false;
}

}  // namespace flytebox::compiler
