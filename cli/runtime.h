#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "cli/environment.h"
#include "cli/exit_codes.h"
#include "cli/native_config.h"
#include "common/result.h"

namespace flytebox::cli {

// What every demo command works with.
struct DemoContext {
  std::ostream& out;  // results (endpoints, status, logs)
  std::ostream& err;  // progress and errors
  const Environment& env;
  std::string state_dir;
  std::string flyte_config;  // ~/.flyte/config-sandbox.yaml
};

// Where a sandbox runs. Native runs the supervisor as a host process; container runtimes
// (docker, podman, nerdctl) drive their command line. Each method writes its own
// user-facing text and returns an ExitCode (Exec: the command's exit code).
class Runtime {
 public:
  virtual ~Runtime() = default;
  virtual std::string name() const = 0;
  virtual int Start(const StartOptions& options) = 0;
  virtual int Stop() = 0;
  virtual int ShowStatus(bool json) = 0;
  virtual int Teardown(bool volume) = 0;
  virtual int Logs(const std::string& component, bool follow) = 0;
  virtual int Exec(const std::vector<std::string>& command) = 0;
  virtual int Reload() = 0;
  // `demo image import FILE`: loads an image archive (`docker save` / `podman save`, e.g.
  // scripts/build-image.sh --save) into the engine; container runtimes only.
  virtual int ImportImage(const std::string& file) = 0;
  // `demo image load IMAGE`: copies an image from the engine's own store into the cluster of
  // a sandbox started with --kubernetes, where pods find it; container runtimes only.
  virtual int LoadImage(const std::string& image) = 0;
};

std::unique_ptr<Runtime> MakeNativeRuntime(const DemoContext& context);

// Container mode's own settings: `demo ... --name`, `demo start --image`.
struct ContainerSettings {
  std::string name;   // the container and its volume; empty: the recorded one, else flytebox
  std::string image;  // empty: flytebox:<version>
};
// INVALID_ARGUMENT naming what is wrong: a container name as the engines take it
// ([A-Za-z0-9][A-Za-z0-9_.-]*), an image reference without blanks or a leading '-'.
Status ValidateContainerName(const std::string& name);
Status ValidateImageName(const std::string& image);

// `engine` is docker, podman or nerdctl.
std::unique_ptr<Runtime> MakeContainerRuntime(const DemoContext& context, const std::string& engine,
                                              const ContainerSettings& settings);

// The runtime for `demo start`: `flag` (--runtime), else $FLYTEBOX_RUNTIME, else the runtime
// of the last container start recorded in `state_dir` when its engine answers, else the first
// of docker, podman, nerdctl whose engine answers, else native, with `*note` saying which was
// detected or that none answers. INVALID_ARGUMENT for an unknown name.
Result<std::string> ChooseRuntime(const std::string& flag, const Environment& env,
                                  std::string* note, const std::string& state_dir = "");

// The runtime the other commands talk to: `flag`, else $FLYTEBOX_RUNTIME, else native when a
// native sandbox runs in `state_dir`, else the runtime of the last container start recorded
// there, else native. Asks no engine. INVALID_ARGUMENT for an unknown name.
Result<std::string> RuntimeInUse(const std::string& flag, const Environment& env,
                                 const std::string& state_dir);

}  // namespace flytebox::cli
