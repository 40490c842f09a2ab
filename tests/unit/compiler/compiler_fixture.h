#pragma once
// The compiler tests' fixture: a registry of small tasks and a launch plan to compile
// against, and helpers that read a compiled workflow's graph.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "embedded/compiler/compiler.h"
#include "tests/unit/compiler/test_util.h"

namespace flytebox::compiler::testing {

using Adjacency = std::map<std::string, std::vector<std::string>>;

inline Adjacency Downstream(const flyteidl::core::CompiledWorkflow& wf) {
  Adjacency out;
  for (const auto& [id, list] : wf.connections().downstream()) {
    out[id].assign(list.ids().begin(), list.ids().end());
  }
  return out;
}

inline Adjacency Upstream(const flyteidl::core::CompiledWorkflow& wf) {
  Adjacency out;
  for (const auto& [id, list] : wf.connections().upstream()) {
    out[id].assign(list.ids().begin(), list.ids().end());
  }
  return out;
}

inline std::vector<std::string> NodeIds(const flyteidl::core::CompiledWorkflow& wf) {
  std::vector<std::string> ids;
  for (const auto& n : wf.template_().nodes()) ids.push_back(n.id());
  return ids;
}

// Replaces the first occurrence of `from` (which must occur).
inline void Replace(std::string& text, const std::string& from, const std::string& to) {
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

  Result<flyteidl::core::CompiledWorkflowClosure> Compile(const std::string& spec_text) {
    return compiler::Compile(Parse<flyteidl::admin::WorkflowSpec>(spec_text), registry_.resolver());
  }

  // Compiles and expects INVALID_ARGUMENT; returns the message.
  std::string CompileError(const std::string& spec_text) {
    Result<flyteidl::core::CompiledWorkflowClosure> r = Compile(spec_text);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
    return r.status().message();
  }

  FakeRegistry registry_;
};

}  // namespace flytebox::compiler::testing
