#include "embedded/compiler/workflow_builder.h"

#include <algorithm>
#include <utility>

namespace flytebox::compiler {

WorkflowBuilder::WorkflowBuilder(CompileContext& ctx, flyteidl::core::CompiledWorkflow& workflow)
    : ctx_(ctx), workflow_(workflow), name_(workflow.template_().id().name()) {
  if (name_.empty()) name_ = "<unnamed>";
}

bool WorkflowBuilder::Build() {
  Diagnostics& diag = ctx_.diagnostics();
  std::size_t before = diag.count();
  auto& tmpl = *workflow_.mutable_template_();
  if (tmpl.nodes().empty()) {
    diag.Add("workflow " + name_ + ": has no nodes");
    return false;
  }
  InstallNodes();
  if (diag.count() != before) return false;

  for (int i = 2; i < tmpl.nodes_size(); ++i) AddTopLevelNode(*tmpl.mutable_nodes(i));
  for (auto& [id, node] : nodes_) {
    if (id != kStartNodeId) AddEdges(*node, EdgeDirection::kBoth);
  }
  if (tmpl.has_failure_node()) {
    ValidateNode(*tmpl.mutable_failure_node());
    AddEdges(*tmpl.mutable_failure_node(), EdgeDirection::kUpstream);
  }
  ConnectOrphans();
  CheckReachable();
  WriteConnections();
  // end-node's bindings were validated (and promises rewritten) in place: mirror them.
  *tmpl.mutable_outputs() = end_->inputs();
  return diag.count() == before;
}

// Rebuilds the node list as start-node, end-node, then the original nodes, and gives the two
// synthetic nodes their interfaces (start-node produces the workflow inputs, end-node
// consumes the workflow outputs).
void WorkflowBuilder::InstallNodes() {
  auto& tmpl = *workflow_.mutable_template_();
  NormalizeInterface("workflow " + name_ + ": interface", *tmpl.mutable_interface());

  google::protobuf::RepeatedPtrField<Node> originals;
  originals.Swap(tmpl.mutable_nodes());
  Node* start = tmpl.add_nodes();
  start->set_id(kStartNodeId);
  Node* end = tmpl.add_nodes();
  end->set_id(kEndNodeId);
  *end->mutable_inputs() = tmpl.outputs();
  for (auto& node : originals) *tmpl.add_nodes() = std::move(node);

  // Element addresses of a RepeatedPtrField are stable from here on.
  start_ = tmpl.mutable_nodes(0);
  end_ = tmpl.mutable_nodes(1);
  NodeState& start_state = states_[start_];
  start_state.attempted = start_state.has_interface = true;
  *start_state.interface.mutable_outputs() = tmpl.interface().inputs();
  NodeState& end_state = states_[end_];
  end_state.attempted = end_state.has_interface = true;
  *end_state.interface.mutable_inputs() = tmpl.interface().outputs();
  nodes_[kStartNodeId] = start_;
  nodes_[kEndNodeId] = end_;
}

// Nodes are validated in order, so a branch or approve gate (whose interface comes from its
// bindings) can read only from nodes before it, as in Flyte.
void WorkflowBuilder::AddTopLevelNode(Node& node) {
  const std::string& id = node.id();
  if (id.empty()) {
    ctx_.diagnostics().Add("workflow " + name_ + ": a node has no id");
    return;
  }
  if (id == kStartNodeId || id == kEndNodeId) {
    Error(node, "the node id is reserved");
    return;
  }
  if (!nodes_.emplace(id, &node).second) {
    Error(node, "the node id is used more than once");
    return;
  }
  top_level_.insert(id);
  ValidateNode(node);
}

bool WorkflowBuilder::ValidateNode(Node& node) {
  std::size_t before = ctx_.diagnostics().count();
  if (node.id() == kStartNodeId || node.id() == kEndNodeId) return true;
  if (Interface(node) != nullptr) EffectiveOutputs(node, &ctx_.diagnostics());

  // Flyte sorts them so that the compiled closure does not depend on the client's order.
  auto* upstream = node.mutable_upstream_node_ids();
  std::sort(upstream->begin(), upstream->end());

  if (node.has_branch_node()) {
    ValidateBranchNode(node);
  } else if (node.has_workflow_node() && node.workflow_node().has_sub_workflow_ref()) {
    CompileSubWorkflow(node);
  }
  return ctx_.diagnostics().count() == before;
}

// Compiles a referenced sub-workflow in place, once per Compile call.
void WorkflowBuilder::CompileSubWorkflow(const Node& node) {
  const auto& ref = node.workflow_node().sub_workflow_ref();
  flyteidl::core::CompiledWorkflow* sub = ctx_.FindSubWorkflow(ref);
  if (sub == nullptr) return;  // reported with the node's interface
  CompileContext::SubWorkflowState& state = ctx_.StateOf(ref);
  if (state == CompileContext::SubWorkflowState::kCompiling) {
    Error(node, "sub-workflow " + IdString(ref) + " is used inside itself");
    return;
  }
  if (state != CompileContext::SubWorkflowState::kRaw) return;
  state = CompileContext::SubWorkflowState::kCompiling;
  bool ok = WorkflowBuilder(ctx_, *sub).Build();
  ctx_.StateOf(ref) =
      ok ? CompileContext::SubWorkflowState::kCompiled : CompileContext::SubWorkflowState::kFailed;
}

// Explicit upstream ids (unless only upstream edges are wanted) and the data edges found by
// type-checking the node's bindings against its interface.
void WorkflowBuilder::AddEdges(Node& node, EdgeDirection direction) {
  NodeState& state = states_[&node];
  if (!state.has_interface) return;
  if (direction != EdgeDirection::kUpstream) {
    for (const std::string& up : node.upstream_node_ids()) {
      // Flyte keeps an unknown id as a dangling edge; naming it is more useful.
      if (nodes_.count(up) == 0) {
        Error(node, "upstream node '" + up + "' not found");
        continue;
      }
      AddEdge(up, node.id(), EdgeDirection::kBoth);
    }
  }
  ValidateBindings(node, *node.mutable_inputs(), state.interface.inputs(), true, direction);
}

void WorkflowBuilder::AddEdge(const std::string& from, const std::string& to,
                              EdgeDirection direction) {
  const std::string& provider = from.empty() ? std::string(kStartNodeId) : from;
  if (direction != EdgeDirection::kUpstream) downstream_[provider].insert(to);
  if (direction != EdgeDirection::kDownstream) upstream_[to].insert(provider);
}

// A top-level node that waits for nothing starts from start-node; one that nothing waits for
// feeds end-node, so that the workflow ends only after every node.
void WorkflowBuilder::ConnectOrphans() {
  for (const std::string& id : top_level_) {
    if (upstream_.count(id) == 0) AddEdge(kStartNodeId, id, EdgeDirection::kBoth);
    if (downstream_.count(id) == 0) AddEdge(id, kEndNodeId, EdgeDirection::kBoth);
  }
}

void WorkflowBuilder::CheckReachable() {
  std::set<std::string> visited;
  std::vector<std::string> path;
  if (FindCycle(kStartNodeId, visited, path)) {
    std::string cycle;
    for (const auto& id : path) cycle += (cycle.empty() ? "" : " -> ") + id;
    ctx_.diagnostics().Add("workflow " + name_ + ": cycle detected: " + cycle);
    return;
  }
  std::string unreachable;
  for (const auto& [id, node] : nodes_) {
    if (id == kEndNodeId || visited.count(id) > 0) continue;
    unreachable += (unreachable.empty() ? "" : ", ") + id;
  }
  if (!unreachable.empty()) {
    ctx_.diagnostics().Add("workflow " + name_ +
                           ": nodes not reachable from start-node: " + unreachable);
  }
}

// Depth-first over downstream edges. On a cycle, `path` ends with the cycle, its first node
// repeated (e.g. n1 -> n2 -> n1), and true is returned.
bool WorkflowBuilder::FindCycle(const std::string& id, std::set<std::string>& visited,
                                std::vector<std::string>& path) {
  auto on_path = std::find(path.begin(), path.end(), id);
  if (on_path != path.end()) {
    path.erase(path.begin(), on_path);
    path.push_back(id);
    return true;
  }
  if (!visited.insert(id).second) return false;
  path.push_back(id);
  auto it = downstream_.find(id);
  if (it != downstream_.end()) {
    for (const std::string& next : it->second) {
      if (FindCycle(next, visited, path)) return true;
    }
  }
  path.pop_back();
  return false;
}

void WorkflowBuilder::WriteConnections() {
  auto* connections = workflow_.mutable_connections();
  connections->Clear();
  for (const auto& [id, ids] : downstream_) {
    auto& list = (*connections->mutable_downstream())[id];
    for (const auto& d : ids) list.add_ids(d);
  }
  for (const auto& [id, ids] : upstream_) {
    auto& list = (*connections->mutable_upstream())[id];
    for (const auto& u : ids) list.add_ids(u);
  }
}

std::string WorkflowBuilder::Where(const Node& node) const {
  if (&node == end_) return "workflow " + name_;
  return "workflow " + name_ + ": node " + node.id();
}

std::string WorkflowBuilder::VarLabel(const Node& node, const std::string& var) const {
  return (&node == end_ ? "output '" : "input '") + var + "'";
}

void WorkflowBuilder::Error(const Node& node, const std::string& message) {
  ctx_.diagnostics().Add(Where(node) + ": " + message);
}

}  // namespace flytebox::compiler
