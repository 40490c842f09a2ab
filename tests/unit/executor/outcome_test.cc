// The one place that judges how an attempt ended and whether it is retried.
#include "embedded/executor/outcome.h"

#include <gtest/gtest.h>

#include "tests/unit/proto_text.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
using Kind = AttemptOutcome::Kind;

AttemptFacts Exited(int code) {
  AttemptFacts f;
  f.result.kind = RunResult::Kind::kExited;
  f.result.exit_code = code;
  return f;
}

TEST(ClassifyAttemptTest, OutputsWrittenIsSuccess) {
  AttemptFacts f = Exited(0);
  f.declares_outputs = true;
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.kind, Kind::kSucceeded);
  EXPECT_TRUE(o.has_outputs);
}

TEST(ClassifyAttemptTest, NoOutputsDeclaredNoneWrittenIsSuccess) {
  AttemptFacts f = Exited(0);
  f.outputs_read = Status::NotFound("outputs.pb");
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.kind, Kind::kSucceeded);
  EXPECT_FALSE(o.has_outputs);
}

TEST(ClassifyAttemptTest, DeclaredOutputsMissingIsARetriableUserError) {
  AttemptFacts f = Exited(0);
  f.declares_outputs = true;
  f.outputs_read = Status::NotFound("outputs.pb");
  f.outputs_uri = "s3://b/o/outputs.pb";
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.kind, Kind::kFailed);
  EXPECT_EQ(o.error.code, "OutputsNotFound");
  EXPECT_EQ(o.error.kind, fc::ExecutionError::USER);
  EXPECT_TRUE(o.error.recoverable);
  EXPECT_NE(o.error.message.find("s3://b/o/outputs.pb"), std::string::npos);
}

TEST(ClassifyAttemptTest, TimeoutComesFirst) {
  AttemptFacts f = Exited(0);
  f.timed_out = true;
  f.wrote_futures = true;
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.kind, Kind::kFailed);
  EXPECT_EQ(o.error.code, "TimeoutExpired");
  EXPECT_EQ(o.error.kind, fc::ExecutionError::USER);
}

TEST(ClassifyAttemptTest, FuturesMakeADynamicNode) {
  AttemptFacts f = Exited(0);
  f.wrote_futures = true;
  f.error_doc = NodeError{"X", "ignored", fc::ExecutionError::USER, false};
  EXPECT_EQ(ClassifyAttempt(f).kind, Kind::kDynamic);
}

TEST(ClassifyAttemptTest, TheTasksOwnErrorWinsOverTheExitCode) {
  AttemptFacts f = Exited(1);
  f.error_doc = NodeError{"USER:ValueError", "bad value", fc::ExecutionError::USER, false};
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.kind, Kind::kFailed);
  EXPECT_EQ(o.error.code, "USER:ValueError");
  EXPECT_FALSE(o.error.recoverable);
}

TEST(ClassifyAttemptTest, UnreadableErrorDocumentIsASystemError) {
  AttemptFacts f = Exited(1);
  f.error_read = Status::Unavailable("store down");
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.error.code, "ErrorReadFailure");
  EXPECT_EQ(o.error.kind, fc::ExecutionError::SYSTEM);
  EXPECT_TRUE(o.error.recoverable);
}

TEST(ClassifyAttemptTest, RawOutputFailureBeforeTheExitCode) {
  AttemptFacts f = Exited(0);
  f.raw_error = NodeError{"UserError", "no file out", fc::ExecutionError::USER, false};
  EXPECT_EQ(ClassifyAttempt(f).error.code, "UserError");
}

TEST(ClassifyAttemptTest, KilledIsASystemError) {
  AttemptFacts f;
  f.result = {RunResult::Kind::kKilled, 0, "OOM"};
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.error.code, "Killed");
  EXPECT_EQ(o.error.message, "OOM");
  EXPECT_EQ(o.error.kind, fc::ExecutionError::SYSTEM);
}

TEST(ClassifyAttemptTest, NonZeroExitCarriesTheLogTail) {
  AttemptFacts f = Exited(3);
  f.log_tail = "Traceback: boom";
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.error.code, "NonZeroExit");
  EXPECT_NE(o.error.message.find("code 3"), std::string::npos);
  EXPECT_NE(o.error.message.find("Traceback: boom"), std::string::npos);
  EXPECT_EQ(o.error.kind, fc::ExecutionError::USER);
}

