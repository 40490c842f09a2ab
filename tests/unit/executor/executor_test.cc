// The executor's task nodes: what an attempt is given, how its end is read (outputs.pb,
// error.pb, exit code), retries, timeouts, abort and the cache.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/unit/executor/executor_fixture.h"

namespace flytebox::executor::testing {
namespace {

using namespace std::chrono_literals;

using ExecutorTest = ExecutorFixture;

TEST_F(ExecutorTest, TwoTaskChainRunsWithTheContractsTemplatesAndEnvironment) {
  std::vector<std::string> args = DefaultArgs();
  for (const char* a : {"--a", "{{.inputs.a}}", "--template", "{{.taskTemplatePath}}", "--key",
                        "{{ .PerRetryUniqueKey }}", "--input-prefix", "{{.InputPrefix}}"}) {
    args.push_back(a);
  }
  RegisterTask("inc", kIntToInt, "", args, R"(env { key: "FROM_TEMPLATE" value: "1" })");
  RegisterWorkflow("chain", R"(
    interface {
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
    }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:inc } } }
    nodes { id: "n1" inputs { var: "a" binding { promise { node_id: "n0" var: "o0" } } }
            task_node { reference_id { @task:inc } } }
    outputs { var: "o0" binding { promise { node_id: "n1" var: "o0" } } })");
  Launch("chain", "e1", IntMap("x", 3), R"(envs { values { key: "MY_ENV" value: "hello" } })");

  ASSERT_TRUE(WaitForAttempts(1));
  const std::string wf = WfDir("e1");
  const std::string data = wf + "/n0/data";
  TaskRun r0 = Run(0);
  EXPECT_EQ(r0.argv.front(), "pyflyte-execute");
  EXPECT_EQ(Arg(r0, "--inputs"), data + "/inputs.pb");
  EXPECT_EQ(Arg(r0, "--input-prefix"), data);
  EXPECT_EQ(Arg(r0, "--output-prefix"), data + "/0");
  const std::string raw = Arg(r0, "--raw-output-data-prefix");
  const std::string raw_root = blobs_->NativeUri("data");
  EXPECT_TRUE(std::regex_match(raw, std::regex(raw_root + "/[0-9a-f]{2}/[A-Za-z0-9_.-]+"))) << raw;
  EXPECT_EQ(Arg(r0, "--checkpoint-path"), raw + "/_flytecheckpoints");
  EXPECT_EQ(Arg(r0, "--prev-checkpoint"), "\"\"");
  EXPECT_EQ(Arg(r0, "--a"), "3");
  EXPECT_EQ(Arg(r0, "--key"), r0.key);
  EXPECT_TRUE(std::regex_match(r0.key, std::regex("[A-Za-z][A-Za-z0-9_]*"))) << r0.key;
  // The task template is written where {{.taskTemplatePath}} points.
  EXPECT_EQ(Arg(r0, "--template"), data + "/task.pb");
  auto tkey = blobs_->KeyOf(data + "/task.pb");
  ASSERT_TRUE(tkey.ok());
  auto tdata = blobs_->Get(*tkey);
  ASSERT_TRUE(tdata.ok()) << tdata.status().ToString();
  fc::TaskTemplate written;
  ASSERT_TRUE(written.ParseFromString(*tdata));
  EXPECT_EQ(written.id().name(), "inc");
  // inputs.pb is written before the attempt starts.
  EXPECT_EQ(IntOf(ReadMap(data + "/inputs.pb"), "a"), 3);
  EXPECT_EQ(r0.image, "example/image:v1");
  EXPECT_EQ(r0.log_path, (dir_ / "logs/flytesnacks/development/e1/n0/0.log").string());

  const std::map<std::string, std::string> want_env = {
      {"FLYTE_INTERNAL_EXECUTION_ID", "e1"},
      {"FLYTE_INTERNAL_EXECUTION_PROJECT", "flytesnacks"},
      {"FLYTE_INTERNAL_EXECUTION_DOMAIN", "development"},
      {"FLYTE_INTERNAL_EXECUTION_WORKFLOW", "flytesnacks:development:chain"},
      {"FLYTE_ATTEMPT_NUMBER", "0"},
      {"FLYTE_INTERNAL_TASK_PROJECT", "flytesnacks"},
      {"FLYTE_INTERNAL_TASK_DOMAIN", "development"},
      {"FLYTE_INTERNAL_TASK_NAME", "inc"},
      {"FLYTE_INTERNAL_TASK_VERSION", "v1"},
      {"MY_ENV", "hello"},
      {"FROM_TEMPLATE", "1"},
      {"FLYTE_PLATFORM_URL", "localhost:30080"},
      {"FLYTE_PLATFORM_INSECURE", "true"}};
  for (const auto& [k, v] : want_env) {
    auto it = r0.env.find(k);
    if (it == r0.env.end()) {
      ADD_FAILURE() << "no " << k << " in the task's environment";
    } else {
      EXPECT_EQ(it->second, v) << k;
    }
  }

  ASSERT_TRUE(WaitForTaskPhase("e1", "n0", 0, fc::TaskExecution::RUNNING));
  ASSERT_TRUE(WaitForNodePhase("e1", "n0", fc::NodeExecution::RUNNING));
  EXPECT_EQ(Execution("e1").closure().phase(), fc::WorkflowExecution::RUNNING);
  Succeed(0, IntMap("o0", 4));

  // n1 gets n0's output.
  ASSERT_TRUE(WaitForAttempts(2));
  TaskRun r1 = Run(1);
  EXPECT_EQ(Arg(r1, "--a"), "4");
  EXPECT_EQ(Arg(r1, "--inputs"), wf + "/n1/data/inputs.pb");
  EXPECT_EQ(Arg(r1, "--output-prefix"), wf + "/n1/data/0");
  EXPECT_NE(r1.key, r0.key);
  Succeed(1, IntMap("o0", 5));
  ASSERT_TRUE(WaitForPhase("e1", fc::WorkflowExecution::SUCCEEDED));

  // The storage layout.
  fa::Execution exec = Execution("e1");
  EXPECT_EQ(OutputUri(exec), wf + "/end-node/data/0/outputs.pb");
  EXPECT_EQ(IntOf(ReadMap(OutputUri(exec)), "o0"), 5);
  EXPECT_TRUE(BlobExists(blobs_->Uri("metadata/flytesnacks/development/e1/inputs")));
  auto start = NodeExecution("e1", "start-node");
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_EQ(start->closure().phase(), fc::NodeExecution::SUCCEEDED);
  EXPECT_EQ(OutputUri(*start), wf + "/start-node/data/0/outputs.pb");
  EXPECT_EQ(IntOf(ReadMap(OutputUri(*start)), "x"), 3);
  auto end = NodeExecution("e1", "end-node");
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(end->closure().phase(), fc::NodeExecution::SUCCEEDED);

  for (const char* node : {"n0", "n1"}) {
    SCOPED_TRACE(node);
    const std::string ndata = wf + "/" + node + "/data";
    auto n = NodeExecution("e1", node);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(n->closure().phase(), fc::NodeExecution::SUCCEEDED);
    EXPECT_EQ(n->input_uri(), ndata + "/inputs.pb");
    EXPECT_EQ(OutputUri(*n), ndata + "/0/outputs.pb");
    EXPECT_EQ(n->metadata().retry_group(), "0");
    EXPECT_EQ(log_->NodePhases("e1", node),
              (std::vector<std::string>{"QUEUED", "RUNNING", "SUCCEEDED"}));
    // As propeller records attempts: queued, handed to the runner, its process running.
    EXPECT_EQ(log_->TaskPhases("e1", node, 0),
              (std::vector<std::string>{"QUEUED", "INITIALIZING", "RUNNING", "SUCCEEDED"}));
    auto tasks = TaskExecutions("e1", node);
    ASSERT_EQ(tasks.size(), 1u);
    const auto& t = tasks[0];
    EXPECT_EQ(t.id().retry_attempt(), 0u);
    EXPECT_EQ(t.id().task_id().name(), "inc");
    EXPECT_EQ(t.closure().phase(), fc::TaskExecution::SUCCEEDED);
    EXPECT_EQ(OutputUri(t), ndata + "/0/outputs.pb");
    EXPECT_EQ(t.input_uri(), ndata + "/inputs.pb");
    ASSERT_EQ(t.closure().logs_size(), 1);
    EXPECT_EQ(t.closure().logs(0).uri(),
              "http://localhost:30080/logs/flytesnacks/development/e1/" + std::string(node) + "/0");
    ASSERT_EQ(t.closure().metadata().external_resources_size(), 1);
  }
  EXPECT_EQ(TaskExecutions("e1", "n0")[0].closure().metadata().external_resources(0).external_id(),
            runner_->attempt(0).handle);
  EXPECT_EQ(NodeExecutions("e1").size(), 4u);  // start-node, n0, n1, end-node
  EXPECT_EQ(runner_->count(), 2u);
}

