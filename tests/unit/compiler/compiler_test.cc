// The compiler on task nodes, sub-workflows and the errors a user can make.
#include "embedded/compiler/compiler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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
using testing::NodeIds;
using testing::Parse;
using testing::Upstream;

constexpr char kHello[] = R"(
  template {
    id { @wf:hello }
    interface {
      inputs { variables { key: "name" value { type { simple: STRING } } } }
      outputs { variables { key: "o0" value { type { simple: STRING } } } }
    }
    nodes {
      id: "n0"
      metadata { name: "greet" }
      inputs { var: "name" binding { promise { var: "name" } } }
      task_node { reference_id { @task:greet } }
    }
    outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
  })";

TEST_F(CompilerTest, HelloWorld) {
  Result<CompiledWorkflowClosure> r = Compile(kHello);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const CompiledWorkflow& wf = r->primary();
  EXPECT_EQ(NodeIds(wf), (std::vector<std::string>{"start-node", "end-node", "n0"}));

  // start-node carries only its id; end-node's inputs are the workflow outputs.
  EXPECT_EQ(Deterministic(wf.template_().nodes(0)),
            Deterministic(Parse<flyteidl::core::Node>("id: 'start-node'")));
  const auto& end = wf.template_().nodes(1);
  ASSERT_EQ(end.inputs_size(), 1);
  EXPECT_EQ(end.inputs(0).var(), "o0");
  EXPECT_EQ(end.inputs(0).binding().promise().node_id(), "n0");

  // A promise with an empty node_id now names start-node.
  EXPECT_EQ(wf.template_().nodes(2).inputs(0).binding().promise().node_id(), "start-node");

  EXPECT_EQ(Downstream(wf), (Adjacency{{"start-node", {"n0"}}, {"n0", {"end-node"}}}));
  EXPECT_EQ(Upstream(wf), (Adjacency{{"n0", {"start-node"}}, {"end-node", {"n0"}}}));

  ASSERT_EQ(r->tasks_size(), 1);
  EXPECT_EQ(r->tasks(0).template_().id().name(), "greet");
  EXPECT_EQ(r->sub_workflows_size(), 0);
}

