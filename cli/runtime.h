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
// (docker, podman, nerdctl) will drive their command line. Each method writes its own
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
};

std::unique_ptr<Runtime> MakeNativeRuntime(const DemoContext& context);

// The runtime for `demo start`: `flag` (--runtime), else $FLYTEBOX_RUNTIME, else the first of
// docker, podman, nerdctl whose engine answers, else native. Container mode is not available
// yet: a detected container engine is named and native is used, with `*note` saying so; an
// explicitly asked container runtime is FAILED_PRECONDITION. INVALID_ARGUMENT for an
// unknown name.
Result<std::string> ChooseRuntime(const std::string& flag, const Environment& env,
                                  std::string* note);

}  // namespace flytebox::cli
