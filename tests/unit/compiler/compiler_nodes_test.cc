// The compiler on branch, array, launch-plan and gate nodes; determinism and references.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "embedded/compiler/compiler.h"
#include "tests/unit/compiler/compiler_fixture.h"

namespace flytebox::compiler {
namespace {

using flyteidl::admin::WorkflowSpec;
using flyteidl::core::CompiledWorkflow;
using flyteidl::core::CompiledWorkflowClosure;
using testing::Adjacency;
using testing::CompilerTest;
using testing::Deterministic;
using testing::Downstream;
using testing::Parse;
using testing::Replace;
using testing::Upstream;

constexpr char kBranch[] = R"(
  template {
    id { @wf:branchy }
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
                                   right_value { primitive { integer: %s } } } }
          then_node { id: "n0" inputs { var: "x" binding { promise { var: "x" } } }
                      task_node { reference_id { @task:square } } }
        }
        other {
          condition { comparison { operator: LT left_value { var: ".x" }
                                   right_value { primitive { integer: 0 } } } }
          then_node { id: "n1" inputs { var: "x" binding { promise { var: "x" } } }
                      task_node { reference_id { @task:%s } } }
        }
        %s
      } }
    }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
  })";

std::string Branch(const char* constant, const char* second_task, const char* default_block) {
  char buffer[4096];
  std::snprintf(buffer, sizeof(buffer), kBranch, constant, second_task, default_block);
  return buffer;
}

constexpr char kElseAdd[] = R"(else_node { id: "n2" task_node { reference_id { @task:add } }
                              inputs { var: "a" binding { promise { var: "x" } } }
                              inputs { var: "b" binding { scalar { primitive { integer: 1 } } } } })";

TEST_F(CompilerTest, BranchNode) {
  Result<CompiledWorkflowClosure> r = Compile(Branch("10", "square", kElseAdd));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const CompiledWorkflow& wf = r->primary();
  const auto& if_else = wf.template_().nodes(2).branch_node().if_else();
  // Cases are renamed "<branch>-<case>" and their promises rewritten.
  EXPECT_EQ(if_else.case_().then_node().id(), "n0-n0");
  EXPECT_EQ(if_else.other(0).then_node().id(), "n0-n1");
  EXPECT_EQ(if_else.else_node().id(), "n0-n2");
  EXPECT_EQ(if_else.case_().then_node().inputs(0).binding().promise().node_id(), "start-node");
  // Cases get upstream edges only; the branch node itself is an ordinary node.
  EXPECT_EQ(Upstream(wf), (Adjacency{{"n0", {"start-node"}},
                                     {"n0-n0", {"start-node"}},
                                     {"n0-n1", {"start-node"}},
                                     {"n0-n2", {"start-node"}},
                                     {"end-node", {"n0"}}}));
  EXPECT_EQ(Downstream(wf), (Adjacency{{"start-node", {"n0"}}, {"n0", {"end-node"}}}));
  EXPECT_EQ(r->tasks_size(), 2);
}

TEST_F(CompilerTest, BranchErrors) {
  // Cases whose outputs differ in type.
  std::string msg = CompileError(Branch("10", "to_float", kElseAdd));
  EXPECT_NE(msg.find("node n0-n1: output 'o0' is float but the first case's is int"),
            std::string::npos)
      << msg;
  // A condition comparing an int input with a float constant.
  std::string spec = Branch("10", "square", kElseAdd);
  Replace(spec, "integer: 10", "float_value: 1.5");
  msg = CompileError(spec);
  EXPECT_EQ(msg, "workflow branchy: node n0: a condition compares int with float");
  // Neither else-node nor error.
  msg = CompileError(Branch("10", "square", ""));
  EXPECT_EQ(msg, "workflow branchy: node n0: the branch has neither an else-node nor an error");
}

