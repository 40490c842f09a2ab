#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {
namespace {

constexpr int64_t kMaxInlineBytes = 2 << 20;  // larger data is given as a URL only

Status RequireExec(const fc::WorkflowExecutionIdentifier& id) {
  if (id.project().empty() || id.domain().empty() || id.name().empty()) {
    return Status::InvalidArgument("execution id needs project, domain and name");
  }
  return Status::Ok();
}

store::Columns NodeKey(const fc::NodeExecutionIdentifier& id) {
  const auto& e = id.execution_id();
  return {{"project", e.project()}, {"domain", e.domain()}, {"execution", e.name()},
          {"node_id", id.node_id()}};
}

store::Columns TaskExecKey(const fc::TaskExecutionIdentifier& id) {
  store::Columns key = NodeKey(id.node_execution_id());
  key["task_project"] = id.task_id().project();
  key["task_domain"] = id.task_id().domain();
  key["task_name"] = id.task_id().name();
  key["task_version"] = id.task_id().version();
  key["retry_attempt"] = static_cast<int64_t>(id.retry_attempt());
  return key;
}

// Reads a LiteralMap blob into `full` when small enough; `blob` always gets url and size.
Status LoadLiteralMap(blob::BlobStore& blobs, const std::string& uri, fc::LiteralMap* full,
                      fa::UrlBlob* blob) {
  if (uri.empty()) return Status::Ok();
  auto key = blobs.KeyOf(uri);
  if (!key.ok()) return Status::Ok();  // stored elsewhere: nothing to inline
  auto size = blobs.Size(*key);
  if (!size.ok()) return Status::Ok();  // not written (yet)
  blob->set_url(uri);
  blob->set_bytes(*size);
  if (*size > kMaxInlineBytes) return Status::Ok();
  FB_ASSIGN_OR_RETURN(std::string data, blobs.Get(*key));
  if (!full->ParseFromString(data)) return Status::Internal("unreadable literal map at " + uri);
  return Status::Ok();
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
template <typename Response>
Status FillData(blob::BlobStore& blobs, const std::string& in_uri, const std::string& out_uri,
                Response* out) {
  FB_RETURN_IF_ERROR(LoadLiteralMap(blobs, in_uri, out->mutable_full_inputs(), out->mutable_inputs()));
  return LoadLiteralMap(blobs, out_uri, out->mutable_full_outputs(), out->mutable_outputs());
}

// Flyte marks output_uri deprecated, yet it is where the executor records outputs.
template <typename Closure>
const std::string& OutputUri(const Closure& closure) {
  return closure.output_uri();
}
#pragma GCC diagnostic pop

}  // namespace

Result<fa::NodeExecution> Admin::GetNodeExecution(const fa::NodeExecutionGetRequest& req) {
  FB_RETURN_IF_ERROR(RequireExec(req.id().execution_id()));
  auto rec = options_.store->Get(store::Table::kNodeExecution, NodeKey(req.id()));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound("node execution " + req.id().node_id() + " of " +
                            req.id().execution_id().name() + " does not exist");
  }
  if (!rec.ok()) return rec.status();
  return ParseRecord<fa::NodeExecution>(*rec);
}

Result<fa::NodeExecutionList> Admin::ListNodeExecutions(const fa::NodeExecutionListRequest& req) {
  const auto& e = req.workflow_execution_id();
  FB_RETURN_IF_ERROR(RequireExec(e));
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr, ListEntity::kNodeExecution));
  q.where = {{"project", e.project()}, {"domain", e.domain()}, {"execution", e.name()},
             {"parent_id", req.unique_parent_id()}};
  if (!req.has_sort_by()) q.ascending = true;
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kNodeExecution, q));
  fa::NodeExecutionList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_node_executions(), ParseRecord<fa::NodeExecution>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::NodeExecutionGetDataResponse> Admin::GetNodeExecutionData(
    const fa::NodeExecutionGetDataRequest& req) {
  fa::NodeExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::NodeExecution node, GetNodeExecution(get));
  fa::NodeExecutionGetDataResponse out;
  FB_RETURN_IF_ERROR(FillData(*options_.blobs, node.input_uri(), OutputUri(node.closure()), &out));
  // Present only for dynamic nodes: flytekit treats a node as dynamic when it is set.
  const std::string& futures = node.closure().dynamic_job_spec_uri();
  if (node.metadata().is_dynamic() && !futures.empty()) {
    std::string dir = futures.substr(0, futures.rfind('/'));
    auto key = options_.blobs->KeyOf(dir + "/dynamic_compiled.pb");
    auto data = key.ok() ? options_.blobs->Get(*key) : Result<std::string>(key.status());
    if (data.ok()) {
      auto* dyn = out.mutable_dynamic_workflow();
      if (!dyn->mutable_compiled_workflow()->ParseFromString(*data)) {
        return Status::Internal("the dynamic workflow of node " + node.id().node_id() +
                                " is unreadable");
      }
      *dyn->mutable_id() = dyn->compiled_workflow().primary().template_().id();
      dyn->set_dynamic_job_spec_uri(futures);
    }
  }
  return out;
}

