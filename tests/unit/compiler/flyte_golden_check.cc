// Compares our compiler with Flyte's on Flyte's own golden files. They are not vendored:
// scripts/install-deps.sh flyte-testdata downloads flytepropeller's pkg/compiler/test/testdata
// (the Go module, at the IDL's version) and ctest runs this on its two folders:
//
//   compiler_flyte_golden_check <testdata>/snacks-core
//   compiler_flyte_golden_check <testdata>/branch
//
// snacks-core: each compiled/<stem>_wf.json is what Flyte's compiler made of <stem>.pb (a
// core.WorkflowClosure) with the tasks of compiled/*_task.json; the whole closure must match.
// branch: each <stem>.json (a core.WorkflowClosure in JSON) against compiled/<stem>.json;
// that harness passed every task in file order, so only primary and sub_workflows compare.
// Exit code 0 when everything matches and at least one workflow was compared.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "embedded/compiler/compiler.h"
#include "embedded/compiler/identifiers.h"

namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;
using flyteidl::core::TaskTemplate;
using flyteidl::core::WorkflowTemplate;

struct Input {
  WorkflowTemplate workflow;
  std::vector<TaskTemplate> tasks;
};

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool FromJson(const std::string& json, pb::Message* message) {
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  return pb::util::JsonStringToMessage(json, message, options).ok();
}

// core.WorkflowClosure{workflow = 1, tasks = 2} is not among the protos we compile: read its
// wire format by hand.
bool FromWorkflowClosureBytes(const std::string& bytes, Input& input) {
  pb::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  while (std::uint32_t tag = in.ReadTag()) {
    std::uint32_t length = 0;
    std::string field;
    if ((tag & 7) != 2 || !in.ReadVarint32(&length) ||
        !in.ReadString(&field, static_cast<int>(length))) {
      return false;
    }
    if ((tag >> 3) == 1 && !input.workflow.ParseFromString(field)) return false;
    if ((tag >> 3) == 2 && !input.tasks.emplace_back().ParseFromString(field)) return false;
  }
  return true;
}

// The JSON form goes through a dynamic message type declared at run time.
bool FromWorkflowClosureJson(const std::string& json, Input& input) {
  static pb::DescriptorPool* pool = [] {
    pb::FileDescriptorProto file;
    file.set_name("flytebox_golden_check.proto");
    file.set_package("flytebox.golden");
    file.set_syntax("proto3");
    file.add_dependency("flyteidl/core/workflow.proto");
    file.add_dependency("flyteidl/core/tasks.proto");
    auto* message = file.add_message_type();
    message->set_name("WorkflowClosure");
    auto* workflow = message->add_field();
    workflow->set_name("workflow");
    workflow->set_number(1);
    workflow->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
    workflow->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
    workflow->set_type_name(".flyteidl.core.WorkflowTemplate");
    auto* tasks = message->add_field();
    tasks->set_name("tasks");
    tasks->set_number(2);
    tasks->set_label(pb::FieldDescriptorProto::LABEL_REPEATED);
    tasks->set_type(pb::FieldDescriptorProto::TYPE_MESSAGE);
    tasks->set_type_name(".flyteidl.core.TaskTemplate");
    auto* p = new pb::DescriptorPool(pb::DescriptorPool::generated_pool());
    p->BuildFile(file);
    return p;
  }();
  static pb::DynamicMessageFactory factory(pool);
  const pb::Descriptor* type = pool->FindMessageTypeByName("flytebox.golden.WorkflowClosure");
  std::unique_ptr<pb::Message> closure(factory.GetPrototype(type)->New());
  return FromJson(json, closure.get()) &&
         FromWorkflowClosureBytes(closure->SerializeAsString(), input);
}

int compared = 0;  // workflows compiled and compared with their golden

bool Check(const std::string& name, const Input& input, const std::vector<TaskTemplate>& tasks,
           const std::string& golden_json, bool compare_tasks) {
  std::map<std::string, TaskTemplate> by_id;
  for (const auto& t : tasks) by_id[flytebox::compiler::IdKey(t.id())] = t;
  flytebox::compiler::Resolver resolver;
  resolver.task = [&](const flyteidl::core::Identifier& id) -> flytebox::Result<TaskTemplate> {
    auto it = by_id.find(flytebox::compiler::IdKey(id));
    if (it == by_id.end()) return flytebox::Status::NotFound("no such task");
    return it->second;
  };
  flyteidl::admin::WorkflowSpec spec;
  *spec.mutable_template_() = input.workflow;
  auto ours = flytebox::compiler::Compile(spec, resolver);
  flyteidl::core::CompiledWorkflowClosure golden;
  if (!FromJson(golden_json, &golden)) {
    std::cout << "SKIP " << name << ": unreadable golden file\n";
    return true;
  }
  if (!ours.ok()) {
    std::cout << "FAIL " << name << ": " << ours.status().ToString() << "\n";
    return false;
  }
  ++compared;
  if (!compare_tasks) {
    golden.clear_tasks();
    ours->clear_tasks();
  }
  pb::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(golden, *ours)) {
    std::cout << "SAME " << name << "\n";
    return true;
  }
  std::cout << "DIFF " << name << "\n" << report << "\n";
  return false;
}

int CheckSnacksCore(const fs::path& dir) {
  std::vector<TaskTemplate> tasks;
  for (const auto& entry : fs::directory_iterator(dir / "compiled")) {
    if (!EndsWith(entry.path().string(), "_task.json")) continue;
    flyteidl::core::CompiledTask task;
    if (FromJson(Read(entry.path()), &task)) tasks.push_back(task.template_());
  }
  int failures = 0;
  for (const auto& entry : fs::directory_iterator(dir / "compiled")) {
    std::string file = entry.path().filename().string();
    if (!EndsWith(file, "_wf.json")) continue;
    std::string stem = file.substr(0, file.size() - 8);
    Input input;
    if (!FromWorkflowClosureBytes(Read(dir / (stem + ".pb")), input)) {
      std::cout << "SKIP " << stem << ": unreadable input\n";
      continue;
    }
    failures += Check(stem, input, tasks, Read(entry.path()), true) ? 0 : 1;
  }
  return failures;
}

int CheckBranch(const fs::path& dir) {
  int failures = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    if (!EndsWith(file, ".json") || !fs::exists(dir / "compiled" / file)) continue;
    Input input;
    if (!FromWorkflowClosureJson(Read(entry.path()), input)) {
      std::cout << "SKIP " << file << ": unreadable input\n";
      continue;
    }
    failures += Check(file, input, input.tasks, Read(dir / "compiled" / file), false) ? 0 : 1;
  }
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <flyte testdata dir: snacks-core or branch>\n";
    return 2;
  }
  fs::path dir = argv[1];
  if (!fs::is_directory(dir / "compiled")) {
    std::cerr << dir.string() << " is not Flyte's compiler test data (no compiled/ folder): "
              << "run scripts/install-deps.sh flyte-testdata\n";
    return 2;
  }
  int failures = fs::exists(dir / "compiled") && dir.filename() == "branch" ? CheckBranch(dir)
                                                                            : CheckSnacksCore(dir);
  if (compared == 0) {
    std::cout << "nothing compared: every input was unreadable\n";
    return 1;
  }
  std::cout << compared << " compared, "
            << (failures == 0 ? "all match" : std::to_string(failures) + " differ") << "\n";
  return failures == 0 ? 0 : 1;
}
