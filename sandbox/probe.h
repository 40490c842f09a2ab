#pragma once

#include <poll.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/subprocess.h"
#include "sandbox/config.h"

namespace flytebox::sandbox {

// One readiness check in flight, driven by the supervisor's poll loop: the loop waits for
// `events()` on `fd()` and calls OnEvents(); an exec probe has no descriptor and finishes
// when the supervisor reaps `pid()` and calls OnExit(). Not thread-safe.
class ProbeAttempt {
 public:
  enum class Outcome { kPending, kReady, kNotReady };

  // Starts the check. An attempt that cannot even start is returned already kNotReady.
  static std::unique_ptr<ProbeAttempt> Start(const Probe& probe, ProcessLauncher* launcher,
                                             Clock::MonoTime deadline);
  ~ProbeAttempt();
  ProbeAttempt(const ProbeAttempt&) = delete;
  ProbeAttempt& operator=(const ProbeAttempt&) = delete;

  int fd() const { return fd_; }
  short events() const { return phase_ == Phase::kConnecting || phase_ == Phase::kSending
                                    ? POLLOUT : POLLIN; }
  pid_t pid() const { return pid_; }
  Clock::MonoTime deadline() const { return deadline_; }
  Outcome outcome() const { return outcome_; }
  // Why the last check failed, for the status endpoint.
  const std::string& detail() const { return detail_; }

  void OnEvents(short revents);
  void OnExit(const ExitStatus& status);
  // The deadline passed: the check fails, an exec probe's process group is killed.
  void Expire();

 private:
  enum class Phase { kConnecting, kSending, kReading, kDone };

  ProbeAttempt(Probe probe, Clock::MonoTime deadline)
      : probe_(std::move(probe)), deadline_(deadline) {}
  void Finish(Outcome outcome, std::string detail);
  void OnConnected();
  void OnSendable();
  void OnReadable();

  Probe probe_;
  Clock::MonoTime deadline_;
  Phase phase_ = Phase::kConnecting;
  Outcome outcome_ = Outcome::kPending;
  std::string detail_;
  int fd_ = -1;
  pid_t pid_ = -1;
  std::unique_ptr<Process> process_;
  std::string request_;
  std::string response_;
};

}  // namespace flytebox::sandbox
