#include "embedded/compiler/compiler.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/unit/compiler/test_util.h"

namespace flytebox::compiler {
namespace {

using flyteidl::admin::WorkflowSpec;
using flyteidl::core::CompiledWorkflow;
using flyteidl::core::CompiledWorkflowClosure;
using testing::Deterministic;
using testing::Parse;

using Adjacency = std::map<std::string, std::vector<std::string>>;

Adjacency Downstream(const CompiledWorkflow& wf) {
  Adjacency out;
  for (const auto& [id, list] : wf.connections().downstream()) {
    out[id].assign(list.ids().begin(), list.ids().end());
  }
  return out;
}

Adjacency Upstream(const CompiledWorkflow& wf) {
  Adjacency out;
  for (const auto& [id, list] : wf.connections().upstream()) {
    out[id].assign(list.ids().begin(), list.ids().end());
  }
  return out;
}

std::vector<std::string> NodeIds(const CompiledWorkflow& wf) {
  std::vector<std::string> ids;
  for (const auto& n : wf.template_().nodes()) ids.push_back(n.id());
  return ids;
}

// Replaces the first occurrence of `from` (which must occur).
void Replace(std::string& text, const std::string& from, const std::string& to) {
  std::size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
}

class CompilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.AddTask("greet", R"(
      inputs { variables { key: "name" value { type { simple: STRING } } } }
      outputs { variables { key: "o0" value { type { simple: STRING } } } })");
    registry_.AddTask("square", R"(
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } })");
    registry_.AddTask("add", R"(
      inputs { variables { key: "a" value { type { simple: INTEGER } } }
               variables { key: "b" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } })");
    registry_.AddTask("make_list", R"(
      inputs { variables { key: "n" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } })");
    registry_.AddTask("sum_list", R"(
      inputs { variables { key: "xs" value { type { collection_type { simple: INTEGER } } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } })");
    registry_.AddTask("to_float", R"(
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: FLOAT } } } })");
    registry_.AddTask("use_float", R"(
      inputs { variables { key: "y" value { type { simple: FLOAT } } } }
      outputs { variables { key: "o0" value { type { simple: FLOAT } } } })");
    registry_.AddTask("optional_in", R"(
      inputs { variables { key: "x" value { type { union_type {
        variants { simple: INTEGER structure { tag: "int" } }
        variants { simple: NONE structure { tag: "none" } } } } } } }
      outputs { variables { key: "o0" value { type { simple: INTEGER } } } })");
    registry_.AddTask("paint", R"(
      inputs { variables { key: "c" value { type { enum_type { values: "red" values: "green" } } } } }
      outputs { variables { key: "o0" value { type { simple: STRING } } } })");
    registry_.AddTask("map_square", R"(
      inputs { variables { key: "x" value { type { collection_type { simple: INTEGER } } } } }
      outputs { variables { key: "o0" value { type { collection_type { simple: INTEGER } } } } })");
    registry_.AddTask("point", R"(
      inputs { variables { key: "x" value { type { simple: INTEGER } } } }
      outputs { variables { key: "o0" value { type { simple: STRUCT structure {
        dataclass_type { key: "x" value { simple: INTEGER } }
        dataclass_type { key: "y" value { simple: FLOAT } } } } } } })");
    registry_.AddTask("noop", "");
    registry_.AddLaunchPlan(Parse<flyteidl::admin::LaunchPlan>(R"(
      id { @lp:child_lp }
      closure {
        expected_inputs {
          parameters { key: "x" value { var { type { simple: INTEGER } } required: true } }
          parameters { key: "y" value { var { type { simple: INTEGER } }
                                        default { scalar { primitive { integer: 1 } } } } }
        }
        expected_outputs { variables { key: "o0" value { type { simple: INTEGER } } } }
      })"));
  }

  Result<CompiledWorkflowClosure> Compile(const std::string& spec_text) {
    return compiler::Compile(Parse<WorkflowSpec>(spec_text), registry_.resolver());
  }

  // Compiles and expects INVALID_ARGUMENT; returns the message.
  std::string CompileError(const std::string& spec_text) {
    Result<CompiledWorkflowClosure> r = Compile(spec_text);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
    return r.status().message();
  }

  testing::FakeRegistry registry_;
};

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
