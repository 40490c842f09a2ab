// Events as an external propeller sends them: each changes the execution, node execution or
// task execution record it names, with FlyteAdmin's checks: the same phase twice is
// ALREADY_EXISTS (a retried send changes nothing), anything after a terminal phase is
// FAILED_PRECONDITION, a record whose parent does not exist is NOT_FOUND.
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

google::protobuf::Duration Between(const google::protobuf::Timestamp& from,
                                   const google::protobuf::Timestamp& to) {
  int64_t us = std::max<int64_t>(0, MicrosOf(to) - MicrosOf(from));
  google::protobuf::Duration d;
  d.set_seconds(us / 1'000'000);
  d.set_nanos(static_cast<int32_t>((us % 1'000'000) * 1000));
  return d;
}

bool WorkflowTerminal(fc::WorkflowExecution::Phase p) {
  return p == fc::WorkflowExecution::SUCCEEDED || p == fc::WorkflowExecution::FAILED ||
         p == fc::WorkflowExecution::ABORTED || p == fc::WorkflowExecution::TIMED_OUT;
}

bool NodeTerminal(fc::NodeExecution::Phase p) {
  return p == fc::NodeExecution::SUCCEEDED || p == fc::NodeExecution::FAILED ||
         p == fc::NodeExecution::ABORTED || p == fc::NodeExecution::SKIPPED ||
         p == fc::NodeExecution::TIMED_OUT || p == fc::NodeExecution::RECOVERED;
}

bool TaskTerminal(fc::TaskExecution::Phase p) {
  return p == fc::TaskExecution::SUCCEEDED || p == fc::TaskExecution::FAILED ||
         p == fc::TaskExecution::ABORTED;
}

Status RequireTime(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0)
    return Status::InvalidArgument("event.occurred_at is required");
  return Status::Ok();
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Result<fa::WorkflowExecutionEventResponse> Admin::CreateWorkflowEvent(
    const fa::WorkflowExecutionEventRequest& req) {
  const auto& ev = req.event();
  FB_RETURN_IF_ERROR(RequireTime(ev.occurred_at()));
  FB_RETURN_IF_ERROR(MutateExecution(ev.execution_id(), [&](fa::Execution* e) -> Status {
    auto* c = e->mutable_closure();
    if (c->phase() == ev.phase()) {
      return Status::AlreadyExists("execution " + ev.execution_id().name() +
                                   " already recorded phase " +
                                   fc::WorkflowExecution::Phase_Name(ev.phase()));
    }
    if (WorkflowTerminal(c->phase())) {
      return Status::FailedPrecondition("execution " + ev.execution_id().name() +
                                        " is already in the terminal phase " +
                                        fc::WorkflowExecution::Phase_Name(c->phase()));
    }
    if (c->phase() == fc::WorkflowExecution::ABORTING && !WorkflowTerminal(ev.phase())) {
      return Status::FailedPrecondition("execution " + ev.execution_id().name() +
                                        " is aborting: only a terminal phase may follow");
    }
    c->set_phase(ev.phase());
    if (ev.phase() == fc::WorkflowExecution::RUNNING && !c->has_started_at()) {
      *c->mutable_started_at() = ev.occurred_at();
    }
    if (WorkflowTerminal(ev.phase()) && c->has_started_at()) {
      *c->mutable_duration() = Between(c->started_at(), ev.occurred_at());
    }
    if (!ev.output_uri().empty()) c->mutable_outputs()->set_uri(ev.output_uri());
    if (ev.has_output_data()) *c->mutable_output_data() = ev.output_data();
    if (ev.has_error()) *c->mutable_error() = ev.error();
    return Status::Ok();
  }));
  return fa::WorkflowExecutionEventResponse();
}

