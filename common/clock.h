#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>

#include "common/thread_annotations.h"

namespace flytebox {

// Time is an interface so that back-off, timeouts, schedules and retries are tested by
// advancing a fake clock instead of sleeping. Implementations are thread-safe.
class Clock {
 public:
  using WallTime = std::chrono::system_clock::time_point;
  using MonoTime = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual MonoTime Monotonic() const = 0;
  // Blocks until Monotonic() >= deadline or Wake() is called; returns early on Wake().
  virtual void SleepUntil(MonoTime deadline) = 0;
  // Interrupts every SleepUntil in progress.
  virtual void Wake() = 0;
  // Waits on the caller's condition variable until it is notified (or wakes spuriously) or
  // Monotonic() reaches `deadline`. `lock` must hold the mutex that guards what the caller
  // waits for and that notifiers take before notifying; it is held again on return. Unlike
  // SleepUntil, a wait here is woken only by its own notifiers, not by Wake(). The default
  // (for clocks that only step) releases the lock and sleeps until the deadline.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         MonoTime deadline);

  // The process-wide real clock. Never null.
  static Clock* Real();
};

// A clock that moves only when told. Sleepers wake when Advance() passes their deadline.
class FakeClock : public Clock {
 public:
  explicit FakeClock(WallTime start = WallTime(std::chrono::seconds(1'700'000'000)));

  WallTime Now() const override;
  MonoTime Monotonic() const override;
  void SleepUntil(MonoTime deadline) override;
  void Wake() override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 MonoTime deadline) override;

  void Advance(std::chrono::nanoseconds by);
  // Number of threads blocked in SleepUntil right now; lets tests wait for a sleeper
  // without sleeping themselves.
  int sleepers() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  WallTime wall_ GUARDED_BY(mu_);
  MonoTime mono_ GUARDED_BY(mu_);
  int sleepers_ GUARDED_BY(mu_) = 0;
  unsigned wake_gen_ GUARDED_BY(mu_) = 0;
  // Callers in WaitUntil, told by Advance.
  std::set<std::pair<std::condition_variable*, std::mutex*>> waiters_ GUARDED_BY(mu_);
};

}  // namespace flytebox
