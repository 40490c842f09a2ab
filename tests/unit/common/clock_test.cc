#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace flytebox {
namespace {

using namespace std::chrono_literals;

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  auto wall = clock.Now();
  auto mono = clock.Monotonic();
  clock.Advance(90s);
  EXPECT_EQ(clock.Now() - wall, 90s);
  EXPECT_EQ(clock.Monotonic() - mono, 90s);
}

TEST(FakeClockTest, SleeperWakesWhenDeadlinePasses) {
  FakeClock clock;
  std::atomic<bool> woke{false};
  auto deadline = clock.Monotonic() + 10s;
  std::thread sleeper([&] {
    clock.SleepUntil(deadline);
    woke = true;
  });
  while (clock.sleepers() == 0) std::this_thread::yield();
  clock.Advance(5s);
  EXPECT_FALSE(woke.load());
  EXPECT_EQ(clock.sleepers(), 1);
  clock.Advance(5s);
  sleeper.join();
  EXPECT_TRUE(woke.load());
}

TEST(FakeClockTest, WakeInterruptsSleep) {
  FakeClock clock;
  std::thread sleeper([&] { clock.SleepUntil(clock.Monotonic() + 1h); });
  while (clock.sleepers() == 0) std::this_thread::yield();
  clock.Wake();
  sleeper.join();
  EXPECT_EQ(clock.sleepers(), 0);
}

TEST(FakeClockTest, WaitUntilWakesWhenDeadlinePasses) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> woke{false};
  auto deadline = clock.Monotonic() + 10s;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (clock.Monotonic() < deadline) clock.WaitUntil(cv, lock, deadline);
    woke = true;
  });
  while (clock.sleepers() == 0) std::this_thread::yield();
  clock.Advance(10s);
  waiter.join();
  EXPECT_TRUE(woke.load());
  EXPECT_EQ(clock.sleepers(), 0);
}

TEST(FakeClockTest, WaitUntilWakesOnItsOwnNotify) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool posted = false;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!posted) clock.WaitUntil(cv, lock, clock.Monotonic() + 1h);
  });
  while (clock.sleepers() == 0) std::this_thread::yield();
  {
    std::lock_guard<std::mutex> lock(mu);
    posted = true;
  }
  cv.notify_all();
  waiter.join();
  EXPECT_EQ(clock.sleepers(), 0);
}

TEST(FakeClockTest, WaitUntilReturnsAtOnceWhenDeadlinePassed) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  clock.WaitUntil(cv, lock, clock.Monotonic());
  EXPECT_TRUE(lock.owns_lock());
}

TEST(RealClockTest, WakeInterruptsSleep) {
  Clock* clock = Clock::Real();
  auto start = clock->Monotonic();
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    clock->Wake();
  });
  clock->SleepUntil(start + 1h);
  waker.join();
  EXPECT_LT(clock->Monotonic() - start, 1h);
}

}  // namespace
}  // namespace flytebox
