#include "embedded/executor/kube_pods.h"

#include <cctype>

#include "embedded/executor/copilot.h"
#include "embedded/executor/kube_pod_template.h"

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

// Requests and limits: the task's own (a request alone is also the limit, a limit alone also
// the request), the options' defaults for CPU and memory the task leaves out.
void Resources(const TaskRun& run, const PodOptions& o, json* out) {
  std::map<std::string, std::string> requests = run.requests;
  std::map<std::string, std::string> limits = run.limits;
  for (const auto& [k, v] : run.limits) requests.emplace(k, v);
  for (const auto& [k, v] : run.requests) limits.emplace(k, v);
  auto fill = [&](const std::string& name, const std::string& request, const std::string& limit) {
    if (requests.count(name)) return;  // declared by the task (or its project)
    requests[name] = request;
    if (!limit.empty()) limits[name] = limit;
  };
  fill("cpu", o.default_cpu, o.default_cpu_limit);
  fill("memory", o.default_memory, o.default_memory_limit);
  (*out)["requests"] = requests;
  if (!limits.empty()) (*out)["limits"] = limits;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A DNS subdomain name (what a Secret's name must be).
bool DnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253 || !Alnum(s.front()) || !Alnum(s.back())) return false;
  for (char c : s) {
    bool lower_or_digit = std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c));
    if (!lower_or_digit && c != '-' && c != '.') return false;
  }
  return true;
}

// Secret requests as environment variables, volumes and mounts, one volume per folder.
void AddSecrets(const std::vector<SecretRequest>& secrets, json* container, json* spec) {
  if (secrets.empty()) return;
  json& env = (*container)["env"];
  bool as_env = false, as_file = false;
  std::map<std::string, json> volumes;  // by mount path
  for (const SecretRequest& s : secrets) {
    json ref = {{"secretKeyRef", {{"name", s.group}, {"key", s.key}}}};
    if (s.mount == SecretRequest::Mount::kEnv) {
      as_env = true;
      std::string name = kSecretsEnvPrefix + Upper(s.group);
      if (!s.group_version.empty()) name += "_" + Upper(s.group_version);
      name += "_" + Upper(s.key);
      env.push_back({{"name", name}, {"valueFrom", ref}});
      if (!s.env_var.empty()) env.push_back({{"name", s.env_var}, {"valueFrom", ref}});
      continue;
    }
    as_file = true;
    std::string dir = std::string(kSecretsDir) + "/" + Lower(s.group);
    if (!s.group_version.empty()) dir += "/" + Lower(s.group_version);
    json& vol = volumes[dir];
    if (vol.is_null()) {
      vol = {{"name", "secret-" + std::to_string(volumes.size())},
             {"secret", {{"secretName", s.group}}}};
    }
    if (s.key.empty()) {
      vol["secret"]["whole"] = true;  // the whole Secret, one file per key
      continue;
    }
    vol["secret"]["items"].push_back({{"key", s.key}, {"path", Lower(s.key)}});
    if (!s.env_var.empty()) {
      env.push_back({{"name", s.env_var}, {"value", dir + "/" + Lower(s.key)}});
    }
  }
  if (as_env) env.push_back({{"name", "FLYTE_SECRETS_ENV_PREFIX"}, {"value", kSecretsEnvPrefix}});
  if (as_file) {
    env.push_back({{"name", "FLYTE_SECRETS_DEFAULT_DIR"}, {"value", kSecretsDir}});
    env.push_back({{"name", "FLYTE_SECRETS_FILE_PREFIX"}, {"value", ""}});
  }
  for (auto& [dir, vol] : volumes) {
    if (vol["secret"].value("whole", false)) {
      vol["secret"].erase("whole");
      vol["secret"].erase("items");
    }
    (*container)["volumeMounts"].push_back(
        {{"name", vol["name"]}, {"mountPath", dir}, {"readOnly", true}});
    (*spec)["volumes"].push_back(vol);
  }
}

