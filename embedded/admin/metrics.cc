// GetExecutionMetrics: the execution as nested spans for a timeline. The workflow span
// holds WORKFLOW_SETUP (created until its first node starts), a span per node and
// WORKFLOW_TEARDOWN (last node end until the execution ends); a node span holds NODE_SETUP,
// its task attempts (TASK_SETUP, TASK_RUNTIME, with NODE_RESET between attempts) or its
// child nodes, and NODE_TEARDOWN. `depth` limits how many levels of nodes are opened
// (negative: all).
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

google::protobuf::Timestamp Plus(const google::protobuf::Timestamp& ts,
                                 const google::protobuf::Duration& d) {
  return ToTimestamp(MicrosOf(ts) + d.seconds() * 1'000'000 + d.nanos() / 1000);
}

void AddOperation(const std::string& op, const google::protobuf::Timestamp& from,
                  const google::protobuf::Timestamp& to, fc::Span* parent) {
  if (MicrosOf(to) <= MicrosOf(from) || MicrosOf(from) == 0) return;
  fc::Span* s = parent->add_spans();
  s->set_operation_id(op);
  *s->mutable_start_time() = from;
  *s->mutable_end_time() = to;
}

}  // namespace

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Status Admin::AddNodeSpans(const fc::WorkflowExecutionIdentifier& exec, const std::string& parent,
                           int depth, fc::Span* out) {
  fa::NodeExecutionListRequest list;
  *list.mutable_workflow_execution_id() = exec;
  list.set_unique_parent_id(parent);
  list.set_limit(1000);
  FB_ASSIGN_OR_RETURN(fa::NodeExecutionList nodes, ListNodeExecutions(list));
  for (const auto& n : nodes.node_executions()) {
    const std::string& id = n.id().node_id();
    if (id == "start-node" || id == "end-node") continue;
    const auto& c = n.closure();
    fc::Span* s = out->add_spans();
    *s->mutable_node_id() = n.id();
    *s->mutable_start_time() = c.created_at();
    *s->mutable_end_time() = c.has_duration() ? Plus(c.started_at(), c.duration()) : c.updated_at();
    if (depth == 0) continue;
    if (n.metadata().is_parent_node() && !n.metadata().is_dynamic()) {
      FB_RETURN_IF_ERROR(AddNodeSpans(exec, id, depth - 1, s));
      continue;
    }
    fa::TaskExecutionListRequest tl;
    *tl.mutable_node_execution_id() = n.id();
    tl.set_limit(100);
    FB_ASSIGN_OR_RETURN(fa::TaskExecutionList tasks, ListTaskExecutions(tl));
    google::protobuf::Timestamp last = s->start_time();
    bool first = true;
    for (const auto& t : tasks.task_executions()) {
      const auto& tc = t.closure();
      AddOperation(first ? "NODE_SETUP" : "NODE_RESET", last, tc.created_at(), s);
      first = false;
      fc::Span* ts = s->add_spans();
      *ts->mutable_task_id() = t.id();
      *ts->mutable_start_time() = tc.created_at();
      auto end = tc.has_duration() ? Plus(tc.started_at(), tc.duration()) : tc.updated_at();
      *ts->mutable_end_time() = end;
      AddOperation("TASK_SETUP", tc.created_at(), tc.started_at(), ts);
      AddOperation("TASK_RUNTIME", tc.started_at(), end, ts);
      last = end;
    }
    if (n.metadata().is_dynamic()) {
      FB_RETURN_IF_ERROR(AddNodeSpans(exec, id, depth - 1, s));
    }
    AddOperation(first ? "NODE_SETUP" : "NODE_TEARDOWN", last, s->end_time(), s);
  }
  return Status::Ok();
}
#pragma GCC diagnostic pop

Result<fa::WorkflowExecutionGetMetricsResponse> Admin::GetExecutionMetrics(
    const fa::WorkflowExecutionGetMetricsRequest& req) {
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::Execution exec, GetExecution(get));
  const auto& c = exec.closure();
  fa::WorkflowExecutionGetMetricsResponse out;
  fc::Span* span = out.mutable_span();
  *span->mutable_workflow_id() = exec.id();
  *span->mutable_start_time() = c.created_at();
  *span->mutable_end_time() =
      c.has_duration() ? Plus(c.started_at(), c.duration()) : c.updated_at();
  fc::Span nodes;
  FB_RETURN_IF_ERROR(AddNodeSpans(exec.id(), "", req.depth() < 0 ? -1 : req.depth(), &nodes));
  google::protobuf::Timestamp first = span->end_time(), last = span->start_time();
  for (const auto& n : nodes.spans()) {
    if (MicrosOf(n.start_time()) < MicrosOf(first)) first = n.start_time();
    if (MicrosOf(n.end_time()) > MicrosOf(last)) last = n.end_time();
  }
  AddOperation("WORKFLOW_SETUP", span->start_time(), first, span);
  for (auto& n : *nodes.mutable_spans()) *span->add_spans() = std::move(n);
  AddOperation("WORKFLOW_TEARDOWN", last, span->end_time(), span);
  return out;
}

}  // namespace flytebox::admin