TEST_F(CompilerTest, BranchWithErrorDefault) {
  Result<CompiledWorkflowClosure> r =
      Compile(Branch("10", "square", R"(error { failed_node_id: "n0" message: "no" })"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(CompilerTest, ArrayNodeMapTask) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:mapper }
      interface {
        inputs { variables { key: "xs" value { type { collection_type { simple: INTEGER } } } } }
        outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } }
      }
      nodes {
        id: "n0"
        inputs { var: "x" binding { promise { var: "xs" } } }
        array_node {
          node { id: "inner" inputs { var: "x" binding { promise { var: "xs" } } }
                 task_node { reference_id { @task:map_square } } }
          min_success_ratio: 1
        }
      }
      outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& n0 = r->primary().template_().nodes(2);
  EXPECT_EQ(n0.inputs(0).binding().promise().node_id(), "start-node");
  // The inner node is not validated by Flyte: its promises stay as given.
  EXPECT_EQ(n0.array_node().node().inputs(0).binding().promise().node_id(), "");
  EXPECT_EQ(r->tasks_size(), 1);
  EXPECT_EQ(CollectReferences(Parse<WorkflowSpec>(R"(
    template { nodes { id: "n0" array_node { node { task_node { reference_id { @task:t } } } } } })"))
                .tasks.size(),
            1u);
}

TEST_F(CompilerTest, LaunchPlanNode) {
  constexpr char kSpec[] = R"(
    template {
      id { @wf:parent }
      interface { outputs { variables { key: "o0" value { type { simple: INTEGER } } } } }
      nodes { id: "n0" workflow_node { launchplan_ref { @lp:child_lp } } %s }
      outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
    })";
  char buffer[2048];
  // Only the required input must be bound; the defaulted one may be.
  std::snprintf(buffer, sizeof(buffer), kSpec,
                R"(inputs { var: "x" binding { scalar { primitive { integer: 1 } } } })");
  Result<CompiledWorkflowClosure> r = Compile(buffer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tasks_size(), 0);

  std::snprintf(buffer, sizeof(buffer), kSpec,
                R"(inputs { var: "x" binding { scalar { primitive { integer: 1 } } } }
                   inputs { var: "y" binding { scalar { primitive { integer: 2 } } } })");
  EXPECT_TRUE(Compile(buffer).ok());

  std::snprintf(buffer, sizeof(buffer), kSpec,
                R"(inputs { var: "y" binding { scalar { primitive { integer: 2 } } } })");
  EXPECT_EQ(CompileError(buffer), "workflow parent: node n0: input 'x': required but not bound");

  // Unknown launch plan.
  std::string spec(buffer);
  Replace(spec, "child_lp", "other_lp");
  EXPECT_EQ(CompileError(spec), "workflow parent: launch plan p/d/other_lp/v1 not found");
}

TEST_F(CompilerTest, LaunchPlanThroughInterfaceResolver) {
  Resolver resolver = registry_.resolver();
  resolver.launch_plan = nullptr;
  resolver.launch_plan_interface =
      [](const flyteidl::core::Identifier&) -> Result<flyteidl::core::TypedInterface> {
    return Parse<flyteidl::core::TypedInterface>(R"(
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } })");
  };
  Result<CompiledWorkflowClosure> r = compiler::Compile(Parse<WorkflowSpec>(R"(
    template {
      id { @wf:parent }
      nodes { id: "n0" workflow_node { launchplan_ref { @lp:child_lp } }
              inputs { var: "x" binding { scalar { primitive { string_value: "s" } } } } }
    })"),
                                                        resolver);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "workflow parent: node n0: input 'x': cannot bind int from a literal (str)");
}

