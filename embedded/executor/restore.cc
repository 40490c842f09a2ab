// Resuming after a restart: nodes get their phase back from their records; attempts that
// were running are re-attached (or, when gone, judged by what they wrote).
#include "common/log.h"
#include "embedded/executor/driver.h"

namespace flytebox::executor {
namespace {

constexpr char kLog[] = "executor";

}  // namespace

void Driver::RestoreChildren(Graph& g) {
  if (!restoring_) return;
  for (auto& c : g.nodes) {
    Status st = RestoreNode(*c);
    if (!st.ok()) {
      FB_LOG(kWarn, kLog) << "restoring " << c->id << ": " << st.ToString();
    }
  }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Status Driver::RestoreNode(Node& n) {
  Run& run = *n.graph->run;
  fa::NodeExecutionGetRequest get;
  get.mutable_id()->set_node_id(n.id);
  *get.mutable_id()->mutable_execution_id() = run.exec.id();
  auto rec = options_.admin->GetNodeExecution(get);
  if (!rec.ok()) {
    if (rec.status().code() == Code::kNotFound) return Status::Ok();  // never started
    return rec.status();
  }
  const auto& c = rec->closure();
  n.attempt = std::atoi(rec->metadata().retry_group().c_str());
  n.created_us = c.created_at().seconds() * 1'000'000 + c.created_at().nanos() / 1000;
  n.started_us = c.started_at().seconds() * 1'000'000 + c.started_at().nanos() / 1000;
  n.is_parent = rec->metadata().is_parent_node();
  if (auto* t = c.has_task_node_metadata() ? &c.task_node_metadata() : nullptr) {
    n.cache_status = t->cache_status();
  }
  if (IsDonePhase(c.phase())) {
    n.phase = c.phase();
    n.output_uri = c.output_uri();
    if (c.has_error()) {
      n.error = NodeError{c.error().code(), c.error().message(), c.error().kind(), false};
    }
    return Status::Ok();
  }
  auto inputs = ReadLiteralMap(n.data_dir + "/inputs.pb");
  if (!inputs.ok()) return Status::Ok();  // inputs never written: the node starts afresh
  n.inputs = std::move(inputs).value();
  n.phase = fc::NodeExecution::QUEUED;
  FB_LOG(kInfo, kLog) << "execution " << run.exec.id().name() << ": resuming node " << n.id;
  NodeRef ref = RefOf(n);
  int attempt = n.attempt;
  switch (n.spec->target_case()) {
    case fc::Node::kTaskNode: {
      if (c.phase() == fc::NodeExecution::DYNAMIC_RUNNING) {
        StartDynamic(n, n.output_dir() + "/futures.pb");
        return Status::Ok();
      }
      fa::TaskExecutionGetRequest tget;
      auto* tid = tget.mutable_id();
      *tid->mutable_task_id() = n.spec->task_node().reference_id();
      tid->mutable_task_id()->set_resource_type(fc::TASK);
      tid->mutable_node_execution_id()->set_node_id(n.id);
      *tid->mutable_node_execution_id()->mutable_execution_id() = run.exec.id();
      tid->set_retry_attempt(static_cast<uint32_t>(n.attempt));
      const fc::TaskTemplate* tmpl = TaskOf(run, n.spec->task_node().reference_id());
      if (tmpl && tmpl->metadata().discoverable()) n.catalog_key = CatalogKeyOf(*tmpl, n.inputs);
      auto task = options_.admin->GetTaskExecution(tget);
      if (!task.ok()) {
        StartTask(n);  // recorded QUEUED, never started
        return Status::Ok();
      }
      if (task->closure().phase() == fc::TaskExecution::QUEUED) {
        StartAttempt(n);  // recorded, never handed to the runner
        return Status::Ok();
      }
      n.phase = fc::NodeExecution::RUNNING;
      n.attempt_created_us = task->closure().created_at().seconds() * 1'000'000;
      n.attempt_started_us = task->closure().started_at().seconds() * 1'000'000;
      for (const auto& l : task->closure().logs()) n.log_uri = l.uri();
      const auto& res = task->closure().metadata().external_resources();
      n.handle = res.empty() ? "" : res[0].external_id();
      const auto& e = run.exec.id();  // where StartAttempt put the attempt's log
      n.log_path = options_.log_dir + "/" + e.project() + "/" + e.domain() + "/" + e.name() + "/" +
                   n.id + "/" + std::to_string(n.attempt) + ".log";
      // A raw-container attempt's outputs are collected from the folder it was started with.
      std::optional<RawIoRun> raw_io = tmpl ? RawIoOf(n, *tmpl, n.attempt) : std::nullopt;
      if (raw_io) n.raw_io_dir = raw_io->dir;
      auto attached = options_.runner->Attach(
          n.handle, n.log_path, raw_io, [this, ref, attempt](const RunResult& r) {
            Post([this, ref, attempt, r] { OnAttemptDone(ref, attempt, r); });
          });
      if (attached.ok()) {
        n.running = std::move(attached).value();
      } else {
        RunResult lost{RunResult::Kind::kLost, 0, "the task process did not survive the restart"};
        Post([this, ref, attempt, lost] { OnAttemptDone(ref, attempt, lost); });
      }
      return Status::Ok();
    }
    case fc::Node::kArrayNode:
      StartArray(n);  // elements whose outputs exist are not run again (see PumpArray)
      return Status::Ok();
    case fc::Node::kBranchNode:
      StartBranch(n);
      return Status::Ok();
    case fc::Node::kWorkflowNode:
      if (n.spec->workflow_node().has_launchplan_ref()) {
        StartLaunchPlan(n);  // finds the child execution, and its end if it came meanwhile
        return Status::Ok();
      }
      StartSubworkflow(n);
      return Status::Ok();
    case fc::Node::kGateNode:
      StartGate(n);
      return Status::Ok();
    default:
      return Status::Ok();
  }
}
#pragma GCC diagnostic pop

}  // namespace flytebox::executor
