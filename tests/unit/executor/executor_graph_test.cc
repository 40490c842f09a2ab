// The executor's graphs: array nodes, dynamic nodes, branches and failure policies.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "flyteidl/core/dynamic_job.pb.h"
#include "tests/unit/executor/executor_fixture.h"

namespace flytebox::executor::testing {
namespace {

using ExecutorGraphTest = ExecutorFixture;

TEST_F(ExecutorGraphTest, ArrayNodeWithMinSuccessRatio) {
  RegisterMapper("", "min_success_ratio: 0.75");
  const std::string xs = Ints("xs", {1, 2, 3, 4});

  // Three of four succeed: enough.
  Launch("mapper", "m1", xs);
  ASSERT_TRUE(WaitForAttempts(4));
  const std::string data = WfDir("m1") + "/n0/data";
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    TaskRun r = Run(i);
    const std::string idx = r.env.at("FLYTE_K8S_ARRAY_INDEX");
    EXPECT_EQ(idx, std::to_string(i));
    EXPECT_EQ(r.env.at("BATCH_JOB_ARRAY_INDEX_VAR_NAME"), "FLYTE_K8S_ARRAY_INDEX");
    EXPECT_EQ(Arg(r, "--inputs"), data + "/inputs.pb");  // every element gets the full inputs
    EXPECT_EQ(OutputPrefix(r), data + "/0/" + idx + "/0");
  }
  EXPECT_EQ(ReadMap(data + "/inputs.pb").literals().at("x").collection().literals_size(), 4);
  Succeed(0, IntMap("o0", 1));
  Succeed(1, IntMap("o0", 4));
  Exit(2, 1);
  Succeed(3, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("m1", fc::WorkflowExecution::SUCCEEDED));
  auto out = ExecOutputs("m1").literals().at("o0").collection();
  ASSERT_EQ(out.literals_size(), 4);
  EXPECT_EQ(out.literals(0).scalar().primitive().integer(), 1);
  EXPECT_EQ(out.literals(1).scalar().primitive().integer(), 4);
  EXPECT_TRUE(out.literals(2).scalar().has_none_type());  // the failed element yields none
  EXPECT_EQ(out.literals(3).scalar().primitive().integer(), 16);
  auto node = NodeExecution("m1", "n0");
  ASSERT_TRUE(node.ok());
  EXPECT_TRUE(node->metadata().is_array());
  EXPECT_EQ(OutputUri(*node), data + "/0/outputs.pb");
  // One task execution for the whole array, with one external resource per element.
  auto tasks = TaskExecutions("m1", "n0");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].closure().phase(), fc::TaskExecution::SUCCEEDED);
  const auto& res = tasks[0].closure().metadata().external_resources();
  ASSERT_EQ(res.size(), 4);
  const std::vector<fc::TaskExecution::Phase> phases = {
      fc::TaskExecution::SUCCEEDED, fc::TaskExecution::SUCCEEDED, fc::TaskExecution::FAILED,
      fc::TaskExecution::SUCCEEDED};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(res[i].index(), static_cast<uint32_t>(i));
    EXPECT_EQ(res[i].phase(), phases[static_cast<size_t>(i)]) << i;
  }

  // Two of four: not enough.
  Launch("mapper", "m2", xs);
  ASSERT_TRUE(WaitForAttempts(8));
  Succeed(4, IntMap("o0", 1));
  WriteError(Run(5), "USER:Bad", "bad element", fc::ContainerError::NON_RECOVERABLE,
             fc::ExecutionError::USER);
  Exit(5);
  Exit(6, 2);
  Succeed(7, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("m2", fc::WorkflowExecution::FAILED));
  const fc::ExecutionError err = Execution("m2").closure().error();
  EXPECT_EQ(err.code(), "ArrayNodeFailed");
  EXPECT_NE(err.message().find("2 of 4 elements succeeded, 3 needed"), std::string::npos)
      << err.message();
  EXPECT_NE(err.message().find("bad element"), std::string::npos) << err.message();
  EXPECT_EQ(runner_->count(), 8u);
}

