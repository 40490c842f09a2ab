#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/subprocess.h"

namespace flytebox::executor {

// A long-lived Python that has imported flytekit and forks one child per task attempt
// (embedded/executor/task_host.py), so that an attempt does not pay flytekit's import.
// Thread-safe.
class TaskHost {
 public:
  struct Request {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;  // the child's whole environment
    std::string cwd;
    std::string log_path;
  };
  // Starts the host in the background; Run() uses it once it has connected. `env` is the
  // host's whole environment (a task's, see task_env.h): flytekit reads some settings
  // (storage endpoint and keys) when it is imported, before any task's environment exists,
  // and forked tasks see it in /proc/self/environ.
  static std::unique_ptr<TaskHost> Start(const std::string& python, const std::string& dir,
                                         ProcessLauncher* launcher,
                                         const std::map<std::string, std::string>& env);
  ~TaskHost();

  // True once the host answers. Before that (or after it died) callers start processes.
  bool ready() const;
  // Runs a request to its end. `on_pid` is called once the child runs. Returns the exit
  // code (128+signal when killed), or UNAVAILABLE when the host is gone.
  Result<int> Run(const Request& request, const std::function<void(pid_t)>& on_pid);

  // Whether argv is a flytekit entry point the host runs in-process.
  static bool Handles(const std::vector<std::string>& argv);

 private:
  struct State;
  explicit TaskHost(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

}  // namespace flytebox::executor
