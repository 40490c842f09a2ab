#include "sandbox/restart.h"

#include <gtest/gtest.h>

namespace flytebox::sandbox {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

Backoff TestBackoff() {
  Backoff b;
  b.initial = 100ms;
  b.max = 1000ms;
  b.stable_after = 10s;
  b.crash_loop_exits = 4;
  b.crash_loop_window = 60s;
  return b;
}

TEST(RestartTrackerTest, DelaysDoubleUpToTheCap) {
  FakeClock clock;
  RestartTracker t(TestBackoff());
  std::vector<milliseconds> delays;
  for (int i = 0; i < 6; ++i) {
    auto started = clock.Monotonic();
    clock.Advance(1ms);
    auto delay = t.OnExit(started, clock.Monotonic());
    delays.push_back(delay);
    clock.Advance(delay);
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms}));
}

TEST(RestartTrackerTest, AStableRunStartsTheCountOver) {
  FakeClock clock;
  RestartTracker t(TestBackoff());
  for (int i = 0; i < 3; ++i) (void)t.OnExit(clock.Monotonic(), clock.Monotonic());
  auto started = clock.Monotonic();
  clock.Advance(10s);
  EXPECT_EQ(t.OnExit(started, clock.Monotonic()), 100ms);
}

TEST(RestartTrackerTest, RepeatedExitsWithinTheWindowAreACrashLoop) {
  FakeClock clock;
  RestartTracker t(TestBackoff());
  for (int i = 0; i < 3; ++i) {
    (void)t.OnExit(clock.Monotonic(), clock.Monotonic());
    clock.Advance(1s);
    EXPECT_FALSE(t.crash_looping()) << "after exit " << i + 1;
  }
  (void)t.OnExit(clock.Monotonic(), clock.Monotonic());
  EXPECT_TRUE(t.crash_looping());
}

TEST(RestartTrackerTest, ExitsSpreadBeyondTheWindowAreNot) {
  FakeClock clock;
  Backoff b = TestBackoff();
  b.stable_after = 100s;  // the runs below are never long enough to count as stable
  RestartTracker t(b);
  for (int i = 0; i < 8; ++i) {
    clock.Advance(25s);
    (void)t.OnExit(clock.Monotonic() - 5s, clock.Monotonic());
  }
  // 8 exits 25 s apart: never 4 within 60 s.
  EXPECT_FALSE(t.crash_looping());
  EXPECT_EQ(t.consecutive_exits(), 8);
}

TEST(RestartTrackerTest, HealthyLongEnoughEndsTheLoop) {
  FakeClock clock;
  RestartTracker t(TestBackoff());
  for (int i = 0; i < 4; ++i) (void)t.OnExit(clock.Monotonic(), clock.Monotonic());
  ASSERT_TRUE(t.crash_looping());
  auto started = clock.Monotonic();
  clock.Advance(9s);
  t.OnHealthy(started, clock.Monotonic());
  EXPECT_TRUE(t.crash_looping());
  clock.Advance(1s);
  t.OnHealthy(started, clock.Monotonic());
  EXPECT_FALSE(t.crash_looping());
  EXPECT_EQ(t.consecutive_exits(), 0);
}

}  // namespace
}  // namespace flytebox::sandbox