TEST_F(ExecutorGraphTest, ArrayElementsRetryOnTheirOwnWithinParallelism) {
  RegisterMapper("retries { retries: 1 }", "parallelism: 2");
  Launch("mapper", "m3", Ints("xs", {1, 2, 3, 4}));
  ASSERT_TRUE(WaitForAttempts(2));
  EXPECT_EQ(runner_->count(), 2u);  // at most two at a time
  const std::string out = WfDir("m3") + "/n0/data/0";
  EXPECT_EQ(Run(0).env.at("FLYTE_K8S_ARRAY_INDEX"), "0");
  EXPECT_EQ(Run(1).env.at("FLYTE_K8S_ARRAY_INDEX"), "1");
  // Element 0 fails once and is retried as attempt 1 of that element alone.
  WriteError(Run(0), "USER:Flaky", "again", fc::ContainerError::RECOVERABLE, fc::ExecutionError::USER);
  Exit(0);
  ASSERT_TRUE(WaitForAttempts(3));
  EXPECT_EQ(runner_->count(), 3u);
  TaskRun retry = Run(2);
  EXPECT_EQ(retry.env.at("FLYTE_K8S_ARRAY_INDEX"), "0");
  EXPECT_EQ(retry.env.at("FLYTE_ATTEMPT_NUMBER"), "1");
  EXPECT_EQ(OutputPrefix(retry), out + "/0/1");
  Succeed(1, IntMap("o0", 4));
  ASSERT_TRUE(WaitForAttempts(4));
  EXPECT_EQ(Run(3).env.at("FLYTE_K8S_ARRAY_INDEX"), "2");
  Succeed(2, IntMap("o0", 1));
  ASSERT_TRUE(WaitForAttempts(5));
  EXPECT_EQ(Run(4).env.at("FLYTE_K8S_ARRAY_INDEX"), "3");
  Succeed(3, IntMap("o0", 9));
  Succeed(4, IntMap("o0", 16));
  ASSERT_TRUE(WaitForPhase("m3", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntsOf(ExecOutputs("m3"), "o0"), (std::vector<int64_t>{1, 4, 9, 16}));
  auto tasks = TaskExecutions("m3", "n0");
  ASSERT_EQ(tasks.size(), 1u);
  const auto& res = tasks[0].closure().metadata().external_resources();
  ASSERT_EQ(res.size(), 4);
  EXPECT_EQ(res[0].retry_attempt(), 1u);
  EXPECT_EQ(res[1].retry_attempt(), 0u);
  EXPECT_EQ(runner_->count(), 5u);
}

TEST_F(ExecutorGraphTest, BranchRunsOnlyTheChosenCase) {
  std::vector<std::string> args = DefaultArgs();
  args.insert(args.end(), {"--a", "{{.inputs.a}}"});
  RegisterTask("big", kIntToInt, "", args);
  RegisterTask("small", kIntToInt, "", args);
  RegisterWorkflow("branchy", R"(
    interface {
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
    }
    nodes {
      id: "n0"
      inputs { var: ".x" binding { promise { var: "x" } } }
      branch_node { if_else {
        case {
          condition { comparison { operator: GT left_value { var: ".x" }
                                   right_value { primitive { integer: 10 } } } }
          then_node { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
                      task_node { reference_id { @task:big } } }
        }
        else_node { id: "n1" inputs { var: "a" binding { promise { var: "x" } } }
                    task_node { reference_id { @task:small } } }
      } }
    }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } })");

  Launch("branchy", "b1", IntMap("x", 20));
  ASSERT_TRUE(WaitForAttempts(1));
  TaskRun r = Run(0);
  EXPECT_EQ(r.env.at("FLYTE_INTERNAL_TASK_NAME"), "big");
  EXPECT_EQ(Arg(r, "--a"), "20") << "inputs are given to the chosen case";
  // A child's data lives under its parent's output dir: <wf>/n0/data/0/<child id>.
  const std::string child_dir = WfDir("b1") + "/n0/data/0/n0-0-n0-n0";
  EXPECT_EQ(Arg(r, "--inputs"), child_dir + "/inputs.pb");
  EXPECT_EQ(OutputPrefix(r), child_dir + "/0");
  Succeed(0, IntMap("o0", 200));
  ASSERT_TRUE(WaitForPhase("b1", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("b1"), "o0"), 200);
  auto branch = NodeExecution("b1", "n0");
  ASSERT_TRUE(branch.ok());
  EXPECT_EQ(branch->closure().phase(), fc::NodeExecution::SUCCEEDED);
  EXPECT_TRUE(branch->metadata().is_parent_node());
  auto children = NodeExecutions("b1", "n0");
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].id().node_id(), "n0-0-n0-n0");
  EXPECT_EQ(children[0].metadata().spec_node_id(), "n0-n0");
  EXPECT_EQ(children[0].closure().phase(), fc::NodeExecution::SUCCEEDED);

  Launch("branchy", "b2", IntMap("x", 3));
  ASSERT_TRUE(WaitForAttempts(2));
  EXPECT_EQ(Run(1).env.at("FLYTE_INTERNAL_TASK_NAME"), "small");
  Succeed(1, IntMap("o0", 4));
  ASSERT_TRUE(WaitForPhase("b2", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntOf(ExecOutputs("b2"), "o0"), 4);
  auto b2_children = NodeExecutions("b2", "n0");
  ASSERT_EQ(b2_children.size(), 1u);
  EXPECT_EQ(b2_children[0].metadata().spec_node_id(), "n0-n1");
  EXPECT_EQ(runner_->count(), 2u);
}

