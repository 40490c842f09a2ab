// Resuming after a restart: a new Executor over the same store and blobs picks up attempts
// that ended, were lost or still run while it was down.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/unit/executor/executor_fixture.h"

namespace flytebox::executor::testing {
namespace {

using ExecutorRestartTest = ExecutorFixture;

TEST_F(ExecutorRestartTest, RestartResumesEndedAttemptsAndRetriesLostOnes) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("one", OneNode("inc"));
  Launch("one", "done-while-down", IntMap("x", 1));
  Launch("one", "lost", IntMap("x", 2));
  Launch("one", "still-running", IntMap("x", 3));
  ASSERT_TRUE(WaitForAttempts(3));
  for (const char* e : {"done-while-down", "lost", "still-running"}) {
    ASSERT_TRUE(WaitForTaskPhase(e, "n0", 0, fc::TaskExecution::RUNNING)) << e;
  }
  size_t done_i = AttemptOf("done-while-down", "n0");
  size_t lost_i = AttemptOf("lost", "n0");
  size_t running_i = AttemptOf("still-running", "n0");
  FakeAttempt done_attempt = runner_->attempt(done_i);
  FakeAttempt lost_attempt = runner_->attempt(lost_i);
  FakeAttempt running_attempt = runner_->attempt(running_i);

  // The engine goes down; one attempt finishes meanwhile, one is gone, one still runs.
  StopExecutor();
  WriteOutputs(done_attempt.run, IntMap("o0", 10));
  auto old_runner = std::move(runner_);
  runner_ = std::make_unique<FakeRunner>();
  runner_->AllowAttach(running_attempt.handle);
  StartExecutor();

  ASSERT_TRUE(WaitForPhase("done-while-down", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("done-while-down"), "o0"), 10);
  auto done_tasks = TaskExecutions("done-while-down", "n0");
  ASSERT_EQ(done_tasks.size(), 1u);
  EXPECT_EQ(done_tasks[0].closure().phase(), fc::TaskExecution::SUCCEEDED);

  // The lost attempt is retried as a SYSTEM failure: a new attempt 1.
  ASSERT_TRUE(WaitForTaskPhase("lost", "n0", 1, fc::TaskExecution::RUNNING));
  auto lost_tasks = TaskExecutions("lost", "n0");
  ASSERT_EQ(lost_tasks.size(), 2u);
  EXPECT_EQ(lost_tasks[0].closure().phase(), fc::TaskExecution::FAILED);
  EXPECT_EQ(lost_tasks[0].closure().error().kind(), fc::ExecutionError::SYSTEM);
  EXPECT_EQ(lost_tasks[0].closure().error().code(), "TaskLost");

  // Which attempts the new runner saw: the re-attached one and the retry.
  ASSERT_TRUE(WaitForAttempts(2));
  size_t retry_i = runner_->attempt(0).attached ? 1 : 0;
  size_t attached_i = 1 - retry_i;
  EXPECT_TRUE(runner_->attempt(attached_i).attached);
  EXPECT_EQ(runner_->attempt(attached_i).handle, running_attempt.handle);
  TaskRun retry = runner_->attempt(retry_i).run;
  EXPECT_EQ(retry.env.at("FLYTE_INTERNAL_EXECUTION_ID"), "lost");
  EXPECT_EQ(retry.env.at("FLYTE_ATTEMPT_NUMBER"), "1");
  EXPECT_EQ(OutputPrefix(retry), WfDir("lost") + "/n0/data/1");
  auto asked = runner_->attach_requests();
  std::sort(asked.begin(), asked.end());
  std::vector<std::string> want = {done_attempt.handle, lost_attempt.handle, running_attempt.handle};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(asked, want);

  Succeed(retry_i, IntMap("o0", 20));
  ASSERT_TRUE(WaitForPhase("lost", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("lost"), "o0"), 20);

