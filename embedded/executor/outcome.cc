#include "embedded/executor/outcome.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

AttemptOutcome Failed(std::string code, std::string message, fc::ExecutionError::ErrorKind kind,
                      bool recoverable) {
  AttemptOutcome o;
  o.kind = AttemptOutcome::Kind::kFailed;
  o.error = {std::move(code), std::move(message), kind, recoverable};
  return o;
}

AttemptOutcome Failed(NodeError error) {
  AttemptOutcome o;
  o.kind = AttemptOutcome::Kind::kFailed;
  o.error = std::move(error);
  return o;
}

}  // namespace

AttemptOutcome ClassifyAttempt(const AttemptFacts& f) {
  using K = RunResult::Kind;
  if (f.timed_out) {
    return Failed("TimeoutExpired", "task timed out after its configured timeout",
                  fc::ExecutionError::USER, true);
  }
  if (f.wrote_futures) {
    AttemptOutcome o;
    o.kind = AttemptOutcome::Kind::kDynamic;
    return o;
  }
  if (!f.error_read.ok()) {
    return Failed("ErrorReadFailure", f.error_read.message(), fc::ExecutionError::SYSTEM, true);
  }
  if (f.error_doc) return Failed(*f.error_doc);
  if (f.raw_error) return Failed(*f.raw_error);
  if (f.result.kind == K::kKilled) {
    return Failed("Killed", f.result.message, fc::ExecutionError::SYSTEM, true);
  }
  if (f.result.kind == K::kNotStarted) {  // the same command would not start on a retry
    return Failed("TaskCommandNotFound", f.result.message, fc::ExecutionError::USER, false);
  }
  if (f.result.kind == K::kExited && f.result.exit_code != 0) {
    if (f.log_tail.find("No module named 'flytekit'") != std::string::npos) {
      return Failed("FlytekitNotInstalled",
                    "the task's Python has no flytekit: install it there (python -m pip install "
                    "flytekit) or give the engine a Python that has it (--python); its log ends "
                    "with:\n" +
                        f.log_tail,
                    fc::ExecutionError::USER, false);
    }
    return Failed("NonZeroExit",
                  "the task process exited with code " + std::to_string(f.result.exit_code) +
                      (f.log_tail.empty() ? std::string() : "; its log ends with:\n" + f.log_tail),
                  fc::ExecutionError::USER, true);
  }
  AttemptOutcome o;
  if (f.outputs_read.ok()) {
    o.has_outputs = true;
    return o;
  }
  if (f.result.kind == K::kLost) {
    return Failed(f.result.code.empty() ? "TaskLost" : f.result.code, f.result.message,
                  fc::ExecutionError::SYSTEM, f.result.recoverable);
  }
  if (f.declares_outputs) {
    return Failed("OutputsNotFound", "the task ended without writing " + f.outputs_uri,
                  fc::ExecutionError::USER, true);
  }
  return o;  // nothing declared, nothing written
}

int MaxAttempts(const fc::Node& node, const fc::TaskTemplate& task) {
  const auto& retries = node.metadata().has_retries() ? node.metadata().retries()
                                                      : task.metadata().retries();
  return static_cast<int>(retries.retries()) + 1;
}

RetryDecision DecideRetry(const NodeError& error, const RetryBudget& budget, bool aborting) {
  RetryDecision d;
  d.system_failures = budget.system_failures;
  if (error.recoverable && !aborting) {
    if (error.kind == fc::ExecutionError::SYSTEM) {
      d.retry = ++d.system_failures <= kMaxSystemRetries;
    } else {
      d.retry = (budget.attempt + 1 - budget.system_failures) < budget.max_attempts;
    }
  }
  d.error = error;
  if (!d.retry && error.recoverable) d.error.code = "RetriesExhausted|" + error.code;
  return d;
}

}  // namespace flytebox::executor
