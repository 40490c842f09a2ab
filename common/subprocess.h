#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace flytebox {

// Where a child's stdout or stderr goes.
struct Output {
  enum class Kind { kInherit, kNull, kFile, kFd };
  Kind kind = Kind::kInherit;
  std::string path;  // kFile: appended to, created 0600 if missing
  int fd = -1;       // kFd: an open descriptor of the caller (e.g. a pipe), dup'ed in the child

  static Output Inherit() { return {}; }
  static Output Null() { return {Kind::kNull, {}}; }
  static Output File(std::string path) { return {Kind::kFile, std::move(path)}; }
  static Output Fd(int fd) { return {Kind::kFd, {}, fd}; }
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  // When set, the child's whole environment; else the parent's, with `env_overrides` applied.
  std::optional<std::map<std::string, std::string>> env;
  std::map<std::string, std::string> env_overrides;
  std::string working_dir;  // empty: the parent's
  Output out;
  Output err;
  // >= 0: the child's stdin is this descriptor of the caller (e.g. a pipe's read end), dup'ed
  // in the child; else /dev/null.
  int in_fd = -1;
  // The child leads a new session (and so process group), so that Signal() reaches every
  // process it starts. Off only for children that must share the caller's terminal.
  bool new_session = true;
  // Off: the child gets only stdin, stdout and stderr, whatever else the parent has open
  // (sockets and files a library opened without close-on-exec). On: descriptors without
  // FD_CLOEXEC stay open, for a child handed a descriptor on purpose.
  bool keep_inherited_fds = false;
};

struct ExitStatus {
  int code = 0;    // exit code when !signaled
  int signal = 0;  // terminating signal when signaled
  bool signaled = false;

  bool success() const { return !signaled && code == 0; }
  std::string ToString() const;
};

// An ExitStatus from a raw waitpid() status.
ExitStatus DecodeWaitStatus(int raw);

// A started child. Destroying it does not stop the child; Wait() or Poll() reap it.
class Process {
 public:
  virtual ~Process() = default;
  virtual pid_t pid() const = 0;
  // Reaps the child if it has ended; nullopt while it runs.
  virtual std::optional<ExitStatus> Poll() = 0;
  virtual ExitStatus Wait() = 0;
  // Sends `sig` to the child's whole process group (new_session) or to the child alone.
  virtual void Signal(int sig) = 0;
};

struct Captured {
  ExitStatus status;
  std::string out;  // stdout
  std::string err;  // stderr
};

// The OS seam for starting processes: one real implementation (posix_spawn); tests
// substitute a recording double. Thread-safe.
class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  virtual Result<std::unique_ptr<Process>> Launch(const ProcessSpec& spec) = 0;
  // Runs argv to completion capturing stdout and stderr (each up to `limit` bytes, the rest
  // discarded). Kills the child's group and returns DEADLINE_EXCEEDED after `timeout`.
  virtual Result<Captured> Capture(const std::vector<std::string>& argv,
                                   std::chrono::milliseconds timeout, size_t limit) = 0;

  // posix_spawn based. Never null.
  static ProcessLauncher* Real();
};

// ProcessLauncher::Real()->Capture(...), for tests and tools that need no seam.
Result<Captured> RunCapture(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout = std::chrono::minutes(5),
                            size_t limit = 16 << 20);

// Full path of `name` on PATH, or empty.
std::string FindOnPath(const std::string& name);

}  // namespace flytebox
