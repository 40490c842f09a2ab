#pragma once
// Raw-container tasks (`container.data_config`) as pods, as Flyte's copilot does it with
// containers of its own: an init container copies the inputs the engine staged in the object
// store into an emptyDir at the task's input path; a native sidecar (an init container with
// restartPolicy Always) is sent SIGTERM by the kubelet once the task's container has ended and
// uploads the emptyDir at its output path, then a completion marker. Both run the script
// copilot.py inline (python3 -c) in the copilot image, with the task's object-store settings.

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "embedded/executor/runner.h"

namespace flytebox::executor {

inline constexpr char kCopilotInputs[] = "flytebox-copilot-inputs";    // the init container
inline constexpr char kCopilotOutputs[] = "flytebox-copilot-outputs";  // the sidecar

// Adds the copilot to `pod` (as BuildPod made it, its primary container `primary`): the two
// emptyDir volumes mounted at the task's paths in the primary container, the init container
// and the sidecar running in `image` with the primary container's environment.
void AddCopilot(const RawIoRun& io, const std::string& image, const std::string& primary,
                nlohmann::json* pod);

// True when `pod` has the copilot sidecar.
bool HasCopilot(const nlohmann::json& pod);

// The status of the named container among the pod's init container statuses; null if none.
const nlohmann::json* InitContainerStatus(const nlohmann::json& pod, const std::string& name);

// The local inputs folder put under the staging prefix (staging/inputs/...).
Status StageInputs(const RawIoRun& io, blob::BlobStore& blobs);

// How a raw pod whose task container exited ended, once the files the sidecar uploaded are in
// the local outputs folder (FetchOutputs): `exited` when they are; without the completion
// marker a clean exit is the system's failure (kLost "CopilotOutputsMissing", retried) and a
// failed exit stays the task's; a staged path that would leave the folder is kLost, final.
RunResult WithRawOutputs(const RawIoRun& io, blob::BlobStore* blobs, const RunResult& exited);

// The files the sidecar uploaded, written into the local outputs folder. False when its
// completion marker is missing (it did not finish); a staged path that would leave the
// folder is FAILED_PRECONDITION.
Result<bool> FetchOutputs(const RawIoRun& io, blob::BlobStore& blobs);

}  // namespace flytebox::executor