TEST_F(ExecutorGraphTest, DynamicNodeRunsTheWorkflowItsTaskWrote) {
  RegisterTask("inc", kIntToInt);
  RegisterTask("fanout", R"(
    inputs { variables { key: "a" value { type { simple: INTEGER } } } }
    outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } })");
  RegisterWorkflow("dyn", R"(
    interface {
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } }
    }
    nodes { id: "n0" inputs { var: "a" binding { promise { var: "x" } } }
            task_node { reference_id { @task:fanout } } }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } })");
  Launch("dyn", "d1", IntMap("x", 2));
  ASSERT_TRUE(WaitForAttempts(1));

  // The task writes futures.pb: two nodes running `inc`, gathered into a list.
  fa::ObjectGetRequest get;
  get.mutable_id()->set_resource_type(fc::TASK);
  get.mutable_id()->set_project(kProject);
  get.mutable_id()->set_domain(kDomain);
  get.mutable_id()->set_name("inc");
  get.mutable_id()->set_version("v1");
  auto inc = admin_->GetTask(get);
  ASSERT_TRUE(inc.ok()) << inc.status().ToString();
  const fc::Identifier& inc_id = inc->closure().compiled_task().template_().id();
  auto spec = Text<fc::DynamicJobSpec>(R"(
    min_successes: 2
    nodes { id: "dn0" inputs { var: "a" binding { scalar { primitive { integer: 2 } } } } }
    nodes { id: "dn1" inputs { var: "a" binding { scalar { primitive { integer: 3 } } } } }
    outputs { var: "o0" binding { collection {
      bindings { promise { node_id: "dn0" var: "o0" } }
      bindings { promise { node_id: "dn1" var: "o0" } } } } })");
  for (auto& node : *spec.mutable_nodes()) *node.mutable_task_node()->mutable_reference_id() = inc_id;
  *spec.add_tasks() = inc->closure().compiled_task().template_();
  const std::string out = OutputPrefix(Run(0));
  auto key = blobs_->KeyOf(out + "/futures.pb");
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(blobs_->Put(*key, spec.SerializeAsString()).ok());
  Exit(0);

  // Its nodes run as children under the parent's output dir.
  ASSERT_TRUE(WaitForAttempts(3));
  ASSERT_TRUE(WaitForNodePhase("d1", "n0", fc::NodeExecution::DYNAMIC_RUNNING));
  std::map<std::string, size_t> by_input;
  for (size_t i = 1; i < 3; ++i) {
    TaskRun r = Run(i);
    EXPECT_EQ(r.env.at("FLYTE_INTERNAL_TASK_NAME"), "inc");
    by_input[ReadMap(Arg(r, "--inputs")).ShortDebugString()] = i;
    EXPECT_EQ(OutputPrefix(r).rfind(out + "/n0-0-dn", 0), 0u) << OutputPrefix(r);
  }
  ASSERT_EQ(by_input.size(), 2u);
  size_t first = OutputPrefix(Run(1)).find("/n0-0-dn0/") != std::string::npos ? 1 : 2;
  Succeed(first, IntMap("o0", 3));
  Succeed(3 - first, IntMap("o0", 4));
  ASSERT_TRUE(WaitForPhase("d1", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(IntsOf(ExecOutputs("d1"), "o0"), (std::vector<int64_t>{3, 4}));

  auto parent = NodeExecution("d1", "n0");
  ASSERT_TRUE(parent.ok());
  EXPECT_TRUE(parent->metadata().is_dynamic());
  EXPECT_TRUE(parent->metadata().is_parent_node());
  EXPECT_EQ(OutputUri(*parent), out + "/outputs.pb");
  EXPECT_EQ(log_->NodePhases("d1", "n0"),
            (std::vector<std::string>{"QUEUED", "RUNNING", "DYNAMIC_RUNNING", "SUCCEEDED"}));
  auto children = NodeExecutions("d1", "n0");
  ASSERT_EQ(children.size(), 2u);
  for (const auto& c : children) EXPECT_EQ(c.closure().phase(), fc::NodeExecution::SUCCEEDED);
  // The read path shows the compiled dynamic workflow.
  fa::NodeExecutionGetDataRequest data_req;
  *data_req.mutable_id() = parent->id();
  auto data = admin_->GetNodeExecutionData(data_req);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(data->has_dynamic_workflow());
  EXPECT_EQ(data->dynamic_workflow().compiled_workflow().primary().template_().nodes_size(), 2 + 2)
      << "dn0, dn1, start-node, end-node";
}

TEST_F(ExecutorGraphTest, AFailedNodeAbortsItsSiblingByDefault) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pair", Pair(""));
  Launch("pair", "p1", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  ASSERT_TRUE(WaitForTaskPhase("p1", "n0", 0, fc::TaskExecution::RUNNING));
  ASSERT_TRUE(WaitForTaskPhase("p1", "n1", 0, fc::TaskExecution::RUNNING));
  size_t a = AttemptOf("p1", "n0"), b = AttemptOf("p1", "n1");
  WriteError(Run(a), "USER:Oops", "n0 broke", fc::ContainerError::NON_RECOVERABLE,
             fc::ExecutionError::USER);
  Exit(a);
  ASSERT_TRUE(WaitForPhase("p1", fc::WorkflowExecution::FAILED));
  EXPECT_EQ(Execution("p1").closure().error().code(), "USER:Oops");
  EXPECT_EQ(Execution("p1").closure().error().message(), "n0 broke");
  EXPECT_TRUE(runner_->attempt(b).ended);
  EXPECT_FALSE(runner_->attempt(b).killed.empty());
  auto n1 = NodeExecution("p1", "n1");
  ASSERT_TRUE(n1.ok());
  EXPECT_EQ(n1->closure().phase(), fc::NodeExecution::ABORTED);
  auto tasks = TaskExecutions("p1", "n1");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].closure().phase(), fc::TaskExecution::ABORTED);
}

