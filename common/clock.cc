#include "common/clock.h"

namespace flytebox {
namespace {

class RealClock : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime Monotonic() const override { return std::chrono::steady_clock::now(); }

  void SleepUntil(MonoTime deadline) override {
    std::unique_lock<std::mutex> lock(mu_);
    unsigned gen = wake_gen_;
    cv_.wait_until(lock, deadline, [&] { return wake_gen_ != gen; });
  }

  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 MonoTime deadline) override {
    cv.wait_until(lock, deadline);
  }

  void Wake() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++wake_gen_;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned wake_gen_ GUARDED_BY(mu_) = 0;
};

}  // namespace

void Clock::WaitUntil(std::condition_variable& /*cv*/, std::unique_lock<std::mutex>& lock,
                      MonoTime deadline) {
  lock.unlock();
  SleepUntil(deadline);
  lock.lock();
}

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();  // never destroyed: used by detached threads
  return clock;
}

FakeClock::FakeClock(WallTime start) : wall_(start), mono_(MonoTime(std::chrono::hours(1))) {}

Clock::WallTime FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_;
}

Clock::MonoTime FakeClock::Monotonic() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mono_;
}

void FakeClock::SleepUntil(MonoTime deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  unsigned gen = wake_gen_;
  ++sleepers_;
  cv_.wait(lock, [&] { return mono_ >= deadline || wake_gen_ != gen; });
  --sleepers_;
  cv_.notify_all();
}

void FakeClock::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wake_gen_;
  }
  cv_.notify_all();
}

// The caller holds its own mutex from before it registers until cv.wait releases it, and
// Advance takes that mutex before notifying: a deadline passed in between is never missed.
void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          MonoTime deadline) {
  std::pair<std::condition_variable*, std::mutex*> me{&cv, lock.mutex()};
  {
    std::lock_guard<std::mutex> own(mu_);
    if (mono_ >= deadline) return;
    waiters_.insert(me);
    ++sleepers_;
  }
  cv.wait(lock);
  std::lock_guard<std::mutex> own(mu_);
  waiters_.erase(me);
  --sleepers_;
}

void FakeClock::Advance(std::chrono::nanoseconds by) {
  std::set<std::pair<std::condition_variable*, std::mutex*>> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wall_ += std::chrono::duration_cast<WallTime::duration>(by);
    mono_ += by;
    waiters = waiters_;
  }
  cv_.notify_all();
  for (auto [cv, mu] : waiters) {
    std::lock_guard<std::mutex> lock(*mu);
    cv->notify_all();
  }
}

int FakeClock::sleepers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleepers_;
}

}  // namespace flytebox