Result<fa::DynamicNodeWorkflowResponse> Admin::GetDynamicNodeWorkflow(
    const fa::GetDynamicNodeWorkflowRequest& req) {
  fa::NodeExecutionGetDataRequest data_req;
  *data_req.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::NodeExecutionGetDataResponse data, GetNodeExecutionData(data_req));
  if (!data.has_dynamic_workflow()) {
    return Status::NotFound("node execution " + req.id().node_id() + " of " +
                            req.id().execution_id().name() + " has no dynamic workflow");
  }
  fa::DynamicNodeWorkflowResponse out;
  *out.mutable_compiled_workflow() =
      std::move(*data.mutable_dynamic_workflow()->mutable_compiled_workflow());
  return out;
}

// The nodes a task execution started: a dynamic task's children (none for other tasks).
Result<fa::NodeExecutionList> Admin::ListNodeExecutionsForTask(
    const fa::NodeExecutionForTaskListRequest& req) {
  fa::TaskExecutionGetRequest get;
  *get.mutable_id() = req.task_execution_id();
  FB_ASSIGN_OR_RETURN(fa::TaskExecution te, GetTaskExecution(get));
  const auto& node = req.task_execution_id().node_execution_id();
  FB_ASSIGN_OR_RETURN(
      store::ListQuery q,
      ListQueryFrom(req.limit(), req.token(), req.filters(),
                    req.has_sort_by() ? &req.sort_by() : nullptr, ListEntity::kNodeExecution));
  fa::NodeExecutionList out;
  if (!te.is_parent()) return out;
  const auto& e = node.execution_id();
  q.where = {{"project", e.project()},
             {"domain", e.domain()},
             {"execution", e.name()},
             {"parent_id", node.node_id()}};
  if (!req.has_sort_by()) q.ascending = true;
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kNodeExecution, q));
  // Only the attempt that produced the dynamic workflow has children.
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(fa::NodeExecution child, ParseRecord<fa::NodeExecution>(r));
    *out.add_node_executions() = std::move(child);
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::TaskExecution> Admin::GetTaskExecution(const fa::TaskExecutionGetRequest& req) {
  FB_RETURN_IF_ERROR(RequireExec(req.id().node_execution_id().execution_id()));
  auto rec = options_.store->Get(store::Table::kTaskExecution, TaskExecKey(req.id()));
  if (!rec.ok() && rec.status().code() == Code::kNotFound) {
    return Status::NotFound("task execution of node " + req.id().node_execution_id().node_id() +
                            " (attempt " + std::to_string(req.id().retry_attempt()) +
                            ") does not exist");
  }
  if (!rec.ok()) return rec.status();
  return ParseRecord<fa::TaskExecution>(*rec);
}

Result<fa::TaskExecutionList> Admin::ListTaskExecutions(const fa::TaskExecutionListRequest& req) {
  FB_RETURN_IF_ERROR(RequireExec(req.node_execution_id().execution_id()));
  FB_ASSIGN_OR_RETURN(store::ListQuery q,
                      ListQueryFrom(req.limit(), req.token(), req.filters(),
                                    req.has_sort_by() ? &req.sort_by() : nullptr, ListEntity::kTaskExecution));
  q.where = NodeKey(req.node_execution_id());
  if (!req.has_sort_by()) q.ascending = true;
  FB_ASSIGN_OR_RETURN(auto list, options_.store->List(store::Table::kTaskExecution, q));
  fa::TaskExecutionList out;
  for (const auto& r : list.records) {
    FB_ASSIGN_OR_RETURN(*out.add_task_executions(), ParseRecord<fa::TaskExecution>(r));
  }
  out.set_token(list.next_token);
  return out;
}

Result<fa::TaskExecutionGetDataResponse> Admin::GetTaskExecutionData(
    const fa::TaskExecutionGetDataRequest& req) {
  fa::TaskExecutionGetRequest get;
  *get.mutable_id() = req.id();
  FB_ASSIGN_OR_RETURN(fa::TaskExecution te, GetTaskExecution(get));
  fa::TaskExecutionGetDataResponse out;
  FB_RETURN_IF_ERROR(FillData(*options_.blobs, te.input_uri(), OutputUri(te.closure()), &out));
  return out;
}

}  // namespace flytebox::admin
