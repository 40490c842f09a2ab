#include "sandbox/supervisor.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.h"

namespace flytebox::sandbox {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;
using Duration = Clock::MonoTime::duration;

constexpr const char* kTag = "supervisor";
constexpr auto kReadyProbePeriod = 5s;
constexpr auto kProbeTimeout = 2s;
constexpr int kProbeFailuresToUnready = 3;

// How long to wait between readiness checks of a component that is not ready yet: tight
// at first (a ready engine is seen within milliseconds), then backing off.
milliseconds StartingProbeInterval(Duration since_start) {
  if (since_start < 1s) return 2ms;
  if (since_start < 10s) return 50ms;
  return 250ms;
}

}  // namespace

Supervisor::Component::~Component() {
  if (pipe_read >= 0) close(pipe_read);
  if (pipe_write >= 0) close(pipe_write);
}

Result<std::unique_ptr<Supervisor>> Supervisor::Create(SupervisorConfig config,
                                                       SupervisorOptions options) {
  FB_RETURN_IF_ERROR(Validate(config));
  std::unique_ptr<Supervisor> s(new Supervisor(std::move(config), std::move(options)));
  FB_RETURN_IF_ERROR(s->Init());
  return s;
}

Supervisor::Supervisor(SupervisorConfig config, SupervisorOptions options)
    : config_(std::move(config)), options_(std::move(options)), clock_(options_.clock),
      born_(clock_->Monotonic()) {}

Supervisor::~Supervisor() {
  for (auto& c : components_) {
    if (c->pid <= 0) continue;
    kill(-c->pid, SIGKILL);
    waitpid(c->pid, nullptr, 0);
  }
  components_.clear();
  server_.reset();
  if (signal_fd_ >= 0) close(signal_fd_);
  if (signals_blocked_) pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  if (options_.notify_fd >= 0) close(options_.notify_fd);
}

Status Supervisor::Init() {
  if (options_.subreaper && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return Status::Internal(std::string("cannot become a child subreaper: ") +
                            std::strerror(errno));
  }
  std::error_code ec;
  std::filesystem::create_directories(config_.log_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + config_.log_dir + ": " + ec.message());
  if (options_.handle_signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    signals_blocked_ = true;
    signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) return Status::Internal(std::string("signalfd: ") + std::strerror(errno));
  }
  if (!config_.status_listen.empty()) {
    auto handler = [this](const std::string& path) {
      std::string p = path.substr(0, path.find('?'));
      if (p == "/" || p == "/status") return StatusServer::Answer{200, "application/json",
                                                                  StatusToJson(Snapshot())};
      if (p == "/healthz") {
        bool ready = Snapshot().ready;
        return StatusServer::Answer{ready ? 200 : 503, "text/plain",
                                    ready ? "ok\n" : "not ready\n"};
      }
      return StatusServer::Answer{404, "text/plain", "try /status or /healthz\n"};
    };
    FB_ASSIGN_OR_RETURN(server_, StatusServer::Start(config_.status_listen, handler, clock_));
  }
  for (const auto& name : StartOrder(config_.components)) {
    auto it = std::find_if(config_.components.begin(), config_.components.end(),
                           [&](const ComponentSpec& s) { return s.name == name; });
    auto c = MakeComponent(*it);
    if (!c) return Status::Internal("cannot create the log pipe of " + name);
    components_.push_back(std::move(c));
  }
  return Status::Ok();
}

std::unique_ptr<Supervisor::Component> Supervisor::MakeComponent(const ComponentSpec& spec) {
  auto c = std::make_unique<Component>();
  c->spec = spec;
  c->tracker = std::make_unique<RestartTracker>(spec.backoff);
  c->log = std::make_unique<RotatingLog>(config_.log_dir + "/" + spec.name + ".log",
                                         config_.log_max_bytes, config_.log_keep);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  // Only our end is non-blocking: a component writing its logs must block, not fail.
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  c->pipe_read = fds[0];
  c->pipe_write = fds[1];
  return c;
}

void Supervisor::RequestShutdown() {
  if (shutting_down_) {
    kill_now_ = true;  // asked twice: no more grace
    return;
  }
  shutdown_requested_ = true;
}

void Supervisor::Reload() { reload_requested_ = true; }

int Supervisor::Run() {
  while (!finished_) Step(std::chrono::hours(1));
  return 0;
}

void Supervisor::Step(milliseconds max_wait) {
  PollSet set;
  AddPollFds(&set);
  auto now = clock_->Monotonic();
  auto until_timer =
      std::chrono::ceil<milliseconds>(std::max(NextTimer() - now, Duration::zero()));
  set.Wait(static_cast<int>(std::min(max_wait, until_timer).count()));
  Reap();
  Tick();
  if (server_) server_->Expire();
}