TEST_F(CompilerTest, TypedChainOfThree) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:chain }
      interface {
        inputs { variables { key: "n" value { type { simple: INTEGER } } } }
        outputs { variables { key: "o0" value { type { simple: FLOAT } } } }
      }
      nodes { id: "n0" inputs { var: "n" binding { promise { var: "n" } } }
              task_node { reference_id { @task:make_list } } }
      nodes { id: "n1" upstream_node_ids: "n0"
              inputs { var: "xs" binding { promise { node_id: "n0" var: "o0" } } }
              task_node { reference_id { @task:sum_list } } }
      nodes { id: "n2" upstream_node_ids: "n1"
              inputs { var: "x" binding { promise { node_id: "n1" var: "o0" } } }
              task_node { reference_id { @task:to_float } } }
      outputs { var: "o0" binding { promise { node_id: "n2" var: "o0" } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(
      Downstream(r->primary()),
      (Adjacency{{"start-node", {"n0"}}, {"n0", {"n1"}}, {"n1", {"n2"}}, {"n2", {"end-node"}}}));
  EXPECT_EQ(
      Upstream(r->primary()),
      (Adjacency{{"n0", {"start-node"}}, {"n1", {"n0"}}, {"n2", {"n1"}}, {"end-node", {"n2"}}}));
  // Tasks in Flyte's requirement order (by name here).
  ASSERT_EQ(r->tasks_size(), 3);
  EXPECT_EQ(r->tasks(0).template_().id().name(), "make_list");
  EXPECT_EQ(r->tasks(1).template_().id().name(), "sum_list");
  EXPECT_EQ(r->tasks(2).template_().id().name(), "to_float");
}

TEST_F(CompilerTest, FanOutFanInAndOrphans) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:fan }
      interface {
        inputs { variables { key: "x" value { type { simple: INTEGER } } } }
        outputs { variables { key: "o0" value { type { simple: INTEGER } } }
                  variables { key: "passthrough" value { type { simple: INTEGER } } } }
      }
      nodes { id: "src" inputs { var: "x" binding { promise { var: "x" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "left" inputs { var: "x" binding { promise { node_id: "src" var: "o0" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "right" inputs { var: "x" binding { promise { node_id: "src" var: "o0" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "join"
              inputs { var: "a" binding { promise { node_id: "left" var: "o0" } } }
              inputs { var: "b" binding { promise { node_id: "right" var: "o0" } } }
              task_node { reference_id { @task:add } } }
      nodes { id: "lonely" task_node { reference_id { @task:noop } } }
      outputs { var: "o0" binding { promise { node_id: "join" var: "o0" } } }
      outputs { var: "passthrough" binding { promise { var: "x" } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Downstream(r->primary()), (Adjacency{{"start-node", {"end-node", "lonely", "src"}},
                                                 {"src", {"left", "right"}},
                                                 {"left", {"join"}},
                                                 {"right", {"join"}},
                                                 {"join", {"end-node"}},
                                                 {"lonely", {"end-node"}}}));
  EXPECT_EQ(Upstream(r->primary()), (Adjacency{{"src", {"start-node"}},
                                               {"left", {"src"}},
                                               {"right", {"src"}},
                                               {"join", {"left", "right"}},
                                               {"lonely", {"start-node"}},
                                               {"end-node", {"join", "lonely", "start-node"}}}));
  // The template's outputs mirror end-node's inputs, promises rewritten.
  EXPECT_EQ(r->primary().template_().outputs(1).binding().promise().node_id(), "start-node");
  // An absent task interface part becomes an empty map in the closure.
  for (const auto& task : r->tasks()) {
    EXPECT_TRUE(task.template_().interface().has_inputs());
    EXPECT_TRUE(task.template_().interface().has_outputs());
  }
}

TEST_F(CompilerTest, ZeroNodes) {
  std::string msg = CompileError(R"(template { id { @wf:empty } })");
  EXPECT_EQ(msg, "workflow empty: has no nodes");
}

TEST_F(CompilerTest, MissingTaskReference) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" task_node { reference_id { @task:nope } } }
    })");
  EXPECT_EQ(msg, "workflow wf: task p/d/nope/v1 not found");
}

TEST_F(CompilerTest, ResolverFailureOtherThanNotFoundPropagates) {
  Resolver resolver = registry_.resolver();
  resolver.task = [](const flyteidl::core::Identifier&) -> Result<flyteidl::core::TaskTemplate> {
    return Status::Unavailable("store down");
  };
  Result<CompiledWorkflowClosure> r = compiler::Compile(Parse<WorkflowSpec>(kHello), resolver);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

TEST_F(CompilerTest, PromiseToUnknownNode) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" inputs { var: "x" binding { promise { node_id: "n9" var: "o0" } } }
              task_node { reference_id { @task:square } } }
    })");
  EXPECT_EQ(msg, "workflow wf: node n0: input 'x': node 'n9' not found");
}

TEST_F(CompilerTest, UnknownExplicitUpstreamNode) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" upstream_node_ids: "ghost" task_node { reference_id { @task:noop } } }
    })");
  EXPECT_NE(msg.find("workflow wf: node n0: upstream node 'ghost' not found"), std::string::npos)
      << msg;
}

TEST_F(CompilerTest, UnknownOutputVariable) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" inputs { var: "x" binding { scalar { primitive { integer: 1 } } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "n1" inputs { var: "x" binding { promise { node_id: "n0" var: "o7" } } }
              task_node { reference_id { @task:square } } }
    })");
  EXPECT_EQ(msg, "workflow wf: node n1: input 'x': node 'n0' has no output 'o7'");
}

TEST_F(CompilerTest, TypeMismatchNamesNodeAndVariable) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n1" inputs { var: "x" binding { scalar { primitive { integer: 1 } } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "n2" inputs { var: "xs" binding { promise { node_id: "n1" var: "o0" } } }
              task_node { reference_id { @task:sum_list } } }
    })");
  EXPECT_EQ(msg, "workflow wf: node n2: input 'xs': cannot bind list<int> from n1.o0 (int)");
}

TEST_F(CompilerTest, LiteralTypeMismatchAndEnumValues) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" inputs { var: "y" binding { scalar { primitive { integer: 1 } } } }
              task_node { reference_id { @task:use_float } } }
      nodes { id: "n1" inputs { var: "c" binding { scalar { primitive { string_value: "blue" } } } }
              task_node { reference_id { @task:paint } } }
    })");
  EXPECT_NE(msg.find("workflow wf: node n0: input 'y': cannot bind float from a literal (int)"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("workflow wf: node n1: input 'c': 'blue' is not a value of enum{red, green}"),
            std::string::npos)
      << msg;
}

