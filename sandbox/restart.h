#pragma once

#include <chrono>
#include <deque>

#include "common/clock.h"
#include "sandbox/config.h"

namespace flytebox::sandbox {

// Back-off and crash-loop bookkeeping for one component, driven by the times it is given
// (from the supervisor's Clock), so it is tested without waiting. Not thread-safe.
//
// The delay before restart n (n = 1, 2, ...) since the component was last stable is
// initial * 2^(n-1), capped at max. A component that stays up for `stable_after` is stable:
// the count starts over and a crash loop ends. `crash_loop_exits` exits within
// `crash_loop_window` make a crash loop, which lasts until the component is stable again;
// the component keeps being restarted at the capped delay meanwhile.
class RestartTracker {
 public:
  using Duration = std::chrono::milliseconds;

  explicit RestartTracker(Backoff backoff) : backoff_(backoff) {}

  // Records an exit at `now` of a process started at `started`; returns the delay before
  // the next start.
  Duration OnExit(Clock::MonoTime started, Clock::MonoTime now);
  // Called while the process runs and is ready; clears the loop once it has been stable.
  void OnHealthy(Clock::MonoTime started, Clock::MonoTime now);

  bool crash_looping() const { return crash_looping_; }
  int consecutive_exits() const { return consecutive_; }

 private:
  Backoff backoff_;
  int consecutive_ = 0;
  bool crash_looping_ = false;
  std::deque<Clock::MonoTime> recent_exits_;
};

}  // namespace flytebox::sandbox