std::string ContainerReason(const json& cs, const char* state) {
  if (!cs.contains("state") || !cs["state"].contains(state)) return "";
  return cs["state"][state].value("reason", "");
}

}  // namespace

std::string PrimaryContainerOf(const TaskRun& run) {
  return run.primary_container.empty() ? kTaskContainer : run.primary_container;
}

std::string PrimaryContainerOf(const json& pod) {
  if (pod.contains("metadata") && pod["metadata"].contains("annotations")) {
    const json& a = pod["metadata"]["annotations"];
    if (a.is_object() && a.contains(kPrimaryAnnotation) && a[kPrimaryAnnotation].is_string()) {
      return a[kPrimaryAnnotation].get<std::string>();
    }
  }
  return kTaskContainer;
}

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

Result<json> ParseToleration(const std::string& text) {
  size_t colon = text.rfind(':');
  std::string effect = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
    return Status::InvalidArgument("'" + text + "' is not KEY[=VALUE]:EFFECT with EFFECT one of "
                                   "NoSchedule, PreferNoSchedule, NoExecute");
  }
  std::string kv = text.substr(0, colon);
  size_t eq = kv.find('=');
  std::string key = kv.substr(0, eq);
  if (key.empty()) return Status::InvalidArgument("'" + text + "' names no key");
  json t = {{"key", key}, {"effect", effect}};
  if (eq == std::string::npos) {
    t["operator"] = "Exists";
  } else {
    t["operator"] = "Equal";
    t["value"] = kv.substr(eq + 1);
  }
  return t;
}

Status CheckSecretRequests(const std::vector<SecretRequest>& secrets) {
  for (const SecretRequest& s : secrets) {
    if (!DnsSubdomain(s.group)) {
      return Status::InvalidArgument(
          "secret group '" + s.group +
          "' cannot name a Kubernetes Secret: use lower-case letters, digits, '-' and '.'");
    }
    if (s.mount == SecretRequest::Mount::kEnv && s.key.empty()) {
      return Status::InvalidArgument("secret group '" + s.group +
                                     "' is requested as an environment variable without a key");
    }
  }
  return Status::Ok();
}

Status CheckFileSecret(const SecretRequest& request, const json* secret, const std::string& ns) {
  if (!secret) {
    return Status::FailedPrecondition("the task asks for secret '" + request.group +
                                      "' as a file, but namespace " + ns +
                                      " has no Secret of that name: create it there (kubectl "
                                      "create secret generic -n " +
                                      ns + " " + request.group + " ...)");
  }
  if (request.key.empty()) return Status::Ok();
  for (const char* field : {"data", "stringData"}) {
    if (secret->contains(field) && (*secret)[field].is_object() &&
        (*secret)[field].contains(request.key)) {
      return Status::Ok();
    }
  }
  return Status::FailedPrecondition("the task asks for key '" + request.key + "' of secret '" +
                                    request.group + "' as a file, but the Secret " + ns + "/" +
                                    request.group + " has no such key");
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
  const std::string primary = PrimaryContainerOf(run);
  json container = {{"name", primary},
                    {"image", run.image},
                    {"imagePullPolicy", o.image_pull_policy},
                    {"command", run.argv},
                    {"env", env},
                    {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  if (!o.env_secret.empty()) {
    container["envFrom"] = json::array({{{"secretRef", {{"name", o.env_secret}}}}});
  }
  Resources(run, o, &container["resources"]);
  json spec = json::object();
  AddSecrets(run.secrets, &container, &spec);
  if (run.interruptible) {
    if (!o.interruptible_tolerations.empty()) spec["tolerations"] = o.interruptible_tolerations;
    if (!o.interruptible_node_selector.empty()) {
      spec["nodeSelector"] = o.interruptible_node_selector;
    }
    labels["flytebox.io/interruptible"] = "true";
  }
  spec["restartPolicy"] = "Never";
  spec["serviceAccountName"] = o.service_account;
  spec["automountServiceAccountToken"] = false;
  spec["enableServiceLinks"] = false;
  spec["containers"] = json::array({container});
  json annotations = {{"flytebox.io/node-id", run.node}};
  if (primary != kTaskContainer) annotations[kPrimaryAnnotation] = primary;
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", name},
                {"namespace", ns},
                {"labels", MergeOnto(json(run.pod_labels), labels)},
                {"annotations", MergeOnto(json(run.pod_annotations), annotations)}}},
              {"spec", spec}};
  if (run.raw_io) AddCopilot(*run.raw_io, o.copilot_image, primary, &pod);
  if (run.pod_spec_json.empty()) return pod;
  json task_spec = json::parse(run.pod_spec_json, nullptr, false);
  if (!task_spec.is_object()) return pod;
  pod = ApplyPodSpec(task_spec, pod, primary);
  // The spec's sidecars pull as the task's container does unless they say otherwise (a
  // named template's containers, defaulted by the API, would otherwise say Always).
  for (auto& c : pod["spec"]["containers"]) {
    if (!c.contains("imagePullPolicy")) c["imagePullPolicy"] = o.image_pull_policy;
  }
  return pod;
}

