// Stopping components: in reverse start order at shutdown (a component only once nothing
// that depends on it runs), SIGKILL after the grace period, leftover processes last; and
// reloads, which stop what the new configuration removes or changes.
#include <signal.h>
#include <unistd.h>

#include <algorithm>

#include "common/log.h"
#include "sandbox/proc_stats.h"
#include "sandbox/supervisor.h"

namespace flytebox::sandbox {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTag = "supervisor";
constexpr auto kOrphanGrace = 2s;

}  // namespace

bool Supervisor::HasLiveDependents(const Component& c) const {
  for (const auto& o : components_) {
    bool live =
        o->state == State::kStarting || o->state == State::kRunning || o->state == State::kStopping;
    if (live && std::count(o->spec.depends_on.begin(), o->spec.depends_on.end(), c.spec.name)) {
      return true;
    }
  }
  return false;
}

void Supervisor::BeginStop(Component* c, Clock::MonoTime now) {
  if (!c->process) {
    FinishStopped(c);
    return;
  }
  FB_LOG(kInfo, kTag) << "stopping " << c->spec.name << " (pid " << c->pid << ")";
  c->process->Signal(SIGTERM);
  c->state = State::kStopping;
  c->ready = false;
  c->stop_deadline = now + c->spec.grace_period;
}

void Supervisor::StopDue(Clock::MonoTime now) {
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) {
    Component* c = it->get();
    if (c->state == State::kStopping) {
      if ((kill_now_ || now >= c->stop_deadline) && !c->killed) {
        FB_LOG(kWarn, kTag) << c->spec.name << " did not stop in time: SIGKILL";
        if (c->pid > 0) kill(-c->pid, SIGKILL);
        c->killed = true;
      }
      continue;
    }
    if (!shutting_down_) continue;
    if (c->state == State::kPending || c->state == State::kBackoff) {
      c->state = State::kStopped;
    } else if ((c->state == State::kStarting || c->state == State::kRunning) &&
               !HasLiveDependents(*c)) {
      BeginStop(c, now);
    }
  }
  if (!shutting_down_) return;
  bool all_down = std::all_of(components_.begin(), components_.end(), [](const auto& c) {
    return c->state == State::kStopped || c->state == State::kExited || c->state == State::kFailed;
  });
  if (all_down) StopOrphans(now);
}

void Supervisor::StopOrphans(Clock::MonoTime now) {
  // Done only when no child is left at all: a zombie is reaped by the next Step.
  std::vector<pid_t> children = ChildrenOf(getpid());
  if (children.empty()) {
    finished_ = true;
    return;
  }
  std::vector<pid_t> orphans;
  for (pid_t pid : children) {
    auto stats = ReadProcStats(pid);
    if (stats && stats->state != 'Z') orphans.push_back(pid);
  }
  if (!orphans_signaled_) {
    orphans_signaled_ = true;
    orphan_deadline_ = now + kOrphanGrace;
    for (pid_t pid : orphans) kill(pid, SIGTERM);
    FB_LOG(kInfo, kTag) << "stopping " << orphans.size() << " leftover process(es)";
  } else if (kill_now_ || now >= orphan_deadline_) {
    for (pid_t pid : orphans) kill(pid, SIGKILL);
  }
}

void Supervisor::FinishStopped(Component* c) {
  c->state = State::kStopped;
  if (c->replacement && !shutting_down_) {
    c->spec = *c->replacement;
    c->replacement.reset();
    c->tracker = std::make_unique<RestartTracker>(c->spec.backoff);
    c->restarts = 0;
    c->has_run = false;
    c->announced = false;
    c->state = State::kPending;
  }
}

void Supervisor::Sweep() {
  components_.erase(
      std::remove_if(components_.begin(), components_.end(),
                     [](const auto& c) { return c->remove_when_stopped && !c->process; }),
      components_.end());
}

void Supervisor::DoReload() {
  ++reloads_;
  if (options_.config_path.empty()) {
    reload_error_ = "no configuration file to reload";
    return;
  }
  auto next = LoadConfig(options_.config_path);
  if (!next.ok()) {
    reload_error_ = next.status().message();
    FB_LOG(kError, kTag) << "reload refused: " << reload_error_;
    return;
  }
  ApplyReload(*next);
  reload_error_.clear();
  ++config_generation_;
  FB_LOG(kInfo, kTag) << "configuration " << config_generation_ << " applied";
}

void Supervisor::ApplyReload(const SupervisorConfig& next) {
  auto now = clock_->Monotonic();
  config_.log_max_bytes = next.log_max_bytes;
  config_.log_keep = next.log_keep;
  for (auto& c : components_) {
    auto it = std::find_if(next.components.begin(), next.components.end(),
                           [&](const ComponentSpec& s) { return s.name == c->spec.name; });
    if (it == next.components.end()) {
      c->remove_when_stopped = true;
      if (c->process) BeginStop(c.get(), now);
    } else if (!(*it == c->spec)) {
      c->replacement = *it;
      if (c->process) {
        BeginStop(c.get(), now);
      } else {
        FinishStopped(c.get());
      }
    }
  }
  std::vector<std::unique_ptr<Component>> ordered;
  for (const auto& name : StartOrder(next.components)) {
    auto it = std::find_if(components_.begin(), components_.end(),
                           [&](const auto& c) { return c && c->spec.name == name; });
    if (it != components_.end() && !(*it)->remove_when_stopped) {
      ordered.push_back(std::move(*it));
      continue;
    }
    auto spec = std::find_if(next.components.begin(), next.components.end(),
                             [&](const ComponentSpec& s) { return s.name == name; });
    if (auto c = MakeComponent(*spec)) ordered.push_back(std::move(c));
  }
  for (auto& c : components_) {
    if (c) ordered.push_back(std::move(c));  // being removed: kept until stopped
  }
  components_ = std::move(ordered);
  config_.components = next.components;
}

}  // namespace flytebox::sandbox
