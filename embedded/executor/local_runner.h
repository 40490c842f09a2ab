#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/subprocess.h"
#include "embedded/executor/runner.h"

namespace flytebox::executor {

struct LocalRunnerOptions {
  // The Python whose environment has flytekit: `pyflyte-*` entry points are looked up next
  // to it first, and its folder leads PATH for the task.
  std::string python = "python3";
  // Scratch folders, one per attempt, removed when it ends.
  std::string work_root;
  // Attempts running at once; more wait in line.
  int max_parallel = 8;
  std::map<std::string, std::string> base_env;  // e.g. FLYTE_AWS_*, FLYTE_PLATFORM_URL
  ProcessLauncher* launcher = ProcessLauncher::Real();
  // flytekit entry points run in a forking task host that imported flytekit once.
  bool use_task_host = true;
};

// Runs each attempt as a local process tree (its own session, killed as a group).
std::unique_ptr<TaskRunner> NewLocalRunner(LocalRunnerOptions options);

}  // namespace flytebox::executor
