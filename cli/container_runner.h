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

// What a pipeline of two commands did.
struct PipeResult {
  ExitStatus producer;
  ExitStatus consumer;
  std::string producer_err;  // the producer's stderr
  std::string consumer_out;  // the consumer's stdout and stderr, merged
};

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
  // Runs `producer | consumer` (the producer's stdout into the consumer's stdin) to
  // completion, e.g. `docker save` into an import inside the container. Both are killed and
  // DEADLINE_EXCEEDED returned after `timeout`.
  virtual Result<PipeResult> Pipe(const std::vector<std::string>& producer,
                                  const std::vector<std::string>& consumer,
                                  std::chrono::milliseconds timeout) = 0;

  // Through `launcher` (not owned, outlives the runner). Never null.
  static std::unique_ptr<CommandRunner> Real(ProcessLauncher* launcher);
};

}  // namespace flytebox::cli
