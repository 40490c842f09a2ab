// The executor's Plan on its own: dependencies from templates, readiness, skips and verdicts,
// with no store, Admin or runner.
#include "embedded/executor/plan.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/proto_text.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
using flytebox::testing::ParseText;
using Kind = Plan::Action::Kind;
using Verdict = Plan::Verdict::Kind;

constexpr NodePhase kU = fc::NodeExecution::UNDEFINED;
constexpr NodePhase kRun = fc::NodeExecution::RUNNING;
constexpr NodePhase kOk = fc::NodeExecution::SUCCEEDED;
constexpr NodePhase kFail = fc::NodeExecution::FAILED;
constexpr NodePhase kSkip = fc::NodeExecution::SKIPPED;
constexpr NodePhase kAbort = fc::NodeExecution::ABORTED;
constexpr NodePhase kTimeout = fc::NodeExecution::TIMED_OUT;

// a → b (declared) ; a → c (binding) ; b, c → d ; e alone; start-node and end-node ignored.
fc::WorkflowTemplate Diamond() {
  return ParseText<fc::WorkflowTemplate>(R"pb(
    nodes { id: "start-node" }
    nodes { id: "a" upstream_node_ids: "start-node" }
    nodes { id: "b" upstream_node_ids: "a" }
    nodes {
      id: "c"
      inputs {
        var: "x"
        binding { promise { node_id: "a" var: "o0" } }
      }
    }
    nodes {
      id: "d"
      inputs {
        var: "xs"
        binding {
          collection {
            bindings { promise { node_id: "b" var: "o0" } }
            bindings { map { bindings { key: "k" value { promise { node_id: "c" var: "o0" } } } } }
          }
        }
      }
    }
    nodes {
      id: "e"
      inputs {
        var: "y"
        binding { promise { node_id: "start-node" var: "y" } }
      }
    }
    nodes { id: "end-node" upstream_node_ids: "d" }
  )pb");
}

std::vector<int> Nodes(const std::vector<Plan::Action>& actions, Kind kind) {
  std::vector<int> out;
  for (const auto& a : actions) {
    if (a.kind == kind) out.push_back(a.node);
  }
  return out;
}

TEST(PlanTest, DependenciesFromUpstreamIdsAndNestedBindings) {
  Plan plan = Plan::Of(Diamond());
  ASSERT_EQ(plan.size(), 5u);
  EXPECT_EQ(plan.spec_id(0), "a");
  EXPECT_EQ(plan.IndexOf("d"), 3);
  EXPECT_EQ(plan.IndexOf("start-node"), -1);
  EXPECT_EQ(plan.IndexOf("end-node"), -1);
  EXPECT_TRUE(plan.upstream(0).empty());
  EXPECT_EQ(plan.upstream(1), std::vector<int>{0});
  EXPECT_EQ(plan.upstream(2), std::vector<int>{0});
  EXPECT_EQ(plan.upstream(3), (std::vector<int>{1, 2}));
  EXPECT_TRUE(plan.upstream(4).empty());  // the workflow's inputs are no dependency
}