TEST_F(ExecutorTest, RecoverableErrorIsRetriedThenSucceeds) {
  RegisterTask("flaky", kIntToInt, "retries { retries: 2 }");
  RegisterWorkflow("one", OneNode("flaky"));
  Launch("one", "r1", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(1));
  WriteError(Run(0), "USER:Flaky", "try again", fc::ContainerError::RECOVERABLE,
             fc::ExecutionError::USER);
  Exit(0);  // flytekit exits 0 after writing error.pb

  ASSERT_TRUE(WaitForAttempts(2));
  TaskRun r0 = Run(0), r1 = Run(1);
  const std::string data = WfDir("r1") + "/n0/data";
  EXPECT_EQ(r1.env.at("FLYTE_ATTEMPT_NUMBER"), "1");
  EXPECT_EQ(Arg(r1, "--output-prefix"), data + "/1");
  EXPECT_EQ(Arg(r1, "--inputs"), data + "/inputs.pb");
  // The retry resumes from the previous attempt's checkpoints and writes its own.
  EXPECT_EQ(Arg(r1, "--prev-checkpoint"), Arg(r0, "--checkpoint-path"));
  EXPECT_NE(Arg(r1, "--checkpoint-path"), Arg(r0, "--checkpoint-path"));
  EXPECT_NE(r1.key, r0.key);
  Succeed(1, IntMap("o0", 2));
  ASSERT_TRUE(WaitForPhase("r1", fc::WorkflowExecution::SUCCEEDED));

  auto tasks = TaskExecutions("r1", "n0");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].id().retry_attempt(), 0u);
  EXPECT_EQ(tasks[0].closure().phase(), fc::TaskExecution::FAILED);
  EXPECT_EQ(tasks[0].closure().error().code(), "USER:Flaky");
  EXPECT_EQ(tasks[0].closure().error().message(), "try again");
  EXPECT_EQ(tasks[0].closure().error().kind(), fc::ExecutionError::USER);
  EXPECT_EQ(tasks[1].id().retry_attempt(), 1u);
  EXPECT_EQ(tasks[1].closure().phase(), fc::TaskExecution::SUCCEEDED);
  EXPECT_EQ(OutputUri(tasks[1]), data + "/1/outputs.pb");
  auto n = NodeExecution("r1", "n0");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(OutputUri(*n), data + "/1/outputs.pb");
  EXPECT_EQ(n->metadata().retry_group(), "1");
  EXPECT_EQ(log_->TaskPhases("r1", "n0", 0),
            (std::vector<std::string>{"QUEUED", "INITIALIZING", "RUNNING", "FAILED"}));
  EXPECT_EQ(IntOf(ExecOutputs("r1"), "o0"), 2);
}

