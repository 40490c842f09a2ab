#include "embedded/executor/copilot.h"

#include "embedded/executor/raw_container.h"

namespace flytebox::executor {

extern const char kCopilotScript[];  // copilot.py, compiled in

namespace {

using nlohmann::json;

constexpr char kInputsVolume[] = "flytebox-raw-inputs";
constexpr char kOutputsVolume[] = "flytebox-raw-outputs";
constexpr char kDoneMarker[] = "_done";

// Small and fixed: the copilot moves files, it computes nothing.
json CopilotResources() {
  return {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}},
          {"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}};
}

json CopilotContainer(const char* name, const std::string& image, const json& primary,
                      std::vector<std::string> args, const char* volume, const std::string& mount) {
  std::vector<std::string> command = {"python3", "-c", kCopilotScript};
  command.insert(command.end(), args.begin(), args.end());
  json c = {{"name", name},
            {"image", image},
            {"imagePullPolicy", primary.value("imagePullPolicy", "IfNotPresent")},
            {"command", command},
            {"resources", CopilotResources()},
            {"terminationMessagePolicy", "FallbackToLogsOnError"},
            {"volumeMounts", json::array({{{"name", volume}, {"mountPath", mount}}})}};
  for (const char* field : {"env", "envFrom"}) {
    if (primary.contains(field)) c[field] = primary[field];
  }
  return c;
}

}  // namespace

void AddCopilot(const RawIoRun& io, const std::string& image, const std::string& primary,
                json* pod) {
  json& spec = (*pod)["spec"];
  json* main = nullptr;
  for (auto& c : spec["containers"]) {
    if (c.value("name", "") == primary) main = &c;
  }
  if (!main) return;
  spec["volumes"].push_back({{"name", kInputsVolume}, {"emptyDir", json::object()}});
  spec["volumes"].push_back({{"name", kOutputsVolume}, {"emptyDir", json::object()}});
  (*main)["volumeMounts"].push_back({{"name", kInputsVolume}, {"mountPath", io.input_path}});
  (*main)["volumeMounts"].push_back({{"name", kOutputsVolume}, {"mountPath", io.output_path}});
  json inputs =
      CopilotContainer(kCopilotInputs, image, *main, {"download", io.staging, io.input_path},
                       kInputsVolume, io.input_path);
  json outputs =
      CopilotContainer(kCopilotOutputs, image, *main, {"upload", io.output_path, io.staging},
                       kOutputsVolume, io.output_path);
  outputs["restartPolicy"] = "Always";  // a native sidecar: stopped after the task's container
  spec["initContainers"].push_back(std::move(inputs));
  spec["initContainers"].push_back(std::move(outputs));
  // The sidecar uploads within the grace the kubelet gives it once the task has ended.
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 120;
}

bool HasCopilot(const json& pod) {
  if (!pod.contains("spec") || !pod["spec"].contains("initContainers")) return false;
  for (const auto& c : pod["spec"]["initContainers"]) {
    if (c.is_object() && c.value("name", "") == kCopilotOutputs) return true;
  }
  return false;
}

const json* InitContainerStatus(const json& pod, const std::string& name) {
  if (!pod.contains("status")) return nullptr;
  const json& status = pod["status"];
  if (!status.contains("initContainerStatuses") || !status["initContainerStatuses"].is_array()) {
    return nullptr;
  }
  for (const auto& c : status["initContainerStatuses"]) {
    if (c.is_object() && c.value("name", "") == name) return &c;
  }
  return nullptr;
}

Status StageInputs(const RawIoRun& io, blob::BlobStore& blobs) {
  FB_ASSIGN_OR_RETURN(std::string base, blobs.KeyOf(io.staging));
  return PutFolder(io.inputs(), base + "/inputs", blobs);
}

Result<bool> FetchOutputs(const RawIoRun& io, blob::BlobStore& blobs) {
  FB_ASSIGN_OR_RETURN(std::string base, blobs.KeyOf(io.staging));
  FB_ASSIGN_OR_RETURN(bool done, blobs.Exists(base + "/" + kDoneMarker));
  if (!done) return false;
  FB_RETURN_IF_ERROR(GetFolder(base + "/outputs", io.outputs(), blobs));
  return true;
}

RunResult WithRawOutputs(const RawIoRun& io, blob::BlobStore* blobs, const RunResult& exited) {
  auto fetched = blobs ? FetchOutputs(io, *blobs)
                       : Result<bool>(Status::FailedPrecondition("no object store"));
  if (fetched.ok() && *fetched) return exited;
  if (!fetched.ok() && fetched.status().code() == Code::kFailedPrecondition) {
    return {RunResult::Kind::kLost, 0, fetched.status().message(), "CopilotOutputsRefused", false};
  }
  if (exited.kind != RunResult::Kind::kExited || exited.exit_code != 0) return exited;
  std::string why =
      fetched.ok() ? "the pod's copilot did not finish uploading them" : fetched.status().message();
  return {RunResult::Kind::kLost, 0, "the task's outputs were not returned: " + why,
          "CopilotOutputsMissing", true};
}

}  // namespace flytebox::executor