PodState ReadPodState(const json& pod) {
  PodState st;
  const json& status = pod.contains("status") ? pod["status"] : json::object();
  std::string phase = status.value("phase", "Pending");
  const std::string primary = PrimaryContainerOf(pod);
  const json* cs = nullptr;
  if (status.contains("containerStatuses") && status["containerStatuses"].is_array()) {
    for (const auto& c : status["containerStatuses"]) {
      if (c.value("name", "") == primary) cs = &c;
    }
  }
  std::string image;
  if (pod.contains("spec") && pod["spec"].contains("containers")) {
    for (const auto& c : pod["spec"]["containers"]) {
      if (c.value("name", "") == primary) image = c.value("image", "");
    }
  }
  // Any container's image that cannot be had (a sidecar's, an init container's too) stops
  // the pod from ever running the task.
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    if (!status.contains(list) || !status[list].is_array()) continue;
    for (const auto& c : status[list]) {
      std::string waiting = ContainerReason(c, "waiting");
      if (waiting != "ErrImagePull" && waiting != "ImagePullBackOff" &&
          waiting != "ErrImageNeverPull" && waiting != "InvalidImageName") {
        continue;
      }
      std::string name = c.value("name", "");
      st.phase = PodState::Phase::kImageError;
      st.reason = waiting;
      st.message = "image " + (name == primary ? image : c.value("image", ""));
      if (name != primary) st.message += " (container " + name + ")";
      st.message +=
          " cannot be pulled (" + waiting + "): " + c["state"]["waiting"].value("message", "");
      return st;
    }
  }
  if (const json* in = InitContainerStatus(pod, kCopilotInputs);
      in && in->contains("state") && (*in)["state"].contains("terminated") &&
      (*in)["state"]["terminated"].value("exitCode", 0) != 0) {
    st.phase = PodState::Phase::kSystemError;
    st.reason = "CopilotInputsFailure";
    st.message =
        "the task's inputs could not be copied into its pod: " +
        (*in)["state"]["terminated"].value(
            "message", std::string("exit code ") +
                           std::to_string((*in)["state"]["terminated"].value("exitCode", 0)));
    return st;
  }
  if (cs) {
    std::string waiting = ContainerReason(*cs, "waiting");
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
      bool deleting = pod.contains("metadata") && pod["metadata"].contains("deletionTimestamp");
      if (deleting && st.exit_code != 0) {  // stopped by its deletion, not by its own failure
        st.phase = PodState::Phase::kSystemError;
        st.reason = "PodDeleted";
        st.message = "the task's pod was deleted while it ran (exit code " +
                     std::to_string(st.exit_code) + ")";
        return st;
      }
      // A raw container's outputs are in the pod until the copilot has uploaded them.
      if (HasCopilot(pod) && phase != "Succeeded" && phase != "Failed") {
        const json* up = InitContainerStatus(pod, kCopilotOutputs);
        if (!up || !up->contains("state") || !(*up)["state"].contains("terminated")) {
          st.phase = PodState::Phase::kRunning;
          return st;
        }
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