TEST_F(CompilerTest, WorkflowOutputTypeMismatch) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      interface { outputs { variables { key: "o0" value { type { simple: STRING } } } } }
      nodes { id: "n0" inputs { var: "x" binding { scalar { primitive { integer: 1 } } } }
              task_node { reference_id { @task:square } } }
      outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
    })");
  EXPECT_EQ(msg, "workflow wf: output 'o0': cannot bind str from n0.o0 (int)");
}

TEST_F(CompilerTest, RequiredInputsMustBeBound) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      interface { outputs { variables { key: "o0" value { type { simple: INTEGER } } } } }
      nodes { id: "n0" task_node { reference_id { @task:add } }
              inputs { var: "a" binding { scalar { primitive { integer: 1 } } } } }
      nodes { id: "n1" task_node { reference_id { @task:optional_in } } }
      nodes { id: "n2" task_node { reference_id { @task:square } }
              inputs { var: "x" binding { scalar { primitive { integer: 1 } } } }
              inputs { var: "bogus" binding { scalar { primitive { integer: 1 } } } } }
    })");
  EXPECT_NE(msg.find("workflow wf: node n0: input 'b': required but not bound"), std::string::npos)
      << msg;
  // An input that accepts none may stay unbound.
  EXPECT_EQ(msg.find("node n1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("workflow wf: node n2: input 'bogus': no such variable in the interface"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("workflow wf: output 'o0': required but not bound"), std::string::npos) << msg;
}

TEST_F(CompilerTest, CycleIsReported) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      interface { inputs { variables { key: "x" value { type { simple: INTEGER } } } } }
      nodes { id: "n1"
              inputs { var: "a" binding { promise { var: "x" } } }
              inputs { var: "b" binding { promise { node_id: "n2" var: "o0" } } }
              task_node { reference_id { @task:add } } }
      nodes { id: "n2" inputs { var: "x" binding { promise { node_id: "n1" var: "o0" } } }
              task_node { reference_id { @task:square } } }
    })");
  EXPECT_EQ(msg, "workflow wf: cycle detected: n1 -> n2 -> n1");
}

TEST_F(CompilerTest, DetachedCycleIsUnreachable) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" task_node { reference_id { @task:noop } } }
      nodes { id: "n1" inputs { var: "x" binding { promise { node_id: "n2" var: "o0" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "n2" inputs { var: "x" binding { promise { node_id: "n1" var: "o0" } } }
              task_node { reference_id { @task:square } } }
    })");
  EXPECT_EQ(msg, "workflow wf: nodes not reachable from start-node: n1, n2");
}

TEST_F(CompilerTest, DuplicateAndReservedNodeIds) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" task_node { reference_id { @task:noop } } }
      nodes { id: "n0" task_node { reference_id { @task:noop } } }
      nodes { id: "end-node" task_node { reference_id { @task:noop } } }
    })");
  EXPECT_NE(msg.find("node n0: the node id is used more than once"), std::string::npos) << msg;
  EXPECT_NE(msg.find("node end-node: the node id is reserved"), std::string::npos) << msg;
}

TEST_F(CompilerTest, CollectionAndMapBindingsFromPromises) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:wf }
      interface { inputs { variables { key: "a" value { type { simple: INTEGER } } } } }
      nodes { id: "n0" inputs { var: "x" binding { promise { var: "a" } } }
              task_node { reference_id { @task:square } } }
      nodes { id: "n1" task_node { reference_id { @task:sum_list } }
              inputs { var: "xs" binding { collection {
                bindings { promise { var: "a" } }
                bindings { promise { node_id: "n0" var: "o0" } }
                bindings { scalar { primitive { integer: 3 } } } } } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Upstream(r->primary()).at("n1"), (std::vector<std::string>{"n0", "start-node"}));
  const auto& elements =
      r->primary().template_().nodes(3).inputs(0).binding().collection().bindings();
  EXPECT_EQ(elements[0].promise().node_id(), "start-node");

  std::string msg = CompileError(R"(
    template {
      id { @wf:wf }
      nodes { id: "n1" task_node { reference_id { @task:sum_list } }
              inputs { var: "xs" binding { collection {
                bindings { scalar { primitive { string_value: "no" } } } } } } }
    })");
  EXPECT_EQ(msg, "workflow wf: node n1: input 'xs': cannot bind int from a literal (str)");
}

