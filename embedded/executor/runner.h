#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace flytebox::executor {

// One attempt of a container task, rendered: what to run and where its log goes.
struct TaskRun {
  std::string key;                  // unique per attempt ([A-Za-z0-9_], starts with a letter)
  std::vector<std::string> argv;    // the container's command + args, templates rendered
  std::map<std::string, std::string> env;  // added to the runner's base environment
  std::string image;                // the task's image (runners that honour images use it)
  std::string log_path;             // stdout and stderr, appended
  // Called once, from a runner thread, when the attempt's process has started (before
  // `done`); may be empty. Runners that cannot tell call it when they start the attempt.
  std::function<void()> started;
};

// How an attempt ended, as the runner saw it. The executor then reads outputs.pb / error.pb.
struct RunResult {
  // kNotStarted: the command could not be started (not installed, not executable).
  enum class Kind { kExited, kKilled, kLost, kNotStarted };
  Kind kind = Kind::kExited;
  int exit_code = 0;  // kExited
  std::string message;  // kKilled / kLost / kNotStarted: why, and for kNotStarted what to fix
};

// A started attempt. Thread-safe.
class RunningTask {
 public:
  virtual ~RunningTask() = default;
  // Where the attempt can be found again after an engine restart (e.g. "pid:1234:<start>").
  virtual std::string handle() const = 0;
  // Stops the attempt and everything it started (abort, timeout). Idempotent.
  virtual void Kill(const std::string& why) = 0;
};

// Where task attempts run: local processes now; Kubernetes pods and sibling containers later.
// `done` is called exactly once, from a runner thread, when the attempt ends.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  virtual Result<std::unique_ptr<RunningTask>> Start(const TaskRun& run,
                                                     std::function<void(RunResult)> done) = 0;
  // Re-attaches to an attempt started before a restart from its handle; NOT_FOUND when it
  // no longer runs (then its outputs, if any, are all there is).
  virtual Result<std::unique_ptr<RunningTask>> Attach(const std::string& handle,
                                                      std::function<void(RunResult)> done) = 0;
  // Task processes need the S3 settings and platform URL; the runner adds its own base.
  virtual std::string name() const = 0;
};

}  // namespace flytebox::executor
