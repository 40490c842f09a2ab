// The supervisor's state as the status endpoint and `flytebox demo status` show it.
#include <unistd.h>

#include "sandbox/proc_stats.h"
#include "sandbox/supervisor.h"

namespace flytebox::sandbox {
namespace {

double Seconds(Clock::MonoTime::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

std::string Supervisor::StateName(const Component& c) const {
  bool looping_states =
      c.state == State::kStarting || c.state == State::kRunning || c.state == State::kBackoff;
  if (looping_states && c.tracker->crash_looping()) return "crash-looping";
  switch (c.state) {
    case State::kPending: return "pending";
    case State::kStarting: return "starting";
    case State::kRunning: return "running";
    case State::kBackoff: return "backoff";
    case State::kStopping: return "stopping";
    case State::kStopped: return "stopped";
    case State::kExited: return "exited";
    case State::kFailed: return "failed";
  }
  return "unknown";
}

SupervisorStatus Supervisor::Snapshot() const {
  auto now = clock_->Monotonic();
  SupervisorStatus s;
  s.pid = getpid();
  s.version = options_.version;
  s.state = shutting_down_ ? "stopping" : "running";
  s.uptime_seconds = Seconds(now - born_);
  if (auto own = ReadProcStats(s.pid)) {
    s.cpu_seconds = own->cpu_seconds;
    s.rss_bytes = own->rss_bytes;
  }
  s.config_generation = config_generation_;
  s.reloads = reloads_;
  s.reload_error = reload_error_;
  s.orphans_reaped = orphans_reaped_;
  s.ready = true;
  for (const auto& c : components_) {
    ComponentStatus cs;
    cs.name = c->spec.name;
    cs.state = StateName(*c);
    // A crash-looping component is not ready between its exits, until it has stayed up.
    cs.ready = c->ready && cs.state != "crash-looping";
    cs.restarts = c->restarts;
    cs.ports = c->spec.ports;
    cs.version = c->spec.version;
    cs.detail = c->detail;
    cs.log = c->log->path();
    if (c->last_exit) cs.last_exit = c->last_exit->ToString();
    if (c->process) {
      cs.pid = c->pid;
      cs.uptime_seconds = Seconds(now - c->started);
      if (auto stats = ReadProcStats(c->pid)) {
        cs.cpu_seconds = stats->cpu_seconds;
        cs.rss_bytes = stats->rss_bytes;
      }
    }
    s.ready = s.ready && cs.ready;
    s.components.push_back(std::move(cs));
  }
  return s;
}

}  // namespace flytebox::sandbox