TEST_F(CompilerTest, OutputAliases) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" inputs { var: "x" binding { scalar { primitive { integer: 2 } } } }
              output_aliases { var: "o0" alias: "squared" }
              task_node { reference_id { @task:square } } }
      nodes { id: "n1" inputs { var: "x" binding { promise { node_id: "n0" var: "squared" } } }
              task_node { reference_id { @task:square } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(CompilerTest, AttributePathIntoDataclass) {
  constexpr char kSpec[] = R"(
    template {
      id { @wf:wf }
      nodes { id: "n0" inputs { var: "x" binding { scalar { primitive { integer: 2 } } } }
              task_node { reference_id { @task:point } } }
      nodes { id: "n1" task_node { reference_id { @task:use_float } }
              inputs { var: "y" binding { promise { node_id: "n0" var: "o0"
                                                    attr_path { string_value: "%s" } } } } }
    })";
  char buffer[2048];
  std::snprintf(buffer, sizeof(buffer), kSpec, "y");
  Result<CompiledWorkflowClosure> r = Compile(buffer);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  std::snprintf(buffer, sizeof(buffer), kSpec, "x");
  EXPECT_EQ(CompileError(buffer),
            "workflow wf: node n1: input 'y': cannot bind float from n0.o0 (int)");
  std::snprintf(buffer, sizeof(buffer), kSpec, "z");
  EXPECT_EQ(CompileError(buffer),
            "workflow wf: node n1: input 'y': n0.o0 (struct) has no field 'z'");
}

TEST_F(CompilerTest, SubWorkflow) {
  Result<CompiledWorkflowClosure> r = Compile(R"(
    template {
      id { @wf:parent }
      interface {
        inputs { variables { key: "x" value { type { simple: INTEGER } } } }
        outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
      }
      nodes { id: "n0" inputs { var: "x" binding { promise { var: "x" } } }
              workflow_node { sub_workflow_ref { @wf:child } } }
      outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
    }
    sub_workflows {
      id { @wf:child }
      interface {
        inputs { variables { key: "x" value { type { simple: INTEGER } } } }
        outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
      }
      nodes { id: "n0" inputs { var: "x" binding { promise { var: "x" } } }
              task_node { reference_id { @task:square } } }
      outputs { var: "o0" binding { promise { node_id: "n0" var: "o0" } } }
    }
    sub_workflows {
      id { @wf:unused }
      nodes { id: "n0" task_node { reference_id { @task:greet } } }
    })");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->sub_workflows_size(), 2);
  const CompiledWorkflow& child = r->sub_workflows(0);
  EXPECT_EQ(NodeIds(child), (std::vector<std::string>{"start-node", "end-node", "n0"}));
  EXPECT_EQ(Downstream(child), (Adjacency{{"start-node", {"n0"}}, {"n0", {"end-node"}}}));
  // A sub-workflow nothing references is listed as given, uncompiled; its tasks are not
  // required.
  EXPECT_EQ(NodeIds(r->sub_workflows(1)), (std::vector<std::string>{"n0"}));
  EXPECT_FALSE(r->sub_workflows(1).has_connections());
  ASSERT_EQ(r->tasks_size(), 1);
  EXPECT_EQ(r->tasks(0).template_().id().name(), "square");
}

TEST_F(CompilerTest, SubWorkflowErrorsNameTheSubWorkflow) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:parent }
      nodes { id: "n0" workflow_node { sub_workflow_ref { @wf:child } } }
    }
    sub_workflows {
      id { @wf:child }
      interface { }
      nodes { id: "c0" inputs { var: "x" binding { scalar { primitive { string_value: "s" } } } }
              task_node { reference_id { @task:square } } }
    })");
  EXPECT_EQ(msg, "workflow child: node c0: input 'x': cannot bind int from a literal (str)");

  msg = CompileError(R"(
    template {
      id { @wf:parent }
      nodes { id: "n0" workflow_node { sub_workflow_ref { @wf:missing } } }
    })");
  EXPECT_EQ(msg, "workflow parent: node n0: sub-workflow p/d/missing/v1 not found");
}

TEST_F(CompilerTest, RecursiveSubWorkflowIsRejected) {
  std::string msg = CompileError(R"(
    template {
      id { @wf:parent }
      nodes { id: "n0" workflow_node { sub_workflow_ref { @wf:loop } } }
    }
    sub_workflows {
      id { @wf:loop }
      interface { }
      nodes { id: "n0" workflow_node { sub_workflow_ref { @wf:loop } } }
    })");
  EXPECT_NE(msg.find("workflow loop: node n0: sub-workflow p/d/loop/v1 is used inside itself"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace flytebox::compiler