TEST_F(CompilerTest, GateNodes) {
  constexpr char kSpec[] = R"(
    template {
      id { @wf:gated }
      interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
      nodes { id: "n0" inputs { var: "x" binding { promise { var: "x" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "n1" upstream_node_ids: "n0"
              inputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
              gate_node { approve { signal_id: "ok" } } }
      nodes { id: "n2" gate_node { signal { signal_id: "more" type { simple: INTEGER }
                                            output_variable_name: "o0" } } }
      nodes { id: "n3" gate_node { sleep { duration { seconds: 1 } } } }
      nodes { id: "n4" upstream_node_ids: "n3" upstream_node_ids: "n2" upstream_node_ids: "n1"
              inputs { var: "a" binding { promise { node_id: "n1" var: "o0" } } }
              inputs { var: "b" binding { promise { node_id: "n2" var: "o0" } } }
              task_node { reference_id { @task:%s } } }
    })";
  char buffer[4096];
  std::snprintf(buffer, sizeof(buffer), kSpec, "add");
  Result<CompiledWorkflowClosure> r = Compile(buffer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // upstream_node_ids are sorted.
  const auto& n4 = r->primary().template_().nodes(6);
  EXPECT_EQ(std::vector<std::string>(n4.upstream_node_ids().begin(), n4.upstream_node_ids().end()),
            (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(Upstream(r->primary()).at("n4"), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(Upstream(r->primary()).at("n2"), (std::vector<std::string>{"start-node"}));

  // The approve gate passes its input through: an int does not bind to a float input.
  std::string spec(buffer);
  Replace(spec, "@task:add", "@task:use_float");
  Replace(spec, R"(var: "a")", R"(var: "y")");
  Replace(spec, R"(inputs { var: "b" binding { promise { node_id: "n2" var: "o0" } } })", "");
  EXPECT_EQ(CompileError(spec),
            "workflow gated: node n4: input 'y': cannot bind float from n1.o0 (int)");
}

TEST_F(CompilerTest, DeterministicAndIndependentOfClientOrder) {
  constexpr char kSpec[] = R"(
    template {
      id { @wf:wf }
      interface { inputs { variables { key: "x" value { type { simple: INTEGER } } }
                           variables { key: "y" value { type { simple: INTEGER } } } } }
      nodes { id: "a" inputs { var: "x" binding { promise { var: "x" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "b" inputs { var: "x" binding { promise { var: "y" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "c" upstream_node_ids: %s
              inputs { var: "a" binding { promise { node_id: "a" var: "o0" } } }
              inputs { var: "b" binding { promise { node_id: "b" var: "o0" } } }
              task_node { reference_id { @task:add } } }
    })";
  char one[2048];
  char two[2048];
  std::snprintf(one, sizeof(one), kSpec, R"("a" upstream_node_ids: "b")");
  std::snprintf(two, sizeof(two), kSpec, R"("b" upstream_node_ids: "a")");
  Result<CompiledWorkflowClosure> first = Compile(one);
  Result<CompiledWorkflowClosure> again = Compile(one);
  Result<CompiledWorkflowClosure> swapped = Compile(two);
  ASSERT_TRUE(first.ok() && again.ok() && swapped.ok());
  EXPECT_EQ(Deterministic(*first), Deterministic(*again));
  EXPECT_EQ(Deterministic(*first), Deterministic(*swapped));
}

TEST_F(CompilerTest, CollectReferencesFollowsEverything) {
  WorkflowSpec spec = Parse<WorkflowSpec>(R"(
    template {
      nodes { id: "n0" task_node { reference_id { @task:b } } }
      nodes { id: "n1" task_node { reference_id { @task:a } } }
      nodes { id: "n2" task_node { reference_id { @task:b } } }
      nodes { id: "n3" workflow_node { launchplan_ref { @lp:lp1 } } }
      nodes { id: "n4" workflow_node { sub_workflow_ref { @wf:sub } } }
      nodes { id: "n5" branch_node { if_else {
        case { then_node { task_node { reference_id { @task:c } } } }
        other { then_node { task_node { reference_id { @task:d } } } }
        else_node { array_node { node { task_node { reference_id { @task:e } } } } } } } }
      failure_node { id: "f" task_node { reference_id { @task:f } } }
    }
    sub_workflows { id { @wf:sub } nodes { id: "s" task_node { reference_id { @task:g } } } }
    sub_workflows { id { @wf:unused } nodes { id: "u" task_node { reference_id { @task:h } } } })");
  References refs = CollectReferences(spec);
  std::vector<std::string> names;
  for (const auto& id : refs.tasks) names.push_back(id.name());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  ASSERT_EQ(refs.launch_plans.size(), 1u);
  EXPECT_EQ(refs.launch_plans[0].name(), "lp1");
}

TEST_F(CompilerTest, FailureNodeGetsUpstreamEdges) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:wf }
      interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
      nodes { id: "n0" inputs { var: "x" binding { promise { var: "x" } } }
              task_node { reference_id { @task:square } } }
      failure_node { id: "fn0" inputs { var: "x" binding { promise { var: "x" } } }
                     task_node { reference_id { @task:square } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Upstream(r->primary()).at("fn0"), (std::vector<std::string>{"start-node"}));
  EXPECT_EQ(Downstream(r->primary()).count("fn0"), 0u);
  EXPECT_EQ(r->primary().template_().failure_node().inputs(0).binding().promise().node_id(),
            "start-node");
}

}  // namespace
}  // namespace flytebox::compiler
