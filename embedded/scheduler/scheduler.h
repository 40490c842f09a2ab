#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "embedded/admin/admin.h"
#include "embedded/schedule/schedule.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::scheduler {

struct SchedulerOptions {
  admin::Admin* admin = nullptr;          // not owned; required: creates the executions
  store::MetadataStore* store = nullptr;  // not owned; required: launch plans, last firings
  Clock* clock = Clock::Real();
  // Catch-up after downtime: of the firings missed while the engine was down, at most this
  // many (the latest) are created; the earlier ones are skipped and logged. At least 1.
  size_t max_catch_up = 3;
  // The longest sleep between two passes: bounds the effect of a wall-clock jump and of a
  // change announced just as the loop falls asleep.
  std::chrono::seconds max_sleep{60};
  // How long a firing that failed for a passing reason (UNAVAILABLE, INTERNAL, ...) waits
  // before it is tried again.
  std::chrono::seconds retry_after{30};
};

// Flyte's scheduler: fires the schedules of ACTIVE launch plans by creating executions
// through Admin, with mode SCHEDULED, `metadata.scheduled_at` and the kickoff input set to
// the scheduled time, under a name derived from the launch plan id and that time
// (ScheduledExecutionName), so that repeating a firing is harmless (ALREADY_EXISTS is
// ignored).
//
// The last firing of each launch plan (by project, domain and name) is stored in the
// metadata store (Table::kSchedule), written after the execution is created. A schedule
// fires after max(activation time, last firing), so a restart neither repeats firings nor
// fires for times before activation; firings missed while down are caught up as
// SchedulerOptions::max_catch_up says.
//
// The loop sleeps on the Clock until the next firing is due or OnLaunchPlanChanged wakes
// it. Thread-safe.
class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Starts the background loop; its first pass loads the active schedules.
  void Start();
  // Stops and joins the loop. Idempotent.
  void Stop();

  // To be called after a launch plan is created or changes state (AdminOptions::
  // on_launch_plan_saved): the next pass, which this wakes, reloads the active schedules.
  // Returns at once; never touches the store.
  void OnLaunchPlanChanged(const fa::LaunchPlan& lp);

  // One pass: reloads the active schedules when they may have changed (always on the first
  // pass), creates the executions that are due, and returns when the next one is due
  // (nullopt: nothing is scheduled). The loop calls this; without Start, tests may too.
  Result<std::optional<WallTime>> RunPass();

  // Completed passes.
  int64_t passes() const { return passes_.load(); }
  // Blocks until at least `count` passes have completed or `timeout` (real time) passed;
  // returns whether they have. For tests and diagnostics.
  bool WaitForPasses(int64_t count, std::chrono::milliseconds timeout);

 private:
  struct Entry {
    fc::Identifier id;  // the active version
    Schedule schedule;
    int64_t activated_us = 0;  // closure.updated_at when loaded: tells re-activations apart
    WallTime from;             // the last firing, or the activation time
    std::optional<WallTime> next;
    WallTime retry_at;  // after a firing failed for a passing reason
  };

  Status Reload();
  Result<Entry> LoadEntry(const fa::LaunchPlan& lp);
  void FireDue(Entry& entry, WallTime now);
  // OK, or the error of a firing to retry later.
  Status Fire(const Entry& entry, WallTime scheduled);
  void SaveLastFiring(const Entry& entry);
  void Loop();

  SchedulerOptions options_;

  std::mutex pass_mu_;                   // held during a pass
  std::map<std::string, Entry> entries_ GUARDED_BY(pass_mu_);  // by "project/domain/name"
  std::set<std::string> invalid_ GUARDED_BY(pass_mu_);         // logged unparseable schedules

  mutable std::mutex mu_;
  std::condition_variable cv_;      // passes and loop exit
  bool dirty_ GUARDED_BY(mu_) = true;
  std::set<std::string> tracked_ GUARDED_BY(mu_);  // keys of entries_, for OnLaunchPlanChanged
  bool stopping_ GUARDED_BY(mu_) = false;
  bool exited_ GUARDED_BY(mu_) = false;
  std::atomic<int64_t> passes_{0};
  std::thread thread_;
};

}  // namespace flytebox::scheduler
