#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace flytebox::executor {

// Where an attempt that has not finished stands, for runners that know more than "running"
// (a pod waits to be scheduled, then for its image and container).
enum class RunPhase { kQueued, kInitializing, kRunning };

// A secret the task asked for (flytekit's Secret): runners that can provide one (pods) do.
struct SecretRequest {
  enum class Mount { kAny, kEnv, kFile };
  std::string group, group_version, key;
  Mount mount = Mount::kAny;
  std::string env_var;  // also set: the value (kEnv) or the file's path (kFile, kAny)
};

// A raw-container attempt (`container.data_config`, Flyte's copilot contract): the engine has
// written one file per input (and inputs.pb) into `dir`/inputs before Start; the runner makes
// them appear at `input_path` for the container, and by the time it reports the attempt's end
// it has put what the container wrote at `output_path` into `dir`/outputs (an `_ERROR` file
// there is the task's own error). Runners that move files through the object store (pods) use
// `staging`, a prefix of the attempt's raw-data folder; another attempt has another.
struct RawIoRun {
  std::string input_path, output_path;  // in the container
  std::string dir;                      // local: holds inputs/ and outputs/
  std::string staging;                  // object-store URI prefix, the attempt's own
  std::string inputs() const { return dir + "/inputs"; }
  std::string outputs() const { return dir + "/outputs"; }
};

// One attempt of a container task, rendered: what to run and where its log goes.
struct TaskRun {
  std::string key;                  // unique per attempt ([A-Za-z0-9_], starts with a letter)
  std::vector<std::string> argv;    // the container's command + args, templates rendered
  std::map<std::string, std::string> env;  // added to the runner's base environment
  std::string image;                // the task's image (runners that honour images use it)
  std::string log_path;             // stdout and stderr, appended
  // Whose attempt this is; runners that label what they start (pods) use it.
  std::string project, domain, execution, node;  // node: the node id, plus "-<index>" in a map
  int attempt = 0;
  // The task template's resources by Kubernetes name ("cpu", "memory", ...): quantities.
  std::map<std::string, std::string> requests, limits;
  // From the task's metadata and security context; runners that cannot honour them ignore
  // them (processes have no secrets store, no spot nodes, no pod template).
  std::vector<SecretRequest> secrets;
  bool interruptible = false;
  std::string pod_template_name;
  // A task with its own pod spec (a k8s_pod target), as JSON: the pod is built on it, the task
  // running in its container `primary_container` (empty: no spec); the pod's labels and
  // annotations from the template.
  std::string pod_spec_json;
  std::string primary_container;
  std::map<std::string, std::string> pod_labels, pod_annotations;
  // Set for a raw-container task: its command names the container's own paths, unrewritten.
  std::optional<RawIoRun> raw_io;
  // Optional: called from a runner thread as the attempt moves before it ends; kRunning once
  // its process (or container) has started. Runners that cannot tell earlier steps report
  // only kRunning.
  std::function<void(RunPhase phase, const std::string& reason)> on_progress;
};

// How an attempt ended, as the runner saw it. The executor then reads outputs.pb / error.pb.
struct RunResult {
  // kNotStarted: the command could not be started (not installed, not executable).
  enum class Kind { kExited, kKilled, kLost, kNotStarted };
  RunResult() = default;
  RunResult(Kind k, int exit, std::string why, std::string lost_code = "", bool retriable = true)
      : kind(k),
        exit_code(exit),
        message(std::move(why)),
        code(std::move(lost_code)),
        recoverable(retriable) {}
  Kind kind = Kind::kExited;
  int exit_code = 0;  // kExited
  std::string message;  // kKilled / kLost / kNotStarted: why, and for kNotStarted what to fix
  // kLost: a short reason (e.g. "OOMKilled", "ImagePullFailure") and whether another attempt
  // may help.
  std::string code;
  bool recoverable = true;
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
  // no longer runs (then its outputs, if any, are all there is). Runners that write the log
  // themselves (pods) go on appending to `log_path`; a raw-container attempt's `raw_io` is the
  // one it was started with.
  virtual Result<std::unique_ptr<RunningTask>> Attach(const std::string& handle,
                                                      const std::string& log_path,
                                                      const std::optional<RawIoRun>& raw_io,
                                                      std::function<void(RunResult)> done) = 0;
  // Task processes need the S3 settings and platform URL; the runner adds its own base.
  virtual std::string name() const = 0;
  // True when the runner reports kQueued/kInitializing itself (pods); otherwise the executor
  // records INITIALIZING once Start() returns.
  virtual bool reports_progress() const { return false; }
};

}  // namespace flytebox::executor