TEST(ClassifyAttemptTest, ACommandThatCannotStartSaysWhyAndIsNotRetried) {
  AttemptFacts f;
  f.result = {RunResult::Kind::kNotStarted, 127, "install flytekit into /usr/bin/python3"};
  f.outputs_read = Status::NotFound("outputs.pb");
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.error.code, "TaskCommandNotFound");
  EXPECT_EQ(o.error.message, "install flytekit into /usr/bin/python3");
  EXPECT_EQ(o.error.kind, fc::ExecutionError::USER);
  EXPECT_FALSE(o.error.recoverable);
}

TEST(ClassifyAttemptTest, APythonWithoutFlytekitIsNamed) {
  AttemptFacts f = Exited(1);
  f.log_tail = "ModuleNotFoundError: No module named 'flytekit'";
  AttemptOutcome o = ClassifyAttempt(f);
  EXPECT_EQ(o.error.code, "FlytekitNotInstalled");
  EXPECT_NE(o.error.message.find("pip install flytekit"), std::string::npos);
  EXPECT_NE(o.error.message.find("No module named 'flytekit'"), std::string::npos);
  EXPECT_FALSE(o.error.recoverable);
}

TEST(ClassifyAttemptTest, LostWithoutOutputsIsASystemErrorWithOutputsASuccess) {
  AttemptFacts f;
  f.result = {RunResult::Kind::kLost, 0, "gone after restart"};
  f.outputs_read = Status::NotFound("outputs.pb");
  AttemptOutcome lost = ClassifyAttempt(f);
  EXPECT_EQ(lost.error.code, "TaskLost");
  EXPECT_EQ(lost.error.kind, fc::ExecutionError::SYSTEM);
  f.outputs_read = Status::Ok();  // it finished while the engine was away
  EXPECT_EQ(ClassifyAttempt(f).kind, Kind::kSucceeded);
}

NodeError User(bool recoverable = true) {
  return {"E", "m", fc::ExecutionError::USER, recoverable};
}
NodeError System() { return {"S", "m", fc::ExecutionError::SYSTEM, true}; }

TEST(DecideRetryTest, UserErrorsUseTheUserRetries) {
  RetryBudget b{0, 0, 3};
  EXPECT_TRUE(DecideRetry(User(), b, false).retry);
  b.attempt = 1;
  EXPECT_TRUE(DecideRetry(User(), b, false).retry);
  b.attempt = 2;
  RetryDecision last = DecideRetry(User(), b, false);
  EXPECT_FALSE(last.retry);
  EXPECT_EQ(last.error.code, "RetriesExhausted|E");
}

TEST(DecideRetryTest, SystemErrorsHaveTheirOwnBudget) {
  RetryBudget b{0, 0, 1};  // no user retries
  for (int i = 0; i < kMaxSystemRetries; ++i) {
    RetryDecision d = DecideRetry(System(), b, false);
    EXPECT_TRUE(d.retry) << i;
    EXPECT_EQ(d.system_failures, i + 1);
    b.system_failures = d.system_failures;
    b.attempt++;
  }
  RetryDecision d = DecideRetry(System(), b, false);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.error.code, "RetriesExhausted|S");
  // System failures do not use up user retries.
  b = {3, 3, 2};
  EXPECT_TRUE(DecideRetry(User(), b, false).retry);
}

TEST(DecideRetryTest, NotRecoverableOrAbortingIsNeverRetried) {
  RetryDecision d = DecideRetry(User(/*recoverable=*/false), {0, 0, 5}, false);
  EXPECT_FALSE(d.retry);
  EXPECT_EQ(d.error.code, "E");  // not "RetriesExhausted": it was never retriable
  EXPECT_FALSE(DecideRetry(User(), {0, 0, 5}, /*aborting=*/true).retry);
  EXPECT_FALSE(DecideRetry(System(), {0, 0, 5}, /*aborting=*/true).retry);
}

TEST(MaxAttemptsTest, TheNodesRetriesOverrideTheTasks) {
  auto task = flytebox::testing::ParseText<fc::TaskTemplate>("metadata { retries { retries: 2 } }");
  EXPECT_EQ(MaxAttempts(fc::Node(), task), 3);
  auto node = flytebox::testing::ParseText<fc::Node>("metadata { retries { retries: 0 } }");
  EXPECT_EQ(MaxAttempts(node, task), 1);
}

}  // namespace
}  // namespace flytebox::executor