  // The re-attached attempt ends later, through the new runner.
  WriteOutputs(running_attempt.run, IntMap("o0", 30));
  ASSERT_TRUE(runner_->End(attached_i, RunResult{RunResult::Kind::kExited, 0, ""}));
  ASSERT_TRUE(WaitForPhase("still-running", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("still-running"), "o0"), 30);
  EXPECT_EQ(TaskExecutions("still-running", "n0").size(), 1u);
  EXPECT_EQ(runner_->count(), 2u);
  EXPECT_EQ(old_runner->count(), 3u);
}

TEST_F(ExecutorRestartTest, RestartDoesNotRerunArrayElementsThatEnded) {
  RegisterMapper("retries { retries: 1 }");
  Launch("mapper", "m4", Ints("xs", {1, 2, 3, 4}));
  ASSERT_TRUE(WaitForAttempts(4));
  // Before the restart: element 0 succeeds, element 1 fails once and its retry runs.
  Succeed(0, IntMap("o0", 1));
  WriteError(Run(1), "USER:Flaky", "again", fc::ContainerError::RECOVERABLE, fc::ExecutionError::USER);
  Exit(1);
  ASSERT_TRUE(WaitForAttempts(5));
  TaskRun retry1 = Run(4);
  ASSERT_EQ(retry1.env.at("FLYTE_K8S_ARRAY_INDEX"), "1");
  ASSERT_TRUE(WaitUntil([&] {
    auto tasks = TaskExecutions("m4", "n0");
    return tasks.size() == 1 && tasks[0].closure().metadata().external_resources_size() == 4 &&
           tasks[0].closure().metadata().external_resources(1).retry_attempt() == 1;
  }));
  TaskRun el2 = Run(2);

  // While the engine is down, element 1's retry and element 2 finish; element 3 is lost.
  StopExecutor();
  WriteOutputs(retry1, IntMap("o0", 4));
  WriteOutputs(el2, IntMap("o0", 9));
  auto old_runner = std::move(runner_);
  runner_ = std::make_unique<FakeRunner>();
  StartExecutor();

  ASSERT_TRUE(WaitForAttempts(1));
  TaskRun again = Run(0);
  EXPECT_EQ(again.env.at("FLYTE_K8S_ARRAY_INDEX"), "3");
  EXPECT_EQ(OutputPrefix(again).rfind(WfDir("m4") + "/n0/data/0/3/", 0), 0u) << OutputPrefix(again);
  Succeed(0, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("m4", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntsOf(ExecOutputs("m4"), "o0"), (std::vector<int64_t>{1, 4, 9, 16}));
  EXPECT_EQ(runner_->count(), 1u);
}

TEST_F(ExecutorRestartTest, ReattachedAttemptReportedLostIsASystemRetry) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pairone", Pair(""));
  Launch("pairone", "rl", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  ASSERT_TRUE(WaitForTaskPhase("rl", "n0", 0, fc::TaskExecution::RUNNING));
  ASSERT_TRUE(WaitForTaskPhase("rl", "n1", 0, fc::TaskExecution::RUNNING));
  FakeAttempt n0 = runner_->attempt(AttemptOf("rl", "n0"));
  FakeAttempt n1 = runner_->attempt(AttemptOf("rl", "n1"));

  StopExecutor();
  auto old_runner = std::move(runner_);
  runner_ = std::make_unique<FakeRunner>();
  runner_->AllowAttach(n0.handle);
  runner_->AllowAttach(n1.handle);
  StartExecutor();
  ASSERT_TRUE(WaitForAttempts(2));
  size_t a0 = runner_->attempt(0).handle == n0.handle ? 0 : 1;
  ASSERT_EQ(runner_->attempt(a0).handle, n0.handle);
  ASSERT_TRUE(runner_->attempt(1 - a0).attached);
  // n0's process vanishes; n1's finishes.
  ASSERT_TRUE(runner_->End(a0, RunResult{RunResult::Kind::kLost, 0, "the process is gone"}));
  WriteOutputs(n1.run, IntMap("o0", 2));
  ASSERT_TRUE(runner_->End(1 - a0, RunResult{RunResult::Kind::kExited, 0, ""}));
  ASSERT_TRUE(WaitForAttempts(3));
  TaskRun retry = Run(2);
  EXPECT_EQ(retry.env.at("FLYTE_ATTEMPT_NUMBER"), "1");
  EXPECT_EQ(OutputPrefix(retry), WfDir("rl") + "/n0/data/1");
  // The runner sees the retry before the executor records it RUNNING.
  ASSERT_TRUE(WaitForTaskPhase("rl", "n0", 1, fc::TaskExecution::RUNNING));
  auto tasks = TaskExecutions("rl", "n0");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].closure().error().code(), "TaskLost");
  EXPECT_EQ(tasks[0].closure().error().kind(), fc::ExecutionError::SYSTEM);
  EXPECT_EQ(tasks[0].closure().error().message(), "the process is gone");
  Succeed(2, IntMap("o0", 2));
  ASSERT_TRUE(WaitForPhase("rl", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(runner_->count(), 3u);
}

// A raw-container attempt keeps the container's own paths in its command; re-attached after a
// restart it gets the same local folder and staging prefix, and its outputs are collected.
TEST_F(ExecutorRestartTest, RawContainerAttemptIsCollectedAfterARestart) {
  RegisterTask(
      "raw", kIntToInt, "", {"sh", "-c", "cat /var/inputs/a > /var/outputs/o0"},
      R"(data_config { enabled: true input_path: "/var/inputs" output_path: "/var/outputs" })");
  RegisterWorkflow("one", OneNode("raw"));
  Launch("one", "raw-restart", IntMap("x", 7));
  ASSERT_TRUE(WaitForAttempts(1));
  ASSERT_TRUE(WaitForTaskPhase("raw-restart", "n0", 0, fc::TaskExecution::RUNNING));
  FakeAttempt started = runner_->attempt(0);
  ASSERT_TRUE(started.run.raw_io.has_value());
  const RawIoRun io = *started.run.raw_io;
  EXPECT_EQ(io.input_path, "/var/inputs");
  EXPECT_EQ(io.output_path, "/var/outputs");
  EXPECT_EQ(started.run.argv.back(), "cat /var/inputs/a > /var/outputs/o0");  // not rewritten
  std::ifstream x(io.inputs() + "/a");
  std::string text((std::istreambuf_iterator<char>(x)), {});
  EXPECT_EQ(text, "7");
  EXPECT_NE(io.staging.find("/_copilot"), std::string::npos) << io.staging;
  EXPECT_EQ(io.staging.find("/metadata/"), std::string::npos) << io.staging;

  StopExecutor();
  auto old_runner = std::move(runner_);
  runner_ = std::make_unique<FakeRunner>();
  runner_->AllowAttach(started.handle);
  StartExecutor();
  ASSERT_TRUE(WaitForAttempts(1));
  FakeAttempt attached = runner_->attempt(0);
  ASSERT_TRUE(attached.attached);
  ASSERT_TRUE(attached.run.raw_io.has_value());
  EXPECT_EQ(attached.run.raw_io->dir, io.dir);
  EXPECT_EQ(attached.run.raw_io->staging, io.staging);
  std::ofstream(io.outputs() + "/o0") << "14\n";
  ASSERT_TRUE(runner_->End(0, RunResult{RunResult::Kind::kExited, 0, ""}));
  ASSERT_TRUE(WaitForPhase("raw-restart", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("raw-restart"), "o0"), 14);
}

}  // namespace
}  // namespace flytebox::executor::testing