void Supervisor::AddPollFds(PollSet* set) {
  if (signal_fd_ >= 0) set->Add(signal_fd_, POLLIN, [this](short) { OnSignals(); });
  if (server_) server_->AddTo(set);
  for (auto& c : components_) {
    Component* comp = c.get();
    set->Add(comp->pipe_read, POLLIN, [this, comp](short) { DrainLog(comp); });
    if (comp->probe && comp->probe->fd() >= 0) {
      set->Add(comp->probe->fd(), comp->probe->events(),
               [comp](short revents) { comp->probe->OnEvents(revents); });
    }
  }
}

void Supervisor::OnSignals() {
  signalfd_siginfo info;
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGTERM || sig == SIGINT) {
      FB_LOG(kInfo, kTag) << "signal " << sig << ": shutting down";
      RequestShutdown();
    } else if (sig == SIGHUP) {
      FB_LOG(kInfo, kTag) << "SIGHUP: reloading " << options_.config_path;
      Reload();
    }
    // SIGCHLD: Reap() runs after every wait anyway.
  }
}

void Supervisor::DrainLog(Component* c) {
  char buf[65536];
  while (true) {
    ssize_t n = read(c->pipe_read, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    Status st = c->log->Append(std::string_view(buf, static_cast<size_t>(n)));
    if (!st.ok()) {
      FB_LOG(kWarn, kTag) << "log of " << c->spec.name << ": " << st.ToString();
    }
  }
}

void Supervisor::Reap() {
  while (true) {
    int raw = 0;
    pid_t pid = waitpid(-1, &raw, WNOHANG);
    if (pid <= 0) return;
    ExitStatus status = DecodeWaitStatus(raw);
    if (Component* c = FindByPid(pid)) {
      OnExit(c, status);
      continue;
    }
    bool was_probe = false;
    for (auto& c : components_) {
      if (c->probe && c->probe->pid() == pid) {
        c->probe->OnExit(status);
        was_probe = true;
      }
    }
    if (!was_probe) ++orphans_reaped_;
  }
}

void Supervisor::OnExit(Component* c, const ExitStatus& status) {
  auto now = clock_->Monotonic();
  if (c->pid > 0) kill(-c->pid, SIGKILL);  // what the component left in its process group
  DrainLog(c);
  c->process.reset();
  c->pid = 0;
  c->ready = false;
  c->killed = false;
  if (c->probe) c->probe->Expire();
  c->probe.reset();
  c->last_exit = status;
  Notify("exit " + c->spec.name + " " + status.ToString());
  if (c->state == State::kStopping || shutting_down_) {
    FB_LOG(kInfo, kTag) << c->spec.name << " stopped (" << status.ToString() << ")";
    FinishStopped(c);
    return;
  }
  bool restart = c->spec.restart == RestartPolicy::kAlways ||
                 (c->spec.restart == RestartPolicy::kOnFailure && !status.success());
  if (!restart) {
    c->state = status.success() ? State::kExited : State::kFailed;
    FB_LOG(kWarn, kTag) << c->spec.name << " ended (" << status.ToString() << "), not restarted";
    return;
  }
  auto delay = c->tracker->OnExit(c->started, now);
  c->state = State::kBackoff;
  c->next_start = now + delay;
  std::string line = "flytebox-sandbox: " + c->spec.name + " exited (" + status.ToString() +
                     "); restarting in " + std::to_string(delay.count()) + " ms" +
                     (c->tracker->crash_looping() ? " (crash-looping)" : "") + "\n";
  (void)c->log->Append(line);
  FB_LOG(kWarn, kTag) << line.substr(0, line.size() - 1);
}

void Supervisor::Tick() {
  auto now = clock_->Monotonic();
  if (shutdown_requested_ && !shutting_down_) {
    shutdown_requested_ = false;
    shutting_down_ = true;
  }
  if (reload_requested_ && !shutting_down_) {
    reload_requested_ = false;
    DoReload();
  }
  for (auto& c : components_) {
    if (c->probe && c->probe->outcome() == ProbeAttempt::Outcome::kPending &&
        now >= c->probe->deadline()) {
      c->probe->Expire();
    }
    if (c->probe && c->probe->outcome() != ProbeAttempt::Outcome::kPending) {
      OnProbeDone(c.get(), now);
    }
    if (c->ready) c->tracker->OnHealthy(c->started, now);
  }
  StopDue(now);
  if (!shutting_down_) StartDue(now);
  for (auto& c : components_) ProbeDue(c.get(), now);
  Sweep();
  bool all_ready = std::all_of(components_.begin(), components_.end(),
                               [](const auto& c) { return c->ready; });
  if (all_ready && !all_up_sent_ && !shutting_down_) {
    all_up_sent_ = true;
    FB_LOG(kInfo, kTag) << "all components ready";
    Notify("up");
    if (options_.notify_fd >= 0) close(options_.notify_fd);
    options_.notify_fd = -1;
  }
}

bool Supervisor::DepsReady(const Component& c) const {
  for (const auto& dep : c.spec.depends_on) {
    auto it = std::find_if(components_.begin(), components_.end(),
                           [&](const auto& o) { return o->spec.name == dep; });
    if (it == components_.end() || !(*it)->ready) return false;
  }
  return true;
}

void Supervisor::StartDue(Clock::MonoTime now) {
  for (auto& c : components_) {
    bool due = c->state == State::kPending || (c->state == State::kBackoff && now >= c->next_start);
    if (due && !c->remove_when_stopped && DepsReady(*c)) StartComponent(c.get(), now);
  }
}

void Supervisor::StartComponent(Component* c, Clock::MonoTime now) {
  ProcessSpec spec;
  spec.argv = c->spec.command;
  spec.env_overrides = c->spec.env;
  // Where this supervisor's status is read (the engine serves it to the console; see
  // embedded/server/supervisor_status.h).
  if (!config_.status_listen.empty()) {
    spec.env_overrides["FLYTEBOX_SUPERVISOR_STATUS"] = config_.status_listen;
  }
  spec.working_dir = c->spec.working_dir;
  spec.out = Output::Fd(c->pipe_write);
  spec.err = Output::Fd(c->pipe_write);
  if (c->has_run) ++c->restarts;
  c->has_run = true;
  c->started = now;
  c->ready = false;
  c->probe_failures = 0;
  auto process = options_.launcher->Launch(spec);
  if (!process.ok()) {
    // As good as a crash: back off and try again, so a fixed PATH or file recovers.
    c->detail = process.status().message();
    c->last_exit = ExitStatus{127, 0, false};
    auto delay = c->tracker->OnExit(now, now);
    c->state = State::kBackoff;
    c->next_start = now + delay;
    (void)c->log->Append("flytebox-sandbox: " + c->detail + "\n");
    Notify("exit " + c->spec.name + " " + c->detail);
    FB_LOG(kError, kTag) << c->spec.name << ": " << c->detail;
    return;
  }
  c->process = std::move(*process);
  c->pid = c->process->pid();
  c->state = State::kStarting;
  c->detail.clear();
  c->next_probe = now + (c->spec.probe.kind == Probe::Kind::kNone ? 0ms : 2ms);
  FB_LOG(kInfo, kTag) << "started " << c->spec.name << " (pid " << c->pid << ")";
}

void Supervisor::ProbeDue(Component* c, Clock::MonoTime now) {
  if (!c->process || c->probe || c->state == State::kStopping || now < c->next_probe) return;
  c->probe = ProbeAttempt::Start(c->spec.probe, options_.launcher, now + kProbeTimeout);
  if (c->probe->outcome() != ProbeAttempt::Outcome::kPending) OnProbeDone(c, now);
}

void Supervisor::OnProbeDone(Component* c, Clock::MonoTime now) {
  bool ok = c->probe->outcome() == ProbeAttempt::Outcome::kReady;
  std::string detail = c->probe->detail();
  c->probe.reset();
  if (!c->process || c->state == State::kStopping) return;
  if (ok) {
    c->probe_failures = 0;
    c->detail.clear();
    c->next_probe = now + kReadyProbePeriod;
    if (!c->ready) {
      c->ready = true;
      c->state = State::kRunning;
      FB_LOG(kInfo, kTag) << c->spec.name << " is ready";
      if (!c->announced) Notify("ready " + c->spec.name);
      c->announced = true;
    }
    return;
  }
  c->detail = detail;
  if (c->ready) {
    if (++c->probe_failures >= kProbeFailuresToUnready) {
      c->ready = false;
      FB_LOG(kWarn, kTag) << c->spec.name << " is no longer ready: " << detail;
    }
    c->next_probe = now + 1s;
    return;
  }
  c->next_probe = now + StartingProbeInterval(now - c->started);
}

Clock::MonoTime Supervisor::NextTimer() const {
  auto now = clock_->Monotonic();
  if (reload_requested_ || shutdown_requested_) return now;
  auto next = now + std::chrono::hours(1);
  for (const auto& c : components_) {
    if (c->state == State::kPending && !shutting_down_ && !c->remove_when_stopped &&
        DepsReady(*c)) {
      return now;
    }
    if (c->state == State::kBackoff) next = std::min(next, c->next_start);
    if (c->state == State::kStopping && !c->killed) next = std::min(next, c->stop_deadline);
    if (c->probe) {
      next = std::min(next, c->probe->deadline());
    } else if (c->process && c->state != State::kStopping) {
      next = std::min(next, c->next_probe);
    }
    if (c->ready && c->tracker->crash_looping()) {
      next = std::min(next, c->started + c->spec.backoff.stable_after);
    }
  }
  if (orphans_signaled_) next = std::min(next, orphan_deadline_);
  if (shutting_down_ && !orphans_signaled_) next = std::min(next, now + 50ms);
  return next;
}

Supervisor::Component* Supervisor::FindByPid(pid_t pid) {
  for (auto& c : components_) {
    if (c->pid == pid && c->process) return c.get();
  }
  return nullptr;
}

void Supervisor::Notify(const std::string& line) {
  if (options_.notify_fd < 0) return;
  std::string text = line + "\n";
  if (write(options_.notify_fd, text.data(), text.size()) < 0) {
    close(options_.notify_fd);  // the reader went away
    options_.notify_fd = -1;
  }
}

}  // namespace flytebox::sandbox
