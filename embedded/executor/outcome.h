#pragma once
// How a task attempt ended, judged in one place for every node kind and every runner, and
// what comes next: a retry or the node's failure. Pure: the executor gathers the facts
// (what the runner said, what the attempt wrote) and acts on the answer.

#include <optional>
#include <string>

#include "common/status.h"
#include "embedded/executor/runner.h"
#include "flyteidl/core/execution.pb.h"
#include "flyteidl/core/literals.pb.h"
#include "flyteidl/core/tasks.pb.h"
#include "flyteidl/core/workflow.pb.h"

namespace flytebox::executor {

struct NodeError {
  std::string code;
  std::string message;
  ::flyteidl::core::ExecutionError::ErrorKind kind = ::flyteidl::core::ExecutionError::USER;
  bool recoverable = true;
};

// What an attempt left behind, read by the executor once the runner reported its end.
struct AttemptFacts {
  RunResult result;
  bool timed_out = false;    // the executor killed it for its timeout
  bool wrote_futures = false;  // futures.pb: a dynamic task's sub-workflow
  // error.pb: the task's own account of its failure; error_read is not OK when it exists
  // but cannot be read.
  Status error_read = Status::Ok();
  std::optional<NodeError> error_doc;
  // Raw-container tasks: the failure found while collecting their output files, if any.
  std::optional<NodeError> raw_error;
  // outputs.pb: read (OK; then `outputs` holds it), absent (NOT_FOUND) or unreadable.
  Status outputs_read = Status::Ok();
  ::flyteidl::core::LiteralMap outputs;
  bool declares_outputs = false;  // the task's interface has outputs
  std::string outputs_uri;        // for messages
  std::string log_tail;           // the end of the attempt's log, for messages
};

struct AttemptOutcome {
  enum class Kind {
    kSucceeded,  // outputs.pb is there, or the task declares no outputs
    kDynamic,    // the task produced a sub-workflow to run
    kFailed,     // `error` says why and whether it may be retried
  };
  Kind kind = Kind::kSucceeded;
  NodeError error;
  bool has_outputs = false;  // kSucceeded: outputs.pb was read
};

// Judges an attempt: timeout first, then a dynamic sub-workflow, the task's error document,
// raw-container output collection, a kill, a non-zero exit, and last the outputs.
AttemptOutcome ClassifyAttempt(const AttemptFacts& facts);

// User retries + 1: the node's retry strategy when it has one, else its task's.
int MaxAttempts(const ::flyteidl::core::Node& node, const ::flyteidl::core::TaskTemplate& task);

// The attempts a node has had so far.
struct RetryBudget {
  int attempt = 0;          // the attempt that just failed (0-based)
  int system_failures = 0;  // system failures before this one
  int max_attempts = 1;     // user retries + 1
};

struct RetryDecision {
  bool retry = false;
  int system_failures = 0;  // the count to keep, this failure included when it is a system one
  NodeError error;          // the node's error when not retried ("RetriesExhausted|..." when
                            // the failure was recoverable)
};

// Up to kMaxSystemRetries system failures are retried, on top of the node's user retries;
// nothing is retried once the execution is being aborted or the failure is not recoverable.
inline constexpr int kMaxSystemRetries = 3;
RetryDecision DecideRetry(const NodeError& error, const RetryBudget& budget, bool aborting);

}  // namespace flytebox::executor
