#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"

namespace flytebox::cli {

// Runs a container engine's command line. The one seam between the container adapter and
// the OS, so that unit tests record the commands and answer them.
class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv to completion, capturing stdout and stderr. DEADLINE_EXCEEDED after `timeout`
  // (the command is killed); an error Status only when it could not be run at all.
  virtual Result<Captured> Run(const std::vector<std::string>& argv,
                               std::chrono::milliseconds timeout) = 0;
  // Runs argv in the caller's process group (Ctrl-C reaches it too), handing its stdout and
  // stderr, merged, to `sink` as they come. Returns when it ends.
  virtual Result<ExitStatus> Stream(const std::vector<std::string>& argv,
                                    const std::function<void(std::string_view)>& sink) = 0;

  // Through `launcher` (not owned, outlives the runner). Never null.
  static std::unique_ptr<CommandRunner> Real(ProcessLauncher* launcher);
};

}  // namespace flytebox::cli
