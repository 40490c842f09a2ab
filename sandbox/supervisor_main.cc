#include "sandbox/supervisor_main.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "common/log.h"
#include "common/version.h"
#include "sandbox/supervisor.h"

namespace flytebox::sandbox {
namespace {

// Descriptors inherited from whoever started us (a terminal, a CI runner's pipes) must not
// stay open for the sandbox's lifetime, nor reach the components.
void CloseInherited(const std::vector<int>& keep) {
  std::vector<int> open_fds;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(dir)) {
      int fd = std::atoi(e->d_name);
      if (e->d_name[0] != '.' && fd > 2) open_fds.push_back(fd);
    }
    closedir(dir);
  }
  for (int fd : open_fds) {
    if (std::find(keep.begin(), keep.end(), fd) == keep.end()) close(fd);
  }
  for (int fd : keep) fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void NotifyError(int fd, const std::string& message) {
  if (fd < 0) return;
  std::string line = "error " + message + "\n";
  (void)!write(fd, line.data(), line.size());
}

}  // namespace

int SupervisorMain(const MainOptions& options) {
  std::vector<int> keep = options.keep_fds;
  if (options.notify_fd >= 0) keep.push_back(options.notify_fd);
  CloseInherited(keep);
  signal(SIGPIPE, SIG_IGN);

  auto config = LoadConfig(options.config_path);
  if (!config.ok()) {
    std::cerr << "flytebox-sandbox: " << config.status().ToString() << "\n";
    NotifyError(options.notify_fd, config.status().message());
    return 1;
  }
  SupervisorOptions sup;
  sup.config_path = options.config_path;
  sup.subreaper = getpid() != 1;
  sup.notify_fd = options.notify_fd;
  sup.version = kVersion;
  auto supervisor = Supervisor::Create(std::move(*config), sup);
  if (!supervisor.ok()) {
    std::cerr << "flytebox-sandbox: " << supervisor.status().ToString() << "\n";
    NotifyError(options.notify_fd, supervisor.status().message());
    return 1;
  }
  if (!options.pid_file.empty()) {
    std::ofstream(options.pid_file) << getpid() << "\n";
  }
  FB_LOG(kInfo, "supervisor") << "flytebox-sandbox " << kVersion << " (pid " << getpid()
                              << ") supervising " << options.config_path;
  int code = (*supervisor)->Run();
  FB_LOG(kInfo, "supervisor") << "stopped";
  supervisor->reset();
  if (!options.pid_file.empty()) unlink(options.pid_file.c_str());
  return code;
}

}  // namespace flytebox::sandbox
