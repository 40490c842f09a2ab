#include "cli/container_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace flytebox::cli {
namespace {

constexpr size_t kPipeOutputLimit = 1 << 20;

// Pipes made close-on-exec (a child gets only the ends dup'ed onto its 0, 1, 2); every end
// still open is closed on destruction.
class Pipes {
 public:
  ~Pipes() {
    for (int& fd : fds_) Close(fd);
  }
  Status Make(int index) {
    if (pipe2(&fds_[2 * index], O_CLOEXEC) == 0) return Status::Ok();
    return Status::Internal(std::string("pipe: ") + std::strerror(errno));
  }
  int read_end(int index) const { return fds_[2 * index]; }
  int write_end(int index) const { return fds_[2 * index + 1]; }
  void Close(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
  }
  void CloseEnd(int index, bool write) { Close(fds_[2 * index + (write ? 1 : 0)]); }

 private:
  std::array<int, 6> fds_ = {-1, -1, -1, -1, -1, -1};
};

// Reads `fds` until each reaches end of file, appending to `outs` (each up to the limit, the
// rest read and discarded). False when `deadline` passes first.
bool DrainUntil(std::array<int, 2> fds, std::array<std::string*, 2> outs,
                std::chrono::steady_clock::time_point deadline) {
  char buf[65536];
  while (fds[0] >= 0 || fds[1] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    std::array<pollfd, 2> polled = {pollfd{fds[0], POLLIN, 0}, pollfd{fds[1], POLLIN, 0}};
    int n = poll(polled.data(), polled.size(),
                 static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) return false;
    for (size_t i = 0; i < 2; ++i) {
      if (fds[i] < 0 || polled[i].revents == 0) continue;
      ssize_t got = read(fds[i], buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fds[i] = -1;
        continue;
      }
      if (outs[i]->size() < kPipeOutputLimit) outs[i]->append(buf, static_cast<size_t>(got));
    }
  }
  return true;
}

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

  Result<PipeResult> Pipe(const std::vector<std::string>& producer,
                          const std::vector<std::string>& consumer,
                          std::chrono::milliseconds timeout) override {
    enum { kData = 0, kProducerErr = 1, kConsumerOut = 2 };
    Pipes pipes;
    for (int i : {kData, kProducerErr, kConsumerOut}) FB_RETURN_IF_ERROR(pipes.Make(i));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    ProcessSpec from;
    from.argv = producer;
    from.out = Output::Fd(pipes.write_end(kData));
    from.err = Output::Fd(pipes.write_end(kProducerErr));
    ProcessSpec to;
    to.argv = consumer;
    to.in_fd = pipes.read_end(kData);
    to.out = Output::Fd(pipes.write_end(kConsumerOut));
    to.err = Output::Fd(pipes.write_end(kConsumerOut));
    auto first = launcher_->Launch(from);
    if (!first.ok()) return first.status();
    auto second = launcher_->Launch(to);
    if (!second.ok()) {
      (*first)->Signal(SIGKILL);
      (*first)->Wait();
      return second.status();
    }
    // Only the children hold the write ends now: each stream ends when its writer does.
    pipes.CloseEnd(kData, false);
    pipes.CloseEnd(kData, true);
    pipes.CloseEnd(kProducerErr, true);
    pipes.CloseEnd(kConsumerOut, true);
    PipeResult result;
    bool done = DrainUntil({pipes.read_end(kProducerErr), pipes.read_end(kConsumerOut)},
                           {&result.producer_err, &result.consumer_out}, deadline);
    if (!done) {
      (*first)->Signal(SIGKILL);
      (*second)->Signal(SIGKILL);
    }
    result.producer = (*first)->Wait();
    result.consumer = (*second)->Wait();
    if (!done) {
      return Status::DeadlineExceeded(producer.front() + " | " + consumer.front() +
                                      " did not finish within " +
                                      std::to_string(timeout.count() / 1000) + " s");
    }
    return result;
  }

 private:
  ProcessLauncher* launcher_;
};

}  // namespace

std::unique_ptr<CommandRunner> CommandRunner::Real(ProcessLauncher* launcher) {
  return std::make_unique<RealRunner>(launcher);
}

}  // namespace flytebox::cli
