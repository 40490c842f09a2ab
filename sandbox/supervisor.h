#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "common/subprocess.h"
#include "sandbox/config.h"
#include "sandbox/poll_set.h"
#include "sandbox/probe.h"
#include "sandbox/restart.h"
#include "sandbox/rotating_log.h"
#include "sandbox/status.h"
#include "sandbox/status_server.h"

namespace flytebox::sandbox {

struct SupervisorOptions {
  Clock* clock = Clock::Real();
  ProcessLauncher* launcher = ProcessLauncher::Real();
  // Re-read by Reload(); empty: Reload() refuses.
  std::string config_path;
  // Block SIGCHLD, SIGTERM, SIGINT and SIGHUP in the calling thread and act on them from
  // the loop (TERM/INT: shut down, a second one: kill now; HUP: reload). Call from the only
  // thread, before any other thread starts.
  bool handle_signals = true;
  // Become the child subreaper (native mode), so orphans of the components are reaped here.
  // Not needed as PID 1, which inherits every orphan anyway.
  bool subreaper = false;
  // Progress lines for the process that started the supervisor, one per event:
  // "ready NAME", "exit NAME DESCRIPTION", "up" (every component ready; the descriptor is
  // closed after it), "error MESSAGE". -1: none. Owned by the supervisor.
  int notify_fd = -1;
  std::string version;  // the supervisor's own, for the status endpoint
};

// Runs components as described by a SupervisorConfig: starts them in dependency order once
// their dependencies are ready, probes readiness, restarts crashed ones with back-off,
// reports crash loops, reaps every child (including orphans handed to it), captures output
// into rotating logs, serves the status endpoint, and on shutdown stops components in
// reverse dependency order (SIGTERM to the process group, SIGKILL after the grace period)
// and then any remaining children.
//
// Single-threaded: everything happens in Step(), called by Run() or by a test. The Clock
// decides every time-based action; Step() blocks on I/O at most until the next of them.
class Supervisor {
 public:
  static Result<std::unique_ptr<Supervisor>> Create(SupervisorConfig config,
                                                    SupervisorOptions options);
  // Kills (SIGKILL, process groups) and reaps components still running: Run() returns only
  // once they are stopped properly, so this is for abandoned supervisors (tests, errors).
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // One turn of the loop: wait for I/O or signals up to `max_wait` (less when a timer is due
  // sooner), then act on everything that is due.
  void Step(std::chrono::milliseconds max_wait);
  // Steps until shut down; returns the process exit code (0 after a clean shutdown).
  int Run();

  void RequestShutdown();
  // Re-reads options.config_path and applies the differences (added components start,
  // removed ones stop, changed ones restart). A bad file is refused and reported in status.
  void Reload();

  bool finished() const { return finished_; }
  SupervisorStatus Snapshot() const;

 private:
  enum class State {
    kPending, kStarting, kRunning, kBackoff, kStopping, kStopped, kExited, kFailed
  };

  struct Component {
    ComponentSpec spec;
    State state = State::kPending;
    std::unique_ptr<Process> process;
    pid_t pid = 0;
    Clock::MonoTime started{};
    Clock::MonoTime next_start{};
    Clock::MonoTime stop_deadline{};
    bool ready = false;
    bool announced = false;  // "ready NAME" sent
    int restarts = 0;
    int probe_failures = 0;
    std::optional<ExitStatus> last_exit;
    std::string detail;
    std::unique_ptr<RestartTracker> tracker;
    std::unique_ptr<ProbeAttempt> probe;
    Clock::MonoTime next_probe{};
    std::unique_ptr<RotatingLog> log;
    int pipe_read = -1;
    int pipe_write = -1;
    bool has_run = false;
    bool killed = false;  // SIGKILL sent while stopping
    bool remove_when_stopped = false;
    std::optional<ComponentSpec> replacement;  // changed by a reload: started once stopped

    ~Component();
  };

  Supervisor(SupervisorConfig config, SupervisorOptions options);
  Status Init();
  std::unique_ptr<Component> MakeComponent(const ComponentSpec& spec);

  void AddPollFds(PollSet* set);
  void OnSignals();
  void DrainLog(Component* c);
  void Reap();
  void OnExit(Component* c, const ExitStatus& status);
  void Tick();
  void StartDue(Clock::MonoTime now);
  void StartComponent(Component* c, Clock::MonoTime now);
  void ProbeDue(Component* c, Clock::MonoTime now);
  void OnProbeDone(Component* c, Clock::MonoTime now);
  void StopDue(Clock::MonoTime now);
  void BeginStop(Component* c, Clock::MonoTime now);
  void FinishStopped(Component* c);
  void StopOrphans(Clock::MonoTime now);
  void DoReload();
  void ApplyReload(const SupervisorConfig& next);
  void Sweep();
  Clock::MonoTime NextTimer() const;
  bool DepsReady(const Component& c) const;
  bool HasLiveDependents(const Component& c) const;
  Component* FindByPid(pid_t pid);
  void Notify(const std::string& line);
  std::string StateName(const Component& c) const;

  SupervisorConfig config_;
  SupervisorOptions options_;
  Clock* clock_;
  Clock::MonoTime born_;
  std::vector<std::unique_ptr<Component>> components_;  // in start order
  std::unique_ptr<StatusServer> server_;
  int signal_fd_ = -1;
  bool shutting_down_ = false;
  bool kill_now_ = false;
  bool orphans_signaled_ = false;
  Clock::MonoTime orphan_deadline_{};
  bool finished_ = false;
  bool all_up_sent_ = false;
  int config_generation_ = 1;
  int reloads_ = 0;
  std::string reload_error_;
  int64_t orphans_reaped_ = 0;
  bool reload_requested_ = false;
  bool shutdown_requested_ = false;
  bool signals_blocked_ = false;
  sigset_t old_mask_{};
};

}  // namespace flytebox::sandbox
