#pragma once
// The executor's plan for one graph (a workflow template's nodes): which nodes depend on
// which, which may start or must be skipped given every node's phase, and whether the graph
// has succeeded or failed. Pure: no store, no runner, no clock; the executor asks, then acts.

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "flyteidl/core/execution.pb.h"
#include "flyteidl/core/workflow.pb.h"

namespace flytebox::executor {

using NodePhase = ::flyteidl::core::NodeExecution::Phase;

// SUCCEEDED, or RECOVERED: outputs taken from the execution a recovery re-runs.
bool IsSucceededPhase(NodePhase p);
// A succeeded phase, FAILED, SKIPPED, ABORTED or TIMED_OUT.
bool IsDonePhase(NodePhase p);
// FAILED or TIMED_OUT: a node that fails its graph.
bool IsFailedPhase(NodePhase p);

class Plan {
 public:
  struct Action {
    enum class Kind { kStart, kSkip };
    Kind kind;
    int node;  // index into the plan's nodes
  };

  struct Verdict {
    enum class Kind {
      kRunning,    // nodes are still to run or running
      kSucceeded,  // every node is done and none failed
      kFailed,     // a node failed; `failed` says which
    };
    Kind kind = Kind::kRunning;
    int failed = -1;
    // The failure ends the graph now: the nodes still running are to be aborted. False when
    // the workflow waits for its other nodes (FAIL_AFTER_EXECUTABLE_NODES_COMPLETE); the
    // verdict is then kFailed only once every node is done.
    bool abort_rest = false;
  };

  // The plan of a template's nodes, in template order, start-node and end-node left out.
  // A node depends on its declared upstream nodes and on every node its bindings read;
  // names outside the template (a branch case reading its scope) are not dependencies.
  static Plan Of(const ::flyteidl::core::WorkflowTemplate& tmpl);

  size_t size() const { return spec_ids_.size(); }
  const std::string& spec_id(int node) const { return spec_ids_[node]; }
  // The node's index, or -1.
  int IndexOf(const std::string& spec_id) const;
  const std::vector<int>& upstream(int node) const { return upstream_[node]; }

  // `phases` holds every node's phase, by index (size() of them). Nodes not yet started
  // (UNDEFINED) whose upstream nodes all succeeded are to start; those downstream of a
  // failed or aborted node, or (once their upstream is done) of a skipped one, are to be
  // skipped. In node order.
  std::vector<Action> Ready(std::span<const NodePhase> phases) const;

  // Whether the graph is done, and how. `fail_late`: the workflow's failure policy is
  // FAIL_AFTER_EXECUTABLE_NODES_COMPLETE.
  Verdict Judge(std::span<const NodePhase> phases, bool fail_late) const;

 private:
  std::vector<std::string> spec_ids_;
  std::vector<std::vector<int>> upstream_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace flytebox::executor