TEST_F(ExecutorTest, NonRecoverableErrorFailsAtOnceWithTheUsersMessage) {
  RegisterTask("strict", kIntToInt, "retries { retries: 3 }");
  RegisterWorkflow("one", OneNode("strict"));
  Launch("one", "nr", IntMap("x", -1));
  ASSERT_TRUE(WaitForAttempts(1));
  WriteError(Run(0), "USER:ValueError", "x must be positive", fc::ContainerError::NON_RECOVERABLE,
             fc::ExecutionError::USER);
  Exit(0);
  ASSERT_TRUE(WaitForPhase("nr", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("nr").closure().error();
  EXPECT_EQ(err.code(), "USER:ValueError");
  EXPECT_EQ(err.message(), "x must be positive");
  EXPECT_EQ(err.kind(), fc::ExecutionError::USER);
  auto n = NodeExecution("nr", "n0");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->closure().phase(), fc::NodeExecution::FAILED);
  EXPECT_EQ(n->closure().error().code(), "USER:ValueError");
  EXPECT_EQ(TaskExecutions("nr", "n0").size(), 1u);
  EXPECT_EQ(runner_->count(), 1u);
}

TEST_F(ExecutorTest, NonZeroExitIsARetryableUserFailureUntilRetriesAreExhausted) {
  RegisterTask("crashy", kIntToInt, "retries { retries: 1 }");
  RegisterWorkflow("one", OneNode("crashy"));
  Launch("one", "nz", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(1));
  AppendLog(Run(0), "Traceback (most recent call last):\nRuntimeError: boom\n");
  Exit(0, 1);
  ASSERT_TRUE(WaitForAttempts(2));
  EXPECT_EQ(Run(1).env.at("FLYTE_ATTEMPT_NUMBER"), "1");
  Exit(1, 137);
  ASSERT_TRUE(WaitForPhase("nz", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("nz").closure().error();
  EXPECT_EQ(err.code(), "RetriesExhausted|NonZeroExit");
  EXPECT_EQ(err.kind(), fc::ExecutionError::USER);
  EXPECT_NE(err.message().find("137"), std::string::npos) << err.message();
  auto tasks = TaskExecutions("nz", "n0");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].closure().error().code(), "NonZeroExit");
  // The end of the task's log is in the message.
  EXPECT_NE(tasks[0].closure().error().message().find("RuntimeError: boom"), std::string::npos)
      << tasks[0].closure().error().message();
  EXPECT_EQ(runner_->count(), 2u);
}

TEST_F(ExecutorTest, MissingOutputsWhenOutputsAreDeclared) {
  RegisterTask("silent", kIntToInt);
  RegisterWorkflow("one", OneNode("silent"));
  Launch("one", "mo", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(1));
  const std::string prefix = OutputPrefix(Run(0));
  Exit(0);
  ASSERT_TRUE(WaitForPhase("mo", fc::WorkflowExecution::FAILED));
  EXPECT_EQ(Execution("mo").closure().error().code(), "RetriesExhausted|OutputsNotFound");
  auto tasks = TaskExecutions("mo", "n0");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].closure().error().code(), "OutputsNotFound");
  EXPECT_EQ(tasks[0].closure().error().kind(), fc::ExecutionError::USER);
  EXPECT_NE(tasks[0].closure().error().message().find(prefix + "/outputs.pb"), std::string::npos);

  // A task without outputs may end without outputs.pb.
  RegisterTask("sink", R"(inputs { variables { key: "a" value { type { simple: INTEGER } } } })");
  RegisterWorkflow("sinkwf", R"(
    interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:sink } } })");
  Launch("sinkwf", "so", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  Exit(1);
  ASSERT_TRUE(WaitForPhase("so", fc::WorkflowExecution::SUCCEEDED));
}

