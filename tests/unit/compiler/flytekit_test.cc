// Compiles what flytekit 1.16 really sends: the example workflows in testdata/flyteexamples,
// serialized by `pyflyte serialize` (testdata/generate.sh) into testdata/serialized.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "embedded/compiler/compiler.h"
#include "flyteidl/admin/task.pb.h"
#include "tests/unit/compiler/test_util.h"

namespace flytebox::compiler {
namespace {

namespace fs = std::filesystem;
using flyteidl::admin::WorkflowSpec;
using flyteidl::core::CompiledWorkflow;
using flyteidl::core::CompiledWorkflowClosure;
using flyteidl::core::Identifier;
using testing::Deterministic;

// What `pyflyte register` does before sending: fill project, domain and version.
void Hydrate(google::protobuf::Message& message) {
  if (message.GetDescriptor() == Identifier::descriptor()) {
    auto& id = static_cast<Identifier&>(message);
    if (id.project().empty()) id.set_project("flytesnacks");
    if (id.domain().empty()) id.set_domain("development");
    if (id.version().empty()) id.set_version("v1");
    return;
  }
  const auto* reflection = message.GetReflection();
  const auto* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
        Hydrate(*reflection->MutableRepeatedMessage(&message, field, j));
      }
    } else if (reflection->HasField(message, field)) {
      Hydrate(*reflection->MutableMessage(&message, field));
    }
  }
}