TEST_F(ExecutorGraphTest, MaxParallelismHoldsTasksBackUntilOneEnds) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pair", Pair(""));
  Launch("pair", "mp", IntMap("x", 1), "max_parallelism: 1");
  ASSERT_TRUE(WaitForAttempts(1));
  size_t first = 0;
  // The other node stays unstarted while the first runs, however long that is.
  EXPECT_FALSE(runner_->WaitForCount(2, std::chrono::milliseconds(300)));
  std::string waiting = Run(first).node == "n0" ? "n1" : "n0";
  EXPECT_EQ(NodeExecution("mp", waiting).status().code(), Code::kNotFound);
  Succeed(first, IntMap("o0", 2));
  ASSERT_TRUE(WaitForAttempts(2));
  Succeed(1, IntMap("o0", 2));
  ASSERT_TRUE(WaitForPhase("mp", fc::WorkflowExecution::SUCCEEDED));
  EXPECT_EQ(runner_->count(), 2u);
}

TEST_F(ExecutorGraphTest, WithoutMaxParallelismIndependentTasksStartTogether) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pair", Pair(""));
  Launch("pair", "np", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
}

TEST_F(ExecutorGraphTest, TaskResourceAttributesShapeTheAttemptsResources) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pair", Pair(""));
  fa::ProjectDomainAttributesUpdateRequest req;
  auto* a = req.mutable_attributes();
  a->set_project(kProject);
  a->set_domain(kDomain);
  auto* res = a->mutable_matching_attributes()->mutable_task_resource_attributes();
  res->mutable_defaults()->set_cpu("1500m");
  res->mutable_defaults()->set_memory("300Mi");
  ASSERT_TRUE(admin_->UpdateProjectDomainAttributes(req).ok());
  Launch("pair", "res", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(Run(i).requests,
              (std::map<std::string, std::string>{{"cpu", "1500m"}, {"memory", "300Mi"}}));
  }
}