TEST_F(ExecutorTest, SystemErrorsAreRetriedApartFromUserRetries) {
  RegisterTask("infra", kIntToInt);  // no user retries
  RegisterWorkflow("one", OneNode("infra"));
  Launch("one", "sy", IntMap("x", 1));
  // Three SYSTEM failures are retried; the fourth ends the node.
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_TRUE(WaitForAttempts(i + 1));
    EXPECT_EQ(Run(i).env.at("FLYTE_ATTEMPT_NUMBER"), std::to_string(i));
    WriteError(Run(i), "SYSTEM:Unavailable", "the node went away", fc::ContainerError::RECOVERABLE,
               fc::ExecutionError::SYSTEM);
    Exit(i);
  }
  ASSERT_TRUE(WaitForPhase("sy", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("sy").closure().error();
  EXPECT_EQ(err.code(), "RetriesExhausted|SYSTEM:Unavailable");
  EXPECT_EQ(err.kind(), fc::ExecutionError::SYSTEM);
  EXPECT_EQ(runner_->count(), 4u);
}

TEST_F(ExecutorTest, TimeoutKillsTheAttempt) {
  RegisterTask("slow", kIntToInt, "timeout { seconds: 10 } retries { retries: 1 }");
  RegisterWorkflow("one", OneNode("slow"));

  // Attempt 0 times out and is retried; attempt 1 ends in time.
  Launch("one", "t1", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(1));
  ASSERT_TRUE(WaitForTaskPhase("t1", "n0", 0, fc::TaskExecution::RUNNING));
  clock_.Advance(11s);
  ASSERT_TRUE(WaitUntil([&] { return runner_->attempt(0).ended; }));
  EXPECT_EQ(runner_->attempt(0).killed, "the task timed out");
  ASSERT_TRUE(WaitForAttempts(2));
  ASSERT_TRUE(WaitForTaskPhase("t1", "n0", 1, fc::TaskExecution::RUNNING));
  clock_.Advance(5s);
  Succeed(1, IntMap("o0", 1));
  ASSERT_TRUE(WaitForPhase("t1", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(runner_->attempt(1).killed, "");
  auto tasks = TaskExecutions("t1", "n0");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].closure().phase(), fc::TaskExecution::FAILED);
  EXPECT_EQ(tasks[0].closure().error().code(), "TimeoutExpired");
  EXPECT_EQ(tasks[0].closure().error().kind(), fc::ExecutionError::USER);

  // Both attempts time out: the node ends TIMED_OUT.
  Launch("one", "t2", IntMap("x", 1));
  for (size_t i = 2; i < 4; ++i) {
    ASSERT_TRUE(WaitForAttempts(i + 1));
    ASSERT_TRUE(WaitForTaskPhase("t2", "n0", static_cast<int>(i - 2), fc::TaskExecution::RUNNING));
    clock_.Advance(11s);
    ASSERT_TRUE(WaitUntil([&] { return runner_->attempt(i).ended; }));
    EXPECT_EQ(runner_->attempt(i).killed, "the task timed out");
  }
  ASSERT_TRUE(WaitForPhase("t2", fc::WorkflowExecution::FAILED));
  EXPECT_EQ(Execution("t2").closure().error().code(), "RetriesExhausted|TimeoutExpired");
  auto n = NodeExecution("t2", "n0");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->closure().phase(), fc::NodeExecution::TIMED_OUT);
  EXPECT_EQ(runner_->count(), 4u);
}