Result<fa::NodeExecutionEventResponse> Admin::CreateNodeEvent(
    const fa::NodeExecutionEventRequest& req) {
  const auto& ev = req.event();
  FB_RETURN_IF_ERROR(RequireTime(ev.occurred_at()));
  fa::WorkflowExecutionGetRequest get_exec;
  *get_exec.mutable_id() = ev.id().execution_id();
  FB_RETURN_IF_ERROR(GetExecution(get_exec).status());
  if (ev.id().node_id().empty()) return Status::InvalidArgument("event.id.node_id is required");
  fa::NodeExecutionGetRequest get;
  *get.mutable_id() = ev.id();
  auto existing = GetNodeExecution(get);
  if (!existing.ok() && existing.status().code() != Code::kNotFound) return existing.status();
  fa::NodeExecution node;
  if (existing.ok()) {
    node = std::move(existing).value();
    auto phase = node.closure().phase();
    if (phase == ev.phase()) {
      return Status::AlreadyExists("node execution " + ev.id().node_id() +
                                   " already recorded phase " +
                                   fc::NodeExecution::Phase_Name(ev.phase()));
    }
    if (NodeTerminal(phase)) {
      return Status::FailedPrecondition("node execution " + ev.id().node_id() +
                                        " is already in the terminal phase " +
                                        fc::NodeExecution::Phase_Name(phase));
    }
  } else {
    *node.mutable_id() = ev.id();
    *node.mutable_closure()->mutable_created_at() = ev.occurred_at();
  }
  if (!ev.input_uri().empty()) node.set_input_uri(ev.input_uri());
  auto* c = node.mutable_closure();
  c->set_phase(ev.phase());
  *c->mutable_updated_at() = ev.occurred_at();
  if (ev.phase() == fc::NodeExecution::RUNNING && !c->has_started_at()) {
    *c->mutable_started_at() = ev.occurred_at();
  }
  if (NodeTerminal(ev.phase()) && c->has_started_at()) {
    *c->mutable_duration() = Between(c->started_at(), ev.occurred_at());
  }
  if (!ev.output_uri().empty()) c->set_output_uri(ev.output_uri());
  if (ev.has_error()) *c->mutable_error() = ev.error();
  if (ev.has_output_data()) *c->mutable_output_data() = ev.output_data();
  if (ev.has_workflow_node_metadata()) {
    *c->mutable_workflow_node_metadata()->mutable_executionid() =
        ev.workflow_node_metadata().execution_id();
  }
  if (ev.has_task_node_metadata()) {
    c->mutable_task_node_metadata()->set_cache_status(ev.task_node_metadata().cache_status());
    *c->mutable_task_node_metadata()->mutable_catalog_key() = ev.task_node_metadata().catalog_key();
    const auto& dyn = ev.task_node_metadata().dynamic_workflow();
    if (!dyn.dynamic_job_spec_uri().empty())
      c->set_dynamic_job_spec_uri(dyn.dynamic_job_spec_uri());
  }
  if (!ev.deck_uri().empty()) c->set_deck_uri(ev.deck_uri());
  auto* m = node.mutable_metadata();
  if (!ev.retry_group().empty()) m->set_retry_group(ev.retry_group());
  if (!ev.spec_node_id().empty()) m->set_spec_node_id(ev.spec_node_id());
  m->set_is_parent_node(m->is_parent_node() || ev.is_parent());
  m->set_is_dynamic(m->is_dynamic() || ev.is_dynamic());
  m->set_is_array(m->is_array() || ev.is_array());
  // Children name their parent: the parent node, or the node of the task that made them.
  std::string parent = ev.parent_node_metadata().node_id();
  if (parent.empty() && ev.has_parent_task_metadata()) {
    parent = ev.parent_task_metadata().id().node_execution_id().node_id();
  }
  FB_RETURN_IF_ERROR(RecordNodeExecution(node, parent));
  return fa::NodeExecutionEventResponse();
}

Result<fa::TaskExecutionEventResponse> Admin::CreateTaskEvent(
    const fa::TaskExecutionEventRequest& req) {
  const auto& ev = req.event();
  FB_RETURN_IF_ERROR(RequireTime(ev.occurred_at()));
  fa::NodeExecutionGetRequest get_node;
  *get_node.mutable_id() = ev.parent_node_execution_id();
  FB_RETURN_IF_ERROR(GetNodeExecution(get_node).status());
  fa::TaskExecution task;
  auto* id = task.mutable_id();
  *id->mutable_task_id() = ev.task_id();
  *id->mutable_node_execution_id() = ev.parent_node_execution_id();
  id->set_retry_attempt(ev.retry_attempt());
  fa::TaskExecutionGetRequest get;
  *get.mutable_id() = *id;
  auto existing = GetTaskExecution(get);
  if (!existing.ok() && existing.status().code() != Code::kNotFound) return existing.status();
  const bool recorded = existing.ok();
  if (recorded) {
    task = std::move(existing).value();
    auto phase = task.closure().phase();
    if (TaskTerminal(phase)) {
      return Status::FailedPrecondition(
          "task execution of node " + ev.parent_node_execution_id().node_id() +
          " is already in the terminal phase " + fc::TaskExecution::Phase_Name(phase));
    }
  } else {
    *task.mutable_closure()->mutable_created_at() = ev.occurred_at();
  }
  if (!ev.input_uri().empty()) task.set_input_uri(ev.input_uri());
  auto* c = task.mutable_closure();
  bool same_phase = recorded && c->phase() == ev.phase();
  // Propeller raises phase_version for news within a phase (logs, reasons); version 0 of a
  // phase already recorded is a resend. (Versions themselves are not kept: any raised
  // version is applied.)
  if (same_phase && ev.phase_version() == 0) {
    return Status::AlreadyExists(
        "task execution of node " + ev.parent_node_execution_id().node_id() +
        " already recorded phase " + fc::TaskExecution::Phase_Name(ev.phase()));
  }
  c->set_phase(ev.phase());
  *c->mutable_updated_at() = ev.occurred_at();
  if (ev.phase() == fc::TaskExecution::RUNNING && !c->has_started_at()) {
    *c->mutable_started_at() = ev.occurred_at();
  }
  if (TaskTerminal(ev.phase()) && c->has_started_at()) {
    *c->mutable_duration() = Between(c->started_at(), ev.occurred_at());
  }
  for (const auto& log : ev.logs()) {
    bool known = false;
    for (const auto& have : c->logs()) known = known || have.uri() == log.uri();
    if (!known) *c->add_logs() = log;
  }
  if (!ev.output_uri().empty()) c->set_output_uri(ev.output_uri());
  if (ev.has_error()) *c->mutable_error() = ev.error();
  if (ev.has_output_data()) *c->mutable_output_data() = ev.output_data();
  if (ev.has_custom_info()) *c->mutable_custom_info() = ev.custom_info();
  if (!ev.reason().empty()) {
    c->set_reason(ev.reason());
    auto* r = c->add_reasons();
    *r->mutable_occurred_at() = ev.occurred_at();
    r->set_message(ev.reason());
  }
  if (!ev.task_type().empty()) c->set_task_type(ev.task_type());
  if (ev.has_metadata()) *c->mutable_metadata() = ev.metadata();
  c->set_event_version(ev.event_version());
  FB_RETURN_IF_ERROR(RecordTaskExecution(task));
  return fa::TaskExecutionEventResponse();
}
#pragma GCC diagnostic pop

}  // namespace flytebox::admin
