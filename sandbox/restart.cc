#include "sandbox/restart.h"

#include <algorithm>

namespace flytebox::sandbox {

RestartTracker::Duration RestartTracker::OnExit(Clock::MonoTime started, Clock::MonoTime now) {
  if (now - started >= backoff_.stable_after) {
    consecutive_ = 0;
    crash_looping_ = false;
  }
  recent_exits_.push_back(now);
  while (!recent_exits_.empty() && now - recent_exits_.front() > backoff_.crash_loop_window) {
    recent_exits_.pop_front();
  }
  if (static_cast<int>(recent_exits_.size()) >= backoff_.crash_loop_exits) crash_looping_ = true;

  Duration delay = backoff_.initial;
  for (int i = 0; i < consecutive_ && delay < backoff_.max; ++i) delay *= 2;
  ++consecutive_;
  return std::min(delay, backoff_.max);
}

void RestartTracker::OnHealthy(Clock::MonoTime started, Clock::MonoTime now) {
  if (now - started < backoff_.stable_after) return;
  consecutive_ = 0;
  crash_looping_ = false;
  recent_exits_.clear();
}

}  // namespace flytebox::sandbox
