// The executor's write path: execution changes, node and task execution records.
#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

int64_t Micros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000 + ts.nanos() / 1000;
}

int64_t Millis(const google::protobuf::Duration& d) {
  return d.seconds() * 1000 + d.nanos() / 1'000'000;
}

bool Ended(fc::WorkflowExecution::Phase phase) {
  return phase == fc::WorkflowExecution::SUCCEEDED || phase == fc::WorkflowExecution::FAILED ||
         phase == fc::WorkflowExecution::ABORTED || phase == fc::WorkflowExecution::TIMED_OUT;
}

}  // namespace

Status Admin::MutateExecution(const fc::WorkflowExecutionIdentifier& id,
                              const std::function<Status(fa::Execution*)>& fn) {
  return options_.store->Transaction([&](store::MetadataStore&) -> Status {
    fa::WorkflowExecutionGetRequest get;
    *get.mutable_id() = id;
    FB_ASSIGN_OR_RETURN(fa::Execution exec, GetExecution(get));
    FB_RETURN_IF_ERROR(fn(&exec));
    *exec.mutable_closure()->mutable_updated_at() = ToTimestamp(ToMicros(options_.clock->Now()));
    return SaveExecution(exec, /*create=*/false);
  });
}

Status Admin::RecordNodeExecution(const fa::NodeExecution& node, const std::string& parent_id) {
  store::Record rec;
  const auto& e = node.id().execution_id();
  rec.columns = {{"project", e.project()},
                 {"domain", e.domain()},
                 {"execution", e.name()},
                 {"node_id", node.id().node_id()},
                 {"phase", fc::NodeExecution::Phase_Name(node.closure().phase())},
                 {"parent_id", parent_id},
                 {"spec_node_id", node.metadata().spec_node_id()},
                 {"started_at", Micros(node.closure().started_at())},
                 {"retry_group", int64_t{std::atoi(node.metadata().retry_group().c_str())}},
                 {"duration_ms", Millis(node.closure().duration())},
                 {"error_kind", node.closure().has_error()
                                    ? fc::ExecutionError::ErrorKind_Name(node.closure().error().kind())
                                    : std::string()},
                 {"error_code", node.closure().error().code()}};
  rec.data = Deterministic(node);
  rec.created_at = Micros(node.closure().created_at());
  rec.updated_at = Micros(node.closure().updated_at());
  return options_.store->Put(store::Table::kNodeExecution, rec);
}

Status Admin::RecordTaskExecution(const fa::TaskExecution& task) {
  store::Record rec;
  const auto& n = task.id().node_execution_id();
  const auto& e = n.execution_id();
  const auto& t = task.id().task_id();
  rec.columns = {{"project", e.project()},
                 {"domain", e.domain()},
                 {"execution", e.name()},
                 {"node_id", n.node_id()},
                 {"task_project", t.project()},
                 {"task_domain", t.domain()},
                 {"task_name", t.name()},
                 {"task_version", t.version()},
                 {"retry_attempt", static_cast<int64_t>(task.id().retry_attempt())},
                 {"phase", fc::TaskExecution::Phase_Name(task.closure().phase())},
                 {"started_at", Micros(task.closure().started_at())},
                 {"duration_ms", Millis(task.closure().duration())}};
  rec.data = Deterministic(task);
  rec.created_at = Micros(task.closure().created_at());
  rec.updated_at = Micros(task.closure().updated_at());
  return options_.store->Put(store::Table::kTaskExecution, rec);
}

Result<std::vector<fa::Execution>> Admin::ListUnfinishedExecutions() {
  std::vector<fa::Execution> out;
  store::ListQuery q;
  q.ascending = true;
  q.limit = 500;
  q.filters.push_back({store::Filter::Op::kValueIn,
                       "phase",
                       {"UNDEFINED", "QUEUED", "RUNNING", "SUCCEEDING", "FAILING", "ABORTING"}});
  while (true) {
    FB_ASSIGN_OR_RETURN(auto page, options_.store->List(store::Table::kExecution, q));
    for (const auto& r : page.records) {
      FB_ASSIGN_OR_RETURN(fa::Execution exec, ParseRecord<fa::Execution>(r));
      if (!Ended(exec.closure().phase())) out.push_back(std::move(exec));
    }
    if (page.next_token.empty()) break;
    q.offset += q.limit;
  }
  return out;
}

}  // namespace flytebox::admin
