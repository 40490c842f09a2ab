// Branches, sub-workflows, launch-plan nodes (child executions) and gates.
#include "common/digest.h"
#include "common/log.h"
#include "embedded/admin/util.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

}  // namespace

void Driver::StartBranch(Node& n) {
  const auto& ie = n.spec->branch_node().if_else();
  const fc::Node* chosen = nullptr;
  std::vector<const fc::IfBlock*> blocks = {&ie.case_()};
  for (const auto& o : ie.other()) blocks.push_back(&o);
  for (const fc::IfBlock* b : blocks) {
    auto yes = Evaluate(b->condition(), n.inputs);
    if (!yes.ok()) {
      FailNode(n, {"BranchEvaluationFailure", yes.status().message(), fc::ExecutionError::USER, false});
      return;
    }
    if (*yes) {
      chosen = &b->then_node();
      break;
    }
  }
  if (!chosen && ie.has_else_node()) chosen = &ie.else_node();
  if (!chosen) {
    std::string msg = ie.has_error() ? ie.error().message() : "no branch condition was true";
    FailNode(n, {"NoBranchTaken", msg, fc::ExecutionError::USER, false});
    return;
  }
  auto tmpl = std::make_unique<fc::WorkflowTemplate>();
  *tmpl->add_nodes() = *chosen;
  tmpl->mutable_nodes(0)->clear_upstream_node_ids();
  n.dynamic_template = std::move(tmpl);
  n.is_parent = true;
  n.phase = fc::NodeExecution::RUNNING;
  n.child = NewGraph(n.graph->run, n.dynamic_template.get(), &n, n.graph);
  n.child->branch = true;
  n.child->inputs = n.graph->inputs;
  RecordNode(n);
  RestoreChildren(*n.child);
  Drive(*n.child);
}

void Driver::StartSubworkflow(Node& n) {
  Run& run = *n.graph->run;
  auto it = run.subworkflows.find(IdKey(n.spec->workflow_node().sub_workflow_ref()));
  if (it == run.subworkflows.end()) {
    FailNode(n, {"SubworkflowNotFound", "sub-workflow " + n.spec->workflow_node().sub_workflow_ref().name() +
                                            " is not in the closure",
                 fc::ExecutionError::SYSTEM, false});
    return;
  }
  n.is_parent = true;
  n.phase = fc::NodeExecution::RUNNING;
  n.child = NewGraph(&run, it->second, &n, nullptr);
  n.child->inputs = n.inputs;
  RecordNode(n);
  RestoreChildren(*n.child);
  Drive(*n.child);
}

