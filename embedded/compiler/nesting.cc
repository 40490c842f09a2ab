#include "embedded/compiler/nesting.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "embedded/compiler/identifiers.h"

namespace flytebox::compiler {
namespace {

using flyteidl::core::Node;
using flyteidl::core::WorkflowTemplate;

// One template's own nesting: how deep its branches and array nodes go, and the
// sub-workflows it references with the depth of the node referencing them. Protobuf's
// parser bounds how deeply messages nest, so this recursion is bounded too.
struct Reach {
  int local = 0;
  std::vector<std::pair<std::string, int>> subs;
};

void Walk(const Node& node, int depth, Reach& reach) {
  reach.local = std::max(reach.local, depth);
  if (node.has_workflow_node() && node.workflow_node().has_sub_workflow_ref()) {
    reach.subs.emplace_back(IdKey(node.workflow_node().sub_workflow_ref()), depth + 1);
  } else if (node.has_branch_node()) {
    const auto& if_else = node.branch_node().if_else();
    if (if_else.case_().has_then_node()) Walk(if_else.case_().then_node(), depth + 1, reach);
    for (const auto& other : if_else.other()) {
      if (other.has_then_node()) Walk(other.then_node(), depth + 1, reach);
    }
    if (if_else.has_else_node()) Walk(if_else.else_node(), depth + 1, reach);
  } else if (node.has_array_node() && node.array_node().has_node()) {
    Walk(node.array_node().node(), depth + 1, reach);
  }
}

Reach ReachOf(const WorkflowTemplate& wf) {
  Reach reach;
  for (const auto& node : wf.nodes()) Walk(node, 0, reach);
  if (wf.has_failure_node()) Walk(wf.failure_node(), 0, reach);
  return reach;
}

}  // namespace

Status CheckNestingDepth(const flyteidl::admin::WorkflowSpec& spec, int max_depth) {
  std::map<std::string, const WorkflowTemplate*> subs;
  for (const auto& sub : spec.sub_workflows()) subs.emplace(IdKey(sub.id()), &sub);
  // Heights of sub-workflows, computed depth-first with an explicit stack.
  std::map<std::string, int> height;
  std::map<std::string, Reach> reach;
  enum class Mark { kOpen, kDone };
  std::map<std::string, Mark> mark;
  struct Frame {
    std::string key;
    size_t next = 0;
  };
  const std::string kPrimary = "\x01primary";
  reach[kPrimary] = ReachOf(spec.template_());
  std::vector<Frame> stack = {{kPrimary}};
  mark[kPrimary] = Mark::kOpen;
  while (!stack.empty()) {
    Frame& top = stack.back();
    Reach& r = reach[top.key];
    if (top.next < r.subs.size()) {
      const std::string sub = r.subs[top.next++].first;
      auto it = subs.find(sub);
      if (it == subs.end() || mark.count(sub) > 0) continue;  // missing, open (a cycle) or done
      mark[sub] = Mark::kOpen;
      reach[sub] = ReachOf(*it->second);
      stack.push_back({sub});
      continue;
    }
    int h = r.local;
    for (const auto& [sub, depth] : r.subs) {
      auto done = height.find(sub);
      if (done != height.end()) h = std::max(h, depth + done->second);
    }
    height[top.key] = h;
    mark[top.key] = Mark::kDone;
    if (h > max_depth) {
      std::string name = spec.template_().id().name();
      return Status::InvalidArgument(
          "workflow " + (name.empty() ? std::string("<unnamed>") : name) +
          ": sub-workflows, branches and array nodes nest more than " +
          std::to_string(max_depth) + " levels deep; flatten the workflow");
    }
    stack.pop_back();
  }
  return Status::Ok();
}

}  // namespace flytebox::compiler
