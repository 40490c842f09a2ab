// Choosing the runtime of `flytebox demo start`.
#include "cli/runtime.h"

namespace flytebox::cli {
namespace {

constexpr const char* kContainerRuntimes[] = {"docker", "podman", "nerdctl"};

bool IsContainerRuntime(const std::string& name) {
  for (const char* r : kContainerRuntimes) {
    if (name == r) return true;
  }
  return false;
}

}  // namespace

Result<std::string> ChooseRuntime(const std::string& flag, const Environment& env,
                                  std::string* note) {
  note->clear();
  std::string asked = flag;
  std::string source = "--runtime";
  if (asked.empty()) {
    asked = env.Get("FLYTEBOX_RUNTIME");
    source = "FLYTEBOX_RUNTIME";
  }
  if (asked == "native") return asked;
  if (!asked.empty()) {
    if (!IsContainerRuntime(asked)) {
      return Status::InvalidArgument(source + " must be native, docker, podman or nerdctl, not '" +
                                     asked + "'");
    }
    return Status::FailedPrecondition("container mode (" + source + " " + asked +
                                      ") is not available in this version of flytebox yet; "
                                      "use --runtime native");
  }
  for (const char* runtime : kContainerRuntimes) {
    if (env.prober && env.prober->Answers(runtime)) {
      *note = std::string(runtime) +
              " answers, but container mode is not available in this version yet: running "
              "natively (--runtime native skips this check)";
      return std::string("native");
    }
  }
  *note = "no container engine answers (docker, podman, nerdctl): running natively";
  return std::string("native");
}

}  // namespace flytebox::cli
