#pragma once

#include <string>
#include <vector>

namespace flytebox::sandbox {

struct MainOptions {
  std::string config_path;
  std::string pid_file;
  int notify_fd = -1;
  std::vector<int> keep_fds;
};

// The supervisor process: closes every inherited descriptor it was not told to keep, ignores
// SIGPIPE, becomes the child subreaper unless it is PID 1, loads the configuration, writes
// the pid file and supervises until SIGTERM/SIGINT. Returns the exit code: 0 after a clean
// shutdown, 1 when it could not start (the reason on stderr and as "error ..." on notify_fd).
int SupervisorMain(const MainOptions& options);

}  // namespace flytebox::sandbox