// The sleep gate's wait reads the executor's clock: it ends exactly when its time has passed.
TEST_F(ExecutorTest, SleepGateWaitsItsDurationOnTheClock) {
  RegisterWorkflow("nap", R"(
    nodes { id: "g" gate_node { sleep { duration { seconds: 30 } } } })");
  Launch("nap", "z1");
  ASSERT_TRUE(WaitForNodePhase("z1", "g", fc::NodeExecution::RUNNING));
  clock_.Advance(29s);
  // Let the loop look at its timers after the advance; the gate must still be waiting.
  EXPECT_FALSE(WaitUntil([&] { return Execution("z1").closure().phase() ==
                                      fc::WorkflowExecution::SUCCEEDED; },
                         std::chrono::milliseconds(100)));
  clock_.Advance(1s);
  ASSERT_TRUE(WaitForPhase("z1", fc::WorkflowExecution::SUCCEEDED));
  auto gate = NodeExecution("z1", "g");
  ASSERT_TRUE(gate.ok());
  EXPECT_EQ(gate->closure().duration().seconds(), 30);
}

TEST_F(ExecutorTest, TerminateKillsRunningAttemptsAndEndsAborted) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pair", R"(
    interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:inc } } }
    nodes { id: "n1" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:inc } } })");
  Launch("pair", "ab", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  ASSERT_TRUE(WaitForTaskPhase("ab", "n0", 0, fc::TaskExecution::RUNNING));
  ASSERT_TRUE(WaitForTaskPhase("ab", "n1", 0, fc::TaskExecution::RUNNING));
  fa::ExecutionTerminateRequest req;
  *req.mutable_id() = ExecId("ab");
  req.set_cause("stopped by the user");
  ASSERT_TRUE(admin_->TerminateExecution(req).ok());
  ASSERT_TRUE(WaitForPhase("ab", fc::WorkflowExecution::ABORTED));
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(runner_->attempt(i).ended);
    EXPECT_EQ(runner_->attempt(i).killed, "the execution was aborted");
  }
  for (const char* node : {"n0", "n1"}) {
    SCOPED_TRACE(node);
    auto n = NodeExecution("ab", node);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->closure().phase(), fc::NodeExecution::ABORTED);
    auto tasks = TaskExecutions("ab", node);
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].closure().phase(), fc::TaskExecution::ABORTED);
  }
  EXPECT_EQ(Execution("ab").closure().abort_metadata().cause(), "stopped by the user");
  EXPECT_EQ(runner_->count(), 2u);
}