TEST_F(ExecutorGraphTest, FailAfterExecutableNodesCompleteLetsTheSiblingFinish) {
  RegisterTask("inc", kIntToInt);
  RegisterWorkflow("pairlate", Pair("metadata { on_failure: FAIL_AFTER_EXECUTABLE_NODES_COMPLETE }"));
  Launch("pairlate", "p2", IntMap("x", 1));
  ASSERT_TRUE(WaitForAttempts(2));
  size_t a = AttemptOf("p2", "n0"), b = AttemptOf("p2", "n1");
  WriteError(Run(a), "USER:Oops", "n0 broke", fc::ContainerError::NON_RECOVERABLE,
             fc::ExecutionError::USER);
  Exit(a);
  ASSERT_TRUE(WaitForNodePhase("p2", "n0", fc::NodeExecution::FAILED));
  EXPECT_EQ(Execution("p2").closure().phase(), fc::WorkflowExecution::RUNNING);
  EXPECT_FALSE(runner_->attempt(b).ended);
  Succeed(b, IntMap("o0", 2));
  ASSERT_TRUE(WaitForPhase("p2", fc::WorkflowExecution::FAILED));
  EXPECT_EQ(Execution("p2").closure().error().code(), "USER:Oops");
  auto n1 = NodeExecution("p2", "n1");
  ASSERT_TRUE(n1.ok());
  EXPECT_EQ(n1->closure().phase(), fc::NodeExecution::SUCCEEDED);
  EXPECT_EQ(runner_->attempt(b).killed, "");
}

// As propeller decides it: the node's metadata, else its task's, else the execution's spec.
TEST_F(ExecutorGraphTest, InterruptibleComesFromTheNodeThenTheTaskThenTheExecution) {
  RegisterTask("inc", kIntToInt);
  RegisterTask("spot", kIntToInt, "interruptible: true");
  auto node = [](const char* id, const char* task, const char* metadata) {
    return std::string("nodes { id: \"") + id + "\" " + metadata +
           " inputs { var: \"a\" binding { promise { var: \"x\" } } }"
           " task_node { reference_id { @task:" +
           task + " } } }";
  };
  RegisterWorkflow("mixed", std::string(R"(
    interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } })") +
                                node("n0", "spot", "") + node("n1", "inc", "") +
                                node("n2", "spot", "metadata { interruptible: false }") +
                                node("n3", "inc", "metadata { interruptible: true }"));
  Launch("mixed", "int", IntMap("x", 1), "interruptible { value: false }");
  ASSERT_TRUE(WaitForAttempts(4));
  const std::map<std::string, flyteidl::event::TaskExecutionMetadata::InstanceClass> want = {
      {"n0", flyteidl::event::TaskExecutionMetadata::INTERRUPTIBLE},
      {"n1", flyteidl::event::TaskExecutionMetadata::DEFAULT},
      {"n2", flyteidl::event::TaskExecutionMetadata::DEFAULT},
      {"n3", flyteidl::event::TaskExecutionMetadata::INTERRUPTIBLE}};
  for (const auto& [id, instance_class] : want) {
    auto tasks = TaskExecutions("int", id);
    ASSERT_FALSE(tasks.empty()) << id;
    EXPECT_EQ(tasks[0].closure().metadata().instance_class(), instance_class) << id;
  }
}

}  // namespace
}  // namespace flytebox::executor::testing
