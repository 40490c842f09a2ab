#include "embedded/executor/kube_pods.h"

#include <cctype>

namespace flytebox::executor {
namespace {

using nlohmann::json;

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) {
    s.replace(at, from.size(), to);
  }
  return s;
}

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// A quantity map with the defaults: requests default to the options', limits to requests,
// and a request never above its limit.
void Resources(const TaskRun& run, const PodOptions& o, json* out) {
  std::map<std::string, std::string> requests = run.requests;
  std::map<std::string, std::string> limits = run.limits;
  auto fill = [&](const std::string& name, const std::string& fallback) {
    if (!requests.count(name)) requests[name] = limits.count(name) ? limits[name] : fallback;
    if (!limits.count(name)) limits[name] = requests[name];
  };
  fill("cpu", o.default_cpu);
  fill("memory", o.default_memory);
  for (const auto& [k, v] : run.requests) {
    if (!limits.count(k)) limits[k] = v;
  }
  (*out)["requests"] = requests;
  (*out)["limits"] = limits;
}

std::string ContainerReason(const json& cs, const char* state) {
  if (!cs.contains("state") || !cs["state"].contains(state)) return "";
  return cs["state"][state].value("reason", "");
}

}  // namespace

std::string NamespaceFor(const std::string& tmpl, const std::string& project,
                         const std::string& domain) {
  std::string s = Replace(Replace(tmpl, "{{project}}", project), "{{domain}}", domain);
  std::string out;
  for (char c : s) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (Alnum(l) || l == '-') ? l : '-';
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !Alnum(out.back())) out.pop_back();
  while (!out.empty() && !Alnum(out.front())) out.erase(0, 1);
  return out.empty() ? "flytebox" : out;
}

std::string LabelValue(const std::string& text) {
  std::string out;
  for (char c : text) out += (Alnum(c) || c == '-' || c == '_' || c == '.') ? c : '-';
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !Alnum(out.back())) out.pop_back();
  while (!out.empty() && !Alnum(out.front())) out.erase(0, 1);
  return out;
}

json BuildPod(const TaskRun& run, const PodOptions& o, const std::string& ns,
              const std::string& name) {
  json labels = {{kManagedByLabel, kManagedByValue},
                 {"flytebox.io/project", LabelValue(run.project)},
                 {"flytebox.io/domain", LabelValue(run.domain)},
                 {"flytebox.io/execution", LabelValue(run.execution)},
                 {"flytebox.io/node", LabelValue(run.node)},
                 {"flytebox.io/attempt", std::to_string(run.attempt)}};
  json env = json::array();
  std::map<std::string, std::string> all = run.env;
  for (const auto& [k, v] : o.env) all.emplace(k, v);
  for (const auto& [k, v] : all) env.push_back({{"name", k}, {"value", v}});
  json container = {{"name", "task"},
                    {"image", run.image},
                    {"imagePullPolicy", o.image_pull_policy},
                    {"command", run.argv},
                    {"env", env},
                    {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  if (!o.env_secret.empty()) {
    container["envFrom"] = json::array({{{"secretRef", {{"name", o.env_secret}}}}});
  }
  Resources(run, o, &container["resources"]);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels", labels},
            {"annotations", {{"flytebox.io/node-id", run.node}}}}},
          {"spec",
           {{"restartPolicy", "Never"},
            {"serviceAccountName", o.service_account},
            {"automountServiceAccountToken", false},
            {"enableServiceLinks", false},
            {"containers", json::array({container})}}}};
}

PodState ReadPodState(const json& pod) {
  PodState st;
  const json& status = pod.contains("status") ? pod["status"] : json::object();
  std::string phase = status.value("phase", "Pending");
  const json* cs = nullptr;
  if (status.contains("containerStatuses") && status["containerStatuses"].is_array()) {
    for (const auto& c : status["containerStatuses"]) {
      if (c.value("name", "") == "task") cs = &c;
    }
  }
  std::string image;
  if (pod.contains("spec") && pod["spec"].contains("containers") &&
      !pod["spec"]["containers"].empty()) {
    image = pod["spec"]["containers"][0].value("image", "");
  }
  if (cs) {
    std::string waiting = ContainerReason(*cs, "waiting");
    if (waiting == "ErrImagePull" || waiting == "ImagePullBackOff" ||
        waiting == "ErrImageNeverPull" || waiting == "InvalidImageName") {
      st.phase = PodState::Phase::kImageError;
      st.reason = waiting;
      st.message = "image " + image + " cannot be pulled (" + waiting +
                   "): " + (*cs)["state"]["waiting"].value("message", "");
      return st;
    }
    if (waiting == "CreateContainerConfigError" || waiting == "CreateContainerError" ||
        waiting == "RunContainerError") {
      st.phase = PodState::Phase::kConfigError;
      st.reason = waiting;
      st.message = "the task's container cannot be made (" + waiting +
                   "): " + (*cs)["state"]["waiting"].value("message", "");
      return st;
    }
    if (cs->contains("state") && (*cs)["state"].contains("terminated")) {
      const json& t = (*cs)["state"]["terminated"];
      st.reason = t.value("reason", "");
      st.exit_code = t.value("exitCode", 0);
      if (st.reason == "OOMKilled") {
        st.phase = PodState::Phase::kSystemError;
        st.message = "the task's container was killed for using more memory than its limit";
        return st;
      }
      // Final as soon as the task's container has ended (restartPolicy Never): the kubelet
      // reports the pod's own phase only after tearing down its sandbox, a second or more later.
      st.phase = st.exit_code == 0 ? PodState::Phase::kSucceeded : PodState::Phase::kFailed;
      st.message = "exit code " + std::to_string(st.exit_code);
      return st;
    }
  }
  if (phase == "Succeeded") {
    st.phase = PodState::Phase::kSucceeded;
    return st;
  }
  if (phase == "Failed") {  // no container result: evicted, node lost, deadline
    st.phase = PodState::Phase::kSystemError;
    st.reason = status.value("reason", "PodFailed");
    st.message = "the pod failed (" + st.reason + "): " + status.value("message", "");
    return st;
  }
  if (phase == "Running") {
    st.phase = PodState::Phase::kRunning;
    return st;
  }
  bool scheduled = false;
  if (status.contains("conditions")) {
    for (const auto& c : status["conditions"]) {
      if (c.value("type", "") == "PodScheduled") {
        scheduled = c.value("status", "") == "True";
        if (!scheduled) {
          st.reason = c.value("reason", "");
          st.message = c.value("message", "");
        }
      }
    }
  }
  st.phase = scheduled ? PodState::Phase::kInitializing : PodState::Phase::kQueued;
  if (scheduled && cs) st.reason = ContainerReason(*cs, "waiting");
  return st;
}

}  // namespace flytebox::executor
