// flyte:// URLs as flytekit prints and fetches them:
//   flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/<i|o|d>[/<variable>]
// With an attempt they name a task execution's data, without one a node execution's.
#include <regex>

#include "embedded/admin/admin.h"
#include "embedded/admin/util.h"

namespace flytebox::admin {

Result<FlyteUrl> ParseFlyteUrl(const std::string& url) {
  static const std::regex kPattern(
      "flyte://v1/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/([A-Za-z0-9_.-]+)"
      "(?:/([0-9]+))?/([iod])(?:/([A-Za-z0-9_.-]+))?");
  std::smatch m;
  if (!std::regex_match(url, m, kPattern)) {
    return Status::InvalidArgument("flyte_url '" + url +
                                   "' is not of the form flyte://v1/<project>/<domain>/<execution>/"
                                   "<node>[/<attempt>]/<i|o|d>[/<name>]");
  }
  FlyteUrl out;
  auto* e = out.node.mutable_execution_id();
  e->set_project(m[1]);
  e->set_domain(m[2]);
  e->set_name(m[3]);
  out.node.set_node_id(m[4]);
  if (m[5].matched) out.attempt = std::stoi(m[5]);
  out.kind = m[6].str()[0];
  out.variable = m[7];
  if (out.kind == 'd' && !out.variable.empty()) {
    return Status::InvalidArgument("flyte_url '" + url + "': a deck has no named parts");
  }
  return out;
}

Result<flyteidl::service::GetDataResponse> Admin::GetData(
    const flyteidl::service::GetDataRequest& req) {
  FB_ASSIGN_OR_RETURN(FlyteUrl url, ParseFlyteUrl(req.flyte_url()));
  if (url.kind == 'd') {
    return Status::InvalidArgument("flyte_url '" + req.flyte_url() +
                                   "' names a deck: use CreateDownloadLink");
  }
  fc::LiteralMap map;
  if (url.attempt) {
    // The task execution of that attempt, whatever its task id: found through its node.
    fa::TaskExecutionListRequest list;
    *list.mutable_node_execution_id() = url.node;
    list.set_limit(100);
    FB_ASSIGN_OR_RETURN(fa::TaskExecutionList tasks, ListTaskExecutions(list));
    const fa::TaskExecution* found = nullptr;
    for (const auto& t : tasks.task_executions()) {
      if (static_cast<int>(t.id().retry_attempt()) == *url.attempt) found = &t;
    }
    if (!found) {
      return Status::NotFound("node " + url.node.node_id() + " of " +
                              url.node.execution_id().name() + " has no attempt " +
                              std::to_string(*url.attempt));
    }
    fa::TaskExecutionGetDataRequest data_req;
    *data_req.mutable_id() = found->id();
    FB_ASSIGN_OR_RETURN(auto data, GetTaskExecutionData(data_req));
    map = url.kind == 'i' ? data.full_inputs() : data.full_outputs();
  } else {
    fa::NodeExecutionGetDataRequest data_req;
    *data_req.mutable_id() = url.node;
    FB_ASSIGN_OR_RETURN(auto data, GetNodeExecutionData(data_req));
    map = url.kind == 'i' ? data.full_inputs() : data.full_outputs();
  }
  flyteidl::service::GetDataResponse out;
  if (url.variable.empty()) {
    *out.mutable_literal_map() = std::move(map);
    return out;
  }
  auto it = map.literals().find(url.variable);
  if (it == map.literals().end()) {
    return Status::NotFound(std::string(url.kind == 'i' ? "input" : "output") + " '" +
                            url.variable + "' not found in " + req.flyte_url());
  }
  *out.mutable_literal() = it->second;
  return out;
}

}  // namespace flytebox::admin
