#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "embedded/executor/runner.h"

namespace flytebox::executor::testing {

// One attempt the executor started or re-attached to, as the runner saw it.
struct FakeAttempt {
  TaskRun run;          // what Start was given (for a re-attached attempt: only raw_io)
  std::string handle;   // unique across runners
  bool attached = false;
  bool ended = false;
  std::string killed;   // why the executor killed it; empty when it did not
};

// A TaskRunner that runs nothing: it records every attempt and lets the test decide when and
// how each one ends. Killing an attempt ends it at once as kKilled, as a real runner does.
// Attach finds only the handles given to AllowAttach. Thread-safe.
class FakeRunner : public TaskRunner {
 public:
  FakeRunner();
  ~FakeRunner() override;

  Result<std::unique_ptr<RunningTask>> Start(const TaskRun& run,
                                             std::function<void(RunResult)> done) override;
  Result<std::unique_ptr<RunningTask>> Attach(const std::string& handle,
                                              const std::string& log_path,
                                              const std::optional<RawIoRun>& raw_io,
                                              std::function<void(RunResult)> done) override;
  std::string name() const override { return "fake"; }

  void AllowAttach(const std::string& handle);
  // The handles Attach was asked for, in order.
  std::vector<std::string> attach_requests() const;
  // Attempts seen so far (started and re-attached), in order.
  size_t count() const;
  FakeAttempt attempt(size_t i) const;
  // Ends attempt i through the executor's callback; false when it had already ended.
  bool End(size_t i, RunResult result);
  // Waits (real time) until at least `n` attempts exist.
  bool WaitForCount(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  struct Shared;
  class Task;
  std::shared_ptr<Shared> shared_;
};

}  // namespace flytebox::executor::testing
