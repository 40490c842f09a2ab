#include "cli/container_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flytebox::cli {
namespace {

class RealRunner : public CommandRunner {
 public:
  explicit RealRunner(ProcessLauncher* launcher) : launcher_(launcher) {}

  Result<Captured> Run(const std::vector<std::string>& argv,
                       std::chrono::milliseconds timeout) override {
    return launcher_->Capture(argv, timeout, 16 << 20);
  }

  Result<ExitStatus> Stream(const std::vector<std::string>& argv,
                            const std::function<void(std::string_view)>& sink) override {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      return Status::Internal(std::string("pipe: ") + std::strerror(errno));
    }
    ProcessSpec spec;
    spec.argv = argv;
    spec.out = Output::Fd(fds[1]);
    spec.err = Output::Fd(fds[1]);
    spec.new_session = false;
    auto process = launcher_->Launch(spec);
    close(fds[1]);
    if (!process.ok()) {
      close(fds[0]);
      return process.status();
    }
    char buf[65536];
    while (true) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sink(std::string_view(buf, static_cast<size_t>(n)));
    }
    close(fds[0]);
    return (*process)->Wait();
  }

 private:
  ProcessLauncher* launcher_;
};

}  // namespace

std::unique_ptr<CommandRunner> CommandRunner::Real(ProcessLauncher* launcher) {
  return std::make_unique<RealRunner>(launcher);
}

}  // namespace flytebox::cli