void Driver::StartLaunchPlan(Node& n) {
  Run& run = *n.graph->run;
  const auto& eid = run.exec.id();
  const int nesting = run.exec.spec().metadata().nesting() + 1;
  if (nesting > kMaxLaunchPlanNesting) {
    FailNode(n, {"LaunchPlanNestingTooDeep",
                 "launch plan " + n.spec->workflow_node().launchplan_ref().name() + " would run " +
                     std::to_string(nesting) + " launch plans deep; executions may nest at most " +
                     std::to_string(kMaxLaunchPlanNesting) +
                     " levels (launch plans that launch each other need a branch that ends it)",
                 fc::ExecutionError::USER, false});
    return;
  }
  n.child_execution = "c" + digest::Sha256Hex(eid.name() + "/" + n.id + "/" + std::to_string(n.attempt)).substr(0, 19);
  fa::ExecutionCreateRequest req;
  req.set_project(eid.project());
  req.set_domain(eid.domain());
  req.set_name(n.child_execution);
  auto* spec = req.mutable_spec();
  *spec->mutable_launch_plan() = n.spec->workflow_node().launchplan_ref();
  auto* meta = spec->mutable_metadata();
  meta->set_mode(fa::ExecutionMetadata::CHILD_WORKFLOW);
  meta->set_nesting(nesting);
  meta->mutable_parent_node_execution()->set_node_id(n.id);
  *meta->mutable_parent_node_execution()->mutable_execution_id() = eid;
  *spec->mutable_raw_output_data_config() = run.exec.spec().raw_output_data_config();
  *spec->mutable_envs() = run.exec.spec().envs();
  spec->set_overwrite_cache(run.exec.spec().overwrite_cache());
  *req.mutable_inputs() = n.inputs;
  auto created = options_.admin->CreateExecution(req);
  if (!created.ok() && created.status().code() != Code::kAlreadyExists) {
    n.child_execution.clear();
    FailNode(n, {"LaunchPlanExecutionFailure", created.status().message(), fc::ExecutionError::USER,
                 false});
    return;
  }
  n.phase = fc::NodeExecution::RUNNING;
  RecordNode(n);
  FB_LOG(kDebug, kLog) << "node " << n.id << ": child execution " << n.child_execution;
  if (created.ok()) return;
  // It existed (a resumed execution): it may have ended while nobody was waiting for it.
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = eid;
  get.mutable_id()->set_name(n.child_execution);
  auto child = options_.admin->GetExecution(get);
  if (!child.ok()) return;
  auto p = child->closure().phase();
  if (p == fc::WorkflowExecution::SUCCEEDED || p == fc::WorkflowExecution::FAILED ||
      p == fc::WorkflowExecution::ABORTED || p == fc::WorkflowExecution::TIMED_OUT) {
    fa::Execution ended = *child;
    Post([this, ended] { ChildRunEnded(ended); });
  }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void Driver::ChildRunEnded(const fa::Execution& child) {
  const auto& parent = child.spec().metadata().parent_node_execution();
  auto it = runs_.find(ExecKey(parent.execution_id()));
  if (it == runs_.end() || !it->second->root) return;
  Node* n = FindNode(*it->second->root, parent.node_id());
  if (!n || n->done() || n->child_execution != child.id().name()) return;
  const auto& c = child.closure();
  if (c.phase() == fc::WorkflowExecution::SUCCEEDED) {
    fc::LiteralMap outputs;
    if (!c.outputs().uri().empty()) {
      auto read = ReadLiteralMap(c.outputs().uri());
      if (!read.ok()) {
        FailNode(*n, {"OutputsReadFailure", read.status().message(), fc::ExecutionError::SYSTEM, false});
        return;
      }
      outputs = std::move(read).value();
    }
    SucceedNode(*n, std::move(outputs));
    return;
  }
  NodeError e{c.error().code().empty() ? "ChildExecutionFailed" : c.error().code(),
              "child execution " + child.id().name() + " ended " +
                  fc::WorkflowExecution::Phase_Name(c.phase()) +
                  (c.error().message().empty() ? "" : ": " + c.error().message()),
              c.error().kind() == fc::ExecutionError::SYSTEM ? fc::ExecutionError::SYSTEM
                                                              : fc::ExecutionError::USER,
              false};
  FailNode(*n, e);
}
#pragma GCC diagnostic pop

void Driver::StartGate(Node& n) {
  const auto& gate = n.spec->gate_node();
  n.phase = fc::NodeExecution::RUNNING;
  RecordNode(n);
  NodeRef ref = RefOf(n);
  if (gate.has_sleep()) {
    const auto& d = gate.sleep().duration();
    n.timer = After(std::chrono::milliseconds(d.seconds() * 1000 + d.nanos() / 1'000'000),
                    [this, ref] {
                      Node* np = Resolve(ref);
                      if (!np || np->done()) return;
                      np->timer = 0;
                      SucceedNode(*np, fc::LiteralMap());
                    });
    return;
  }
  n.signal_id = gate.has_approve() ? gate.approve().signal_id() : gate.signal().signal_id();
  PollSignal(ref);
}

void Driver::PollSignal(const NodeRef& ref) {
  Node* np = Resolve(ref);
  if (!np || np->done() || np->abort_requested) return;
  Node& n = *np;
  Run* rp = n.graph->run;
  const auto& gate = n.spec->gate_node();
  fa::SignalGetOrCreateRequest req;
  req.mutable_id()->set_signal_id(n.signal_id);
  *req.mutable_id()->mutable_execution_id() = rp->exec.id();
  if (gate.has_approve()) {
    req.mutable_type()->set_simple(fc::BOOLEAN);
  } else {
    *req.mutable_type() = gate.signal().type();
  }
  auto signal = options_.admin->GetOrCreateSignal(req);
  if (signal.ok() && signal->has_value()) {
    if (gate.has_approve()) {
      const auto& v = signal->value();
      bool approved = v.has_scalar() && v.scalar().has_primitive() && v.scalar().primitive().boolean();
      if (!approved) {
        FailNode(n, {"Rejected", "gate " + n.signal_id + " was rejected", fc::ExecutionError::USER, false});
        return;
      }
      SucceedNode(n, n.inputs);
      return;
    }
    fc::LiteralMap out;
    (*out.mutable_literals())[gate.signal().output_variable_name()] = signal->value();
    SucceedNode(n, std::move(out));
    return;
  }
  n.timer = After(std::chrono::milliseconds(500), [this, ref] { PollSignal(ref); });
}

}  // namespace flytebox::executor
