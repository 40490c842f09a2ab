#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace flytebox::cli {

// The lock that makes a state folder run at most one sandbox: an exclusive flock on
// <state>/lock, taken by `demo start` and handed to the supervisor, which holds it for its
// whole life. So "a sandbox runs" is exactly "the lock is held", with nothing stale left
// behind by a crash.
class StateLock {
 public:
  // Takes the lock without waiting for its holder (only a few ms, on `clock`, for an
  // IsHeld() probe to let go). ALREADY_EXISTS when someone holds it.
  static Result<StateLock> TryAcquire(const std::string& lock_path, Clock* clock = Clock::Real());
  // True when a process holds the lock (a sandbox runs).
  static bool IsHeld(const std::string& lock_path);

  StateLock(StateLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  // The descriptor, for handing to the supervisor (see supervisor --keep-fd).
  int fd() const { return fd_; }

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace flytebox::cli
