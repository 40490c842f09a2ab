// Node lifecycle: inputs resolved and written, the kind's start, and the end phases.
#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

// flytekit declares a failure node's `err: Optional[FlyteError]`: a union of ERROR and none.
void AddFailureInput(const fc::TaskTemplate& task, const NodeError& failure,
                     const std::string& failed_node, fc::LiteralMap* inputs) {
  auto var = task.interface().inputs().variables().find("err");
  if (var == task.interface().inputs().variables().end()) return;
  fc::Literal error;
  auto* e = error.mutable_scalar()->mutable_error();
  e->set_message(failure.message);
  e->set_failed_node_id(failed_node);
  fc::Literal& slot = (*inputs->mutable_literals())["err"];
  const fc::LiteralType& type = var->second.type();
  if (!type.has_union_type()) {
    slot = std::move(error);
    return;
  }
  for (const auto& variant : type.union_type().variants()) {
    if (variant.simple() == fc::ERROR) {
      *slot.mutable_scalar()->mutable_union_()->mutable_type() = variant;
    }
  }
  *slot.mutable_scalar()->mutable_union_()->mutable_value() = std::move(error);
}

}  // namespace

void Driver::StartNode(Node& n) {
  Graph& g = *n.graph;
  n.created_us = n.started_us = NowMicros(options_.clock);
  auto inputs = ResolveBindings(n.spec->inputs(), [&](const std::string& id) {
    return OutputsOf(g, id);
  });
  if (!inputs.ok()) {
    n.phase = fc::NodeExecution::QUEUED;
    FailNode(n, {"BindingResolutionFailure", inputs.status().message(), fc::ExecutionError::SYSTEM,
                 false});
    return;
  }
  n.inputs = std::move(inputs).value();
  if (n.is_failure_node && g.failure && n.spec->has_task_node()) {
    if (const fc::TaskTemplate* task = TaskOf(*g.run, n.spec->task_node().reference_id())) {
      AddFailureInput(*task, *g.failure, g.failed_node, &n.inputs);
    }
  }
  Status st = WriteLiteralMap(n.data_dir + "/inputs.pb", n.inputs);
  n.phase = fc::NodeExecution::QUEUED;
  if (!st.ok()) {
    FailNode(n, {"InputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, false});
    return;
  }
  // Known from the spec, and recorded from the first record on: clients reading a node
  // mid-flight decide how to follow it from these flags.
  n.is_parent = n.spec->has_branch_node() ||
                (n.spec->has_workflow_node() && n.spec->workflow_node().has_sub_workflow_ref());
  n.is_array = n.spec->has_array_node();
  // A launch-plan node is first recorded with its child execution (StartLaunchPlan): flytekit
  // follows such a node only through that id.
  bool launch_plan = n.spec->has_workflow_node() && n.spec->workflow_node().has_launchplan_ref();
  if (TryRecover(n)) return;
  if (!launch_plan) RecordNode(n);
  switch (n.spec->target_case()) {
    case fc::Node::kTaskNode: return StartTask(n);
    case fc::Node::kArrayNode: return StartArray(n);
    case fc::Node::kBranchNode: return StartBranch(n);
    case fc::Node::kGateNode: return StartGate(n);
    case fc::Node::kWorkflowNode:
      if (n.spec->workflow_node().has_launchplan_ref()) return StartLaunchPlan(n);
      return StartSubworkflow(n);
    default:
      FailNode(n, {"UnsupportedNode", "node " + n.spec->id() + " has no kind this engine runs",
                   fc::ExecutionError::SYSTEM, false});
  }
}

void Driver::SucceedNode(Node& n, fc::LiteralMap outputs) {
  if (n.done()) return;
  ReleaseSerial(n);
  if (n.output_uri.empty()) {
    n.output_uri = n.output_dir() + "/outputs.pb";
    Status st = WriteLiteralMap(n.output_uri, outputs);
    if (!st.ok()) {
      n.output_uri.clear();
      FailNode(n, {"OutputsWriteFailure", st.message(), fc::ExecutionError::SYSTEM, false});
      return;
    }
  }
  n.outputs = std::move(outputs);
  n.phase = fc::NodeExecution::SUCCEEDED;
  n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  Drive(*n.graph);
}

void Driver::FailNode(Node& n, const NodeError& error) {
  if (n.done()) return;
  ReleaseSerial(n);
  n.error = error;
  n.phase = n.timed_out ? fc::NodeExecution::TIMED_OUT : fc::NodeExecution::FAILED;
  n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  Drive(*n.graph);
}

void Driver::SkipNode(Node& n) {
  n.phase = fc::NodeExecution::SKIPPED;
  n.created_us = n.started_us = n.ended_us = NowMicros(options_.clock);
  RecordNode(n);
  if (n.child) {
    for (auto& c : n.child->nodes) {
      if (!c->done()) SkipNode(*c);
    }
  }
}


Status Driver::WriteLiteralMap(const std::string& uri, const fc::LiteralMap& map) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  return options_.blobs->Put(key, admin::Deterministic(map));
}

Result<fc::LiteralMap> Driver::ReadLiteralMap(const std::string& uri) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  FB_ASSIGN_OR_RETURN(std::string data, options_.blobs->Get(key));
  fc::LiteralMap map;
  if (!map.ParseFromString(data)) return Status::Internal("unreadable literal map at " + uri);
  return map;
}

Result<bool> Driver::Exists(const std::string& uri) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(uri));
  return options_.blobs->Exists(key);
}

}  // namespace flytebox::executor
