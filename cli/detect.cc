// Choosing the runtime of `flytebox demo start` and of the commands after it.
#include "cli/runtime.h"

#include "cli/container_runtime.h"
#include "cli/paths.h"
#include "cli/state_lock.h"

namespace flytebox::cli {
namespace {

constexpr const char* kContainerRuntimes[] = {"docker", "podman", "nerdctl"};

bool IsContainerRuntime(const std::string& name) {
  for (const char* r : kContainerRuntimes) {
    if (name == r) return true;
  }
  return false;
}

Status CheckRuntimeName(const std::string& name, const std::string& source) {
  if (name == "native" || IsContainerRuntime(name)) return Status::Ok();
  return Status::InvalidArgument(source + " must be native, docker, podman or nerdctl, not '" +
                                 name + "'");
}

}  // namespace

Result<std::string> ChooseRuntime(const std::string& flag, const Environment& env,
                                  std::string* note, const std::string& state_dir) {
  note->clear();
  std::string asked = flag;
  std::string source = "--runtime";
  if (asked.empty()) {
    asked = env.Get("FLYTEBOX_RUNTIME");
    source = "FLYTEBOX_RUNTIME";
  }
  if (!asked.empty()) {
    FB_RETURN_IF_ERROR(CheckRuntimeName(asked, source));
    return asked;
  }
  std::vector<std::string> order;
  auto record = state_dir.empty() ? std::nullopt : ReadContainerRecord(state_dir);
  if (record && IsContainerRuntime(record->runtime)) order.push_back(record->runtime);
  for (const char* runtime : kContainerRuntimes) {
    if (order.empty() || order[0] != runtime) order.push_back(runtime);
  }
  for (const auto& runtime : order) {
    if (env.prober && env.prober->Answers(runtime)) {
      *note = "using " + runtime +
              (record && record->runtime == runtime ? " (where the last sandbox was started)"
                                                    : " (detected)") +
              "; --runtime native|docker|podman|nerdctl chooses";
      return runtime;
    }
  }
  *note = "no container engine answers (docker, podman, nerdctl): running natively";
  return std::string("native");
}

Result<std::string> RuntimeInUse(const std::string& flag, const Environment& env,
                                 const std::string& state_dir) {
  if (!flag.empty()) {
    FB_RETURN_IF_ERROR(CheckRuntimeName(flag, "--runtime"));
    return flag;
  }
  std::string from_env = env.Get("FLYTEBOX_RUNTIME");
  if (!from_env.empty()) {
    FB_RETURN_IF_ERROR(CheckRuntimeName(from_env, "FLYTEBOX_RUNTIME"));
    return from_env;
  }
  if (StateLock::IsHeld(StatePaths{state_dir}.Lock())) return std::string("native");
  auto record = ReadContainerRecord(state_dir);
  if (record && IsContainerRuntime(record->runtime)) return record->runtime;
  return std::string("native");
}

}  // namespace flytebox::cli