TEST_F(ExecutorTest, CacheHitRunsNothing) {
  RegisterTask("cached", kIntToInt, R"(discoverable: true discovery_version: "1")");
  RegisterWorkflow("one", OneNode("cached"));
  Launch("one", "c1", IntMap("x", 3));
  ASSERT_TRUE(WaitForAttempts(1));
  Succeed(0, IntMap("o0", 9));
  ASSERT_TRUE(WaitForPhase("c1", fc::WorkflowExecution::SUCCEEDED));
  auto first = NodeExecution("c1", "n0");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->closure().task_node_metadata().cache_status(), fc::CACHE_POPULATED);

  // Same inputs: served from the cache, with no attempt and no task execution.
  Launch("one", "c2", IntMap("x", 3));
  ASSERT_TRUE(WaitForPhase("c2", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(runner_->count(), 1u);
  auto hit = NodeExecution("c2", "n0");
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->closure().phase(), fc::NodeExecution::SUCCEEDED);
  EXPECT_EQ(hit->closure().task_node_metadata().cache_status(), fc::CACHE_HIT);
  EXPECT_EQ(OutputUri(*hit), WfDir("c2") + "/n0/data/0/outputs.pb");
  EXPECT_EQ(IntOf(ReadMap(OutputUri(*hit)), "o0"), 9);
  EXPECT_TRUE(TaskExecutions("c2", "n0").empty());
  EXPECT_EQ(IntOf(ExecOutputs("c2"), "o0"), 9);

  // Other inputs miss; overwrite_cache runs even when the key is present.
  Launch("one", "c3", IntMap("x", 4));
  ASSERT_TRUE(WaitForAttempts(2));
  Succeed(1, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("c3", fc::WorkflowExecution::SUCCEEDED));
  Launch("one", "c4", IntMap("x", 3), "overwrite_cache: true");
  ASSERT_TRUE(WaitForAttempts(3));
  Succeed(2, IntMap("o0", 10));
  ASSERT_TRUE(WaitForPhase("c4", fc::WorkflowExecution::SUCCEEDED));
  // ... and its result replaces the cached one.
  Launch("one", "c5", IntMap("x", 3));
  ASSERT_TRUE(WaitForPhase("c5", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("c5"), "o0"), 10);
  EXPECT_EQ(runner_->count(), 3u);
}

