#include "common/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace flytebox {

ExitStatus DecodeWaitStatus(int raw) {
  ExitStatus s;
  if (WIFSIGNALED(raw)) {
    s.signaled = true;
    s.signal = WTERMSIG(raw);
  } else {
    s.code = WEXITSTATUS(raw);
  }
  return s;
}

namespace {

class PosixProcess : public Process {
 public:
  PosixProcess(pid_t pid, bool group) : pid_(pid), group_(group) {}

  pid_t pid() const override { return pid_; }

  std::optional<ExitStatus> Poll() override {
    if (done_) return status_;
    int raw = 0;
    pid_t r = waitpid(pid_, &raw, WNOHANG);
    if (r == 0) return std::nullopt;
    Finish(r, raw);
    return status_;
  }

  ExitStatus Wait() override {
    if (done_) return status_;
    int raw = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &raw, 0);
    } while (r < 0 && errno == EINTR);
    Finish(r, raw);
    return status_;
  }

  void Signal(int sig) override {
    if (done_) return;
    if (group_) {
      kill(-pid_, sig);
    } else {
      kill(pid_, sig);
    }
  }

 private:
  void Finish(pid_t r, int raw) {
    done_ = true;
    // r < 0: someone else reaped it (e.g. a PID-1 reaper); report it as killed.
    status_ = r == pid_ ? DecodeWaitStatus(raw) : ExitStatus{0, SIGKILL, true};
  }

  pid_t pid_;
  bool group_;
  bool done_ = false;
  ExitStatus status_;
};

Status AddOutput(posix_spawn_file_actions_t* fa, int fd, const Output& out) {
  switch (out.kind) {
    case Output::Kind::kInherit:
      return Status::Ok();
    case Output::Kind::kNull:
      posix_spawn_file_actions_addopen(fa, fd, "/dev/null", O_WRONLY, 0);
      return Status::Ok();
    case Output::Kind::kFile:
      posix_spawn_file_actions_addopen(fa, fd, out.path.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0600);
      return Status::Ok();
    case Output::Kind::kFd:
      if (out.fd < 0) return Status::InvalidArgument("output descriptor is not open");
      posix_spawn_file_actions_adddup2(fa, out.fd, fd);
      return Status::Ok();
  }
  return Status::Internal("unknown output kind");
}

std::vector<std::string> BuildEnv(const ProcessSpec& spec) {
  std::map<std::string, std::string> env;
  if (spec.env) {
    env = *spec.env;
  } else {
    for (char** e = environ; *e; ++e) {
      const char* eq = std::strchr(*e, '=');
      if (eq) env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
    }
  }
  for (const auto& [k, v] : spec.env_overrides) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> ptrs;
  ptrs.reserve(strings.size() + 1);
  for (auto& s : strings) ptrs.push_back(s.data());
  ptrs.push_back(nullptr);
  return ptrs;
}

class PosixLauncher : public ProcessLauncher {
 public:
  Result<std::unique_ptr<Process>> Launch(const ProcessSpec& spec) override {
    return Spawn(spec, -1, -1);
  }
  Result<Captured> Capture(const std::vector<std::string>& argv,
                           std::chrono::milliseconds timeout, size_t limit) override;

  // out_fd / err_fd >= 0 are dup'ed onto the child's stdout / stderr.
  Result<std::unique_ptr<Process>> Spawn(const ProcessSpec& spec, int out_fd, int err_fd) {
    if (spec.argv.empty()) return Status::InvalidArgument("empty command line");
    std::string exe = spec.argv[0];
    if (exe.find('/') == std::string::npos) {
      exe = FindOnPath(exe);
      if (exe.empty()) return Status::NotFound("command not found on PATH: " + spec.argv[0]);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (spec.new_session) flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr, flags);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    if (spec.in_fd >= 0) {
      posix_spawn_file_actions_adddup2(&fa, spec.in_fd, 0);
    } else {
      posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    Status st = out_fd >= 0 ? Status::Ok() : AddOutput(&fa, 1, spec.out);
    if (st.ok() && err_fd < 0) st = AddOutput(&fa, 2, spec.err);
    if (!spec.working_dir.empty()) {
      posix_spawn_file_actions_addchdir_np(&fa, spec.working_dir.c_str());
    }
    // Nothing but stdin/stdout/stderr crosses into the child, whatever a library opened
    // without close-on-exec (sockets, database and log files).
    if (!spec.keep_inherited_fds) posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    std::vector<std::string> args = spec.argv;
    std::vector<std::string> env = BuildEnv(spec);
    auto argv = Pointers(args);
    auto envp = Pointers(env);
    pid_t pid = -1;
    int rc = st.ok() ? posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), envp.data()) : 0;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (!st.ok()) return st;
    if (rc != 0) {
      return Status::Unavailable("cannot start " + spec.argv[0] + ": " + std::strerror(rc));
    }
    return std::unique_ptr<Process>(new PosixProcess(pid, spec.new_session));
  }
};

PosixLauncher* RealLauncher() {
  static PosixLauncher* launcher = new PosixLauncher();
  return launcher;
}

// Reads both pipes until EOF or the deadline; false on timeout.
bool Drain(int out_fd, int err_fd, Captured* cap, size_t limit,
           std::chrono::steady_clock::time_point deadline) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&cap->out, &cap->err};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EINTR) continue;
        fds[i].fd = -1;
        --open;
        continue;
      }
      size_t room = limit > sinks[i]->size() ? limit - sinks[i]->size() : 0;
      sinks[i]->append(buf, std::min(room, static_cast<size_t>(got)));
    }
  }
  return true;
}

Result<Captured> PosixLauncher::Capture(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout, size_t limit) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return Status::Internal("pipe: " + std::string(strerror(errno)));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return Status::Internal("pipe: " + std::string(strerror(errno)));
  }
  ProcessSpec spec;
  spec.argv = argv;
  auto proc = Spawn(spec, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!proc.ok()) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return proc.status();
  }
  Captured cap;
  bool finished = Drain(out_pipe[0], err_pipe[0], &cap, limit,
                       std::chrono::steady_clock::now() + timeout);
  close(out_pipe[0]);
  close(err_pipe[0]);
  if (!finished) {
    (*proc)->Signal(SIGKILL);
    (*proc)->Wait();
    return Status::DeadlineExceeded(argv[0] + " did not finish within " +
                                    std::to_string(timeout.count()) + " ms");
  }
  cap.status = (*proc)->Wait();
  return cap;
}

}  // namespace

std::string ExitStatus::ToString() const {
  if (signaled) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(code);
}

ProcessLauncher* ProcessLauncher::Real() { return RealLauncher(); }

Result<Captured> RunCapture(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout, size_t limit) {
  return ProcessLauncher::Real()->Capture(argv, timeout, limit);
}

std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string full = dir + "/" + name;
    struct stat st{};
    if (stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(full.c_str(), X_OK) == 0) {
      return full;
    }
    start = end + 1;
  }
  return {};
}

}  // namespace flytebox