TEST(PlanTest, NamesOutsideTheTemplateAreNotDependencies) {
  // A branch case reads a node of its enclosing workflow.
  Plan plan = Plan::Of(ParseText<fc::WorkflowTemplate>(R"pb(
    nodes {
      id: "n0"
      inputs {
        var: "x"
        binding { promise { node_id: "outer" var: "o0" } }
      }
    }
  )pb"));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_TRUE(plan.upstream(0).empty());
  EXPECT_EQ(Nodes(plan.Ready(std::vector<NodePhase>{kU}), Kind::kStart), std::vector<int>{0});
}

TEST(PlanTest, ReadyStartsNodesWhoseUpstreamSucceeded) {
  Plan plan = Plan::Of(Diamond());
  auto first = plan.Ready(std::vector<NodePhase>{kU, kU, kU, kU, kU});
  EXPECT_EQ(Nodes(first, Kind::kStart), (std::vector<int>{0, 4}));
  EXPECT_TRUE(Nodes(first, Kind::kSkip).empty());
  // Started nodes are not started again.
  EXPECT_TRUE(plan.Ready(std::vector<NodePhase>{kRun, kU, kU, kU, kRun}).empty());
  EXPECT_EQ(Nodes(plan.Ready(std::vector<NodePhase>{kOk, kU, kU, kU, kRun}), Kind::kStart),
            (std::vector<int>{1, 2}));
  // d waits for both b and c.
  EXPECT_TRUE(plan.Ready(std::vector<NodePhase>{kOk, kOk, kRun, kU, kOk}).empty());
  EXPECT_EQ(Nodes(plan.Ready(std::vector<NodePhase>{kOk, kOk, kOk, kU, kOk}), Kind::kStart),
            std::vector<int>{3});
}

TEST(PlanTest, FailedOrAbortedUpstreamSkipsAtOnce) {
  Plan plan = Plan::Of(Diamond());
  for (NodePhase bad : {kFail, kAbort, kTimeout}) {
    SCOPED_TRACE(fc::NodeExecution::Phase_Name(bad));
    // b failed while c still runs: d is skipped without waiting for c.
    auto actions = plan.Ready(std::vector<NodePhase>{kOk, bad, kRun, kU, kOk});
    EXPECT_EQ(Nodes(actions, Kind::kSkip), std::vector<int>{3});
    EXPECT_TRUE(Nodes(actions, Kind::kStart).empty());
  }
}

TEST(PlanTest, SkippedUpstreamSkipsOnceTheOthersAreDone) {
  Plan plan = Plan::Of(Diamond());
  EXPECT_TRUE(plan.Ready(std::vector<NodePhase>{kOk, kSkip, kRun, kU, kOk}).empty());
  EXPECT_EQ(Nodes(plan.Ready(std::vector<NodePhase>{kOk, kSkip, kOk, kU, kOk}), Kind::kSkip),
            std::vector<int>{3});
}

TEST(PlanTest, JudgeRunningSucceededAndFailed) {
  Plan plan = Plan::Of(Diamond());
  EXPECT_EQ(plan.Judge(std::vector<NodePhase>{kOk, kOk, kRun, kU, kOk}, false).kind,
            Verdict::kRunning);
  EXPECT_EQ(plan.Judge(std::vector<NodePhase>{kOk, kOk, kOk, kOk, kOk}, false).kind,
            Verdict::kSucceeded);
  // Skipped nodes count as done, and not as failures.
  EXPECT_EQ(plan.Judge(std::vector<NodePhase>{kOk, kSkip, kOk, kSkip, kOk}, false).kind,
            Verdict::kSucceeded);
}

TEST(PlanTest, FailFastEndsTheGraphWhileOthersRun) {
  Plan plan = Plan::Of(Diamond());
  auto v = plan.Judge(std::vector<NodePhase>{kOk, kRun, kTimeout, kU, kRun}, false);
  EXPECT_EQ(v.kind, Verdict::kFailed);
  EXPECT_EQ(v.failed, 2);
  EXPECT_TRUE(v.abort_rest);
}

TEST(PlanTest, FailLateWaitsForEveryNodeThenNamesTheFirstFailure) {
  Plan plan = Plan::Of(Diamond());
  auto running = plan.Judge(std::vector<NodePhase>{kOk, kFail, kRun, kU, kRun}, true);
  EXPECT_EQ(running.kind, Verdict::kRunning);
  auto done = plan.Judge(std::vector<NodePhase>{kOk, kFail, kFail, kSkip, kOk}, true);
  EXPECT_EQ(done.kind, Verdict::kFailed);
  EXPECT_EQ(done.failed, 1);
  EXPECT_FALSE(done.abort_rest);
}

TEST(PlanTest, EmptyTemplateSucceedsAtOnce) {
  Plan plan = Plan::Of(fc::WorkflowTemplate());
  EXPECT_EQ(plan.size(), 0u);
  EXPECT_TRUE(plan.Ready({}).empty());
  EXPECT_EQ(plan.Judge({}, false).kind, Verdict::kSucceeded);
}

TEST(PlanTest, DonePhases) {
  for (NodePhase p : {kOk, kFail, kSkip, kAbort, kTimeout}) EXPECT_TRUE(IsDonePhase(p));
  for (NodePhase p : {kU, kRun, fc::NodeExecution::QUEUED, fc::NodeExecution::DYNAMIC_RUNNING}) {
    EXPECT_FALSE(IsDonePhase(p));
  }
  EXPECT_TRUE(IsFailedPhase(kFail));
  EXPECT_TRUE(IsFailedPhase(kTimeout));
  EXPECT_FALSE(IsFailedPhase(kAbort));
}

}  // namespace
}  // namespace flytebox::executor