TEST_F(ExecutorTest, BindingThatCannotBeResolvedFailsTheNode) {
  RegisterTask("pair", R"(
    inputs { variables { key: "a" value { type { simple: INTEGER } } } }
    outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } })");
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("picky", R"(
    interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:pair } } }
    nodes { id: "n1" inputs { var: "a" binding { promise { node_id: "n0" var: "o0"
                                                           attr_path { int_value: 5 } } } }
            task_node { reference_id { @task:inc } } })");
  Launch("picky", "bf", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(1));
  Succeed(0, R"(literals { key: "o0" value { collection {
      literals { scalar { primitive { integer: 1 } } } literals { scalar { primitive { integer: 2 } } } } } })");
  ASSERT_TRUE(WaitForPhase("bf", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("bf").closure().error();
  EXPECT_EQ(err.code(), "BindingResolutionFailure");
  EXPECT_EQ(err.kind(), fc::ExecutionError::SYSTEM);
  EXPECT_NE(err.message().find("index 5 is out of range (2 elements)"), std::string::npos)
      << err.message();
  auto n1 = NodeExecution("bf", "n1");
  ASSERT_TRUE(n1.ok());
  EXPECT_EQ(n1->closure().phase(), fc::NodeExecution::FAILED);
  EXPECT_EQ(runner_->count(), 1u);
}

TEST_F(ExecutorTest, UnknownInputInTheCommandFailsTheNodeWithoutRunningIt) {
  std::vector<std::string> args = DefaultArgs();
  args.push_back("--b={{.inputs.b}}");
  RegisterTask("typo", kIntToInt, "retries { retries: 2 }", args);
  RegisterWorkflow("one", OneNode("typo"));
  Launch("one", "ty", IntMap("x", 1));
  ASSERT_TRUE(WaitForPhase("ty", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("ty").closure().error();
  EXPECT_EQ(err.code(), "TaskSetupFailure");
  EXPECT_NE(err.message().find("{{.inputs.b}}"), std::string::npos) << err.message();
  EXPECT_EQ(runner_->count(), 0u);
}

TEST_F(ExecutorTest, CacheSerializableRunsOneAttemptPerKey) {
  RegisterTask("serial", kIntToInt,
               R"(discoverable: true discovery_version: "1" cache_serializable: true)");
  RegisterWorkflow("one", OneNode("serial"));
  Launch("one", "s1", IntMap("x", 3));
  ASSERT_TRUE(WaitForAttempts(1));
  // The same key again waits, queued, for the first attempt instead of running.
  Launch("one", "s2", IntMap("x", 3));
  ASSERT_TRUE(WaitForNodePhase("s2", "n0", fc::NodeExecution::QUEUED));
  Succeed(0, IntMap("o0", 9));
  ASSERT_TRUE(WaitForPhase("s1", fc::WorkflowExecution::SUCCEEDED));
  ASSERT_TRUE(WaitForPhase("s2", fc::WorkflowExecution::SUCCEEDED));
  auto waited = NodeExecution("s2", "n0");
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(waited->closure().task_node_metadata().cache_status(), fc::CACHE_HIT);
  EXPECT_EQ(IntOf(ExecOutputs("s2"), "o0"), 9);
  EXPECT_EQ(runner_->count(), 1u);

  // When the running attempt fails, a waiter runs the task itself.
  Launch("one", "s3", IntMap("x", 4));
  ASSERT_TRUE(WaitForAttempts(2));
  Launch("one", "s4", IntMap("x", 4));
  ASSERT_TRUE(WaitForNodePhase("s4", "n0", fc::NodeExecution::QUEUED));
  WriteError(Run(1), "USER:Bad", "no", fc::ContainerError::NON_RECOVERABLE, fc::ExecutionError::USER);
  Exit(1);
  ASSERT_TRUE(WaitForPhase("s3", fc::WorkflowExecution::FAILED));
  ASSERT_TRUE(WaitForAttempts(3));
  EXPECT_EQ(Run(2).env.at("FLYTE_INTERNAL_EXECUTION_ID"), "s4");
  Succeed(2, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("s4", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("s4"), "o0"), 16);
}

}  // namespace
}  // namespace flytebox::executor::testing