template <typename T>
T ReadProto(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  T message;
  EXPECT_TRUE(message.ParseFromString(bytes.str())) << path;
  Hydrate(message);
  return message;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every serialized entity, registered as `pyflyte register` would.
class Examples {
 public:
  Examples() {
    std::vector<flyteidl::admin::LaunchPlan> launch_plans;
    for (const auto& entry : fs::directory_iterator(FLYTEBOX_COMPILER_TESTDATA)) {
      std::string name = entry.path().filename().string();
      if (EndsWith(name, "_1.pb")) {
        registry_.AddTask(ReadProto<flyteidl::admin::TaskSpec>(entry.path()).template_());
      } else if (EndsWith(name, "_2.pb")) {
        WorkflowSpec spec = ReadProto<WorkflowSpec>(entry.path());
        workflows_[spec.template_().id().name()] = spec;
      } else if (EndsWith(name, "_3.pb")) {
        launch_plans.push_back(ReadProto<flyteidl::admin::LaunchPlan>(entry.path()));
      }
    }
    for (auto& lp : launch_plans) registry_.AddLaunchPlan(WithClosure(std::move(lp)));
  }

  const std::map<std::string, WorkflowSpec>& workflows() const { return workflows_; }
  const WorkflowSpec& workflow(const std::string& short_name) const {
    return workflows_.at("flyteexamples." + short_name);
  }
  Result<CompiledWorkflowClosure> Compile(const WorkflowSpec& spec) const {
    return compiler::Compile(spec, registry_.resolver());
  }

 private:
  // FlyteAdmin's launch plan closure: the defaults (every input, required ones marked) minus
  // the fixed inputs, and the workflow's outputs.
  flyteidl::admin::LaunchPlan WithClosure(flyteidl::admin::LaunchPlan lp) const {
    auto* closure = lp.mutable_closure();
    *closure->mutable_expected_inputs() = lp.spec().default_inputs();
    for (const auto& [name, value] : lp.spec().fixed_inputs().literals()) {
      closure->mutable_expected_inputs()->mutable_parameters()->erase(name);
    }
    auto wf = workflows_.find(lp.spec().workflow_id().name());
    if (wf != workflows_.end()) {
      *closure->mutable_expected_outputs() = wf->second.template_().interface().outputs();
    }
    return lp;
  }

  testing::FakeRegistry registry_;
  std::map<std::string, WorkflowSpec> workflows_;
};

const Examples& Flytekit() {
  static const Examples* examples = new Examples();
  return *examples;
}

using Adjacency = std::map<std::string, std::vector<std::string>>;

Adjacency Connections(
    const google::protobuf::Map<std::string, flyteidl::core::ConnectionSet::IdList>& map) {
  Adjacency out;
  for (const auto& [id, list] : map) out[id].assign(list.ids().begin(), list.ids().end());
  return out;
}

// Structural promises of any compiled workflow.
void ExpectWellFormed(const CompiledWorkflow& wf) {
  ASSERT_GE(wf.template_().nodes_size(), 3);
  EXPECT_EQ(wf.template_().nodes(0).id(), "start-node");
  EXPECT_EQ(wf.template_().nodes(1).id(), "end-node");
  EXPECT_TRUE(wf.template_().interface().has_inputs());
  EXPECT_TRUE(wf.template_().interface().has_outputs());
  Adjacency up = Connections(wf.connections().upstream());
  for (int i = 2; i < wf.template_().nodes_size(); ++i) {
    const auto& node = wf.template_().nodes(i);
    EXPECT_EQ(up.count(node.id()), 1u) << node.id() << " has no upstream";
    for (const auto& b : node.inputs()) {
      if (b.binding().has_promise()) {
        EXPECT_FALSE(b.binding().promise().node_id().empty());
      }
    }
  }
  EXPECT_EQ(up.count("start-node"), 0u);
  EXPECT_EQ(Connections(wf.connections().downstream()).count("end-node"), 0u);
}

TEST(FlytekitExamplesTest, EveryWorkflowCompilesDeterministically) {
  ASSERT_GE(Flytekit().workflows().size(), 12u);
  for (const auto& [name, spec] : Flytekit().workflows()) {
    SCOPED_TRACE(name);
    Result<CompiledWorkflowClosure> first = Flytekit().Compile(spec);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    ExpectWellFormed(first->primary());
    for (const auto& sub : first->sub_workflows()) ExpectWellFormed(sub);
    Result<CompiledWorkflowClosure> second = Flytekit().Compile(spec);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(Deterministic(*first), Deterministic(*second));
  }
}

TEST(FlytekitExamplesTest, HelloWorld) {
  Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow("hello.hello_wf"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Connections(r->primary().connections().downstream()),
            (Adjacency{{"start-node", {"n0"}}, {"n0", {"end-node"}}}));
  EXPECT_EQ(Connections(r->primary().connections().upstream()),
            (Adjacency{{"n0", {"start-node"}}, {"end-node", {"n0"}}}));
  ASSERT_EQ(r->tasks_size(), 1);
  EXPECT_EQ(r->tasks(0).template_().id().name(), "flyteexamples.hello.say_hello");
  EXPECT_EQ(r->tasks(0).template_().container().image(), "flytebox/test:v1");
}

TEST(FlytekitExamplesTest, ChainWithDefaultsEnumsAndOptionals) {
  Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow("chain.chain_wf"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Adjacency up = Connections(r->primary().connections().upstream());
  EXPECT_EQ(up.at("n3"), (std::vector<std::string>{"start-node"}));  // constant(): no inputs
  EXPECT_EQ(up.at("n5"), (std::vector<std::string>{"n2", "n4"}));
  EXPECT_EQ(up.at("end-node"), (std::vector<std::string>{"n1", "n5", "n6"}));
  EXPECT_EQ(r->tasks_size(), 6);
}

TEST(FlytekitExamplesTest, TypeMismatchInARealSpec) {
  WorkflowSpec spec = Flytekit().workflow("chain.chain_wf");
  // scale(x=make(n)) instead of scale(x=total(...)): a list<int> into an int.
  for (auto& node : *spec.mutable_template_()->mutable_nodes()) {
    if (node.id() != "n2") continue;
    for (auto& input : *node.mutable_inputs()) {
      if (input.var() == "x") input.mutable_binding()->mutable_promise()->set_node_id("n0");
    }
  }
  Result<CompiledWorkflowClosure> r = Flytekit().Compile(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "workflow flyteexamples.chain.chain_wf: node n2: input 'x': cannot bind int from "
            "n0.o0 (list<int>)");
}

TEST(FlytekitExamplesTest, SubWorkflow) {
  Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow("control.sub_wf"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->sub_workflows_size(), 1);
  const CompiledWorkflow& inner = r->sub_workflows(0);
  EXPECT_EQ(inner.template_().id().name(), "flyteexamples.control.inner_wf");
  EXPECT_EQ(Connections(inner.connections().downstream()),
            (Adjacency{{"start-node", {"n0"}}, {"n0", {"n1"}}, {"n1", {"end-node"}}}));
  std::vector<std::string> tasks;
  for (const auto& t : r->tasks()) tasks.push_back(t.template_().id().name());
  EXPECT_EQ(tasks,
            (std::vector<std::string>{"flyteexamples.control.add", "flyteexamples.control.double",
                                      "flyteexamples.control.square"}));
}

TEST(FlytekitExamplesTest, Branch) {
  Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow("control.branch_wf"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& if_else = r->primary().template_().nodes(2).branch_node().if_else();
  EXPECT_EQ(if_else.case_().then_node().id(), "n0-n0");
  EXPECT_EQ(if_else.other(0).then_node().id(), "n0-n1");
  EXPECT_EQ(if_else.else_node().id(), "n0-n2");
  Adjacency up = Connections(r->primary().connections().upstream());
  EXPECT_EQ(up.at("n0-n2"), (std::vector<std::string>{"start-node"}));
}

TEST(FlytekitExamplesTest, MapTaskLaunchPlanAndGates) {
  for (const char* name : {"control.map_wf", "control.lp_wf", "control.gate_wf"}) {
    Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow(name));
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  }
  Result<CompiledWorkflowClosure> gate = Flytekit().Compile(Flytekit().workflow("control.gate_wf"));
  ASSERT_TRUE(gate.ok());
  Adjacency up = Connections(gate->primary().connections().upstream());
  EXPECT_EQ(up.at("n4"), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(up.at("n2"), (std::vector<std::string>{"start-node"}));
}

TEST(FlytekitExamplesTest, AttributePathsOptionalsCollectionsFailureNode) {
  for (const char* name :
       {"extras.attr_wf", "extras.optional_wf", "extras.collections_wf", "extras.failing_wf"}) {
    Result<CompiledWorkflowClosure> r = Flytekit().Compile(Flytekit().workflow(name));
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  }
  Result<CompiledWorkflowClosure> failing =
      Flytekit().Compile(Flytekit().workflow("extras.failing_wf"));
  ASSERT_TRUE(failing.ok());
  const auto& failure_node = failing->primary().template_().failure_node();
  Adjacency up = Connections(failing->primary().connections().upstream());
  EXPECT_EQ(up.count(failure_node.id()), 1u) << failure_node.id();
  EXPECT_EQ(failing->tasks_size(), 2);  // use_int and the cleanup task
}

}  // namespace
}  // namespace flytebox::compiler
