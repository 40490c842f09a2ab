#pragma once

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>

#include "embedded/compiler/compiler.h"
#include "embedded/compiler/identifiers.h"
#include "tests/unit/proto_text.h"

namespace flytebox::compiler::testing {

// Expands the shorthands `@task:NAME`, `@wf:NAME`, `@lp:NAME` into full identifier fields in
// project "p", domain "d", version "v1", so that test workflows stay readable.
inline std::string ExpandIds(const std::string& text) {
  static const std::regex kShorthand(R"(@(task|wf|lp):([A-Za-z0-9_.\-]+))");
  std::string out;
  auto begin = std::sregex_iterator(text.begin(), text.end(), kShorthand);
  std::size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
    std::string type = m[1] == "task" ? "TASK" : m[1] == "wf" ? "WORKFLOW" : "LAUNCH_PLAN";
    out += "resource_type: " + type + " project: \"p\" domain: \"d\" name: \"" + m[2].str() +
           "\" version: \"v1\"";
    last = static_cast<std::size_t>(m.position() + m.length());
  }
  return out + text.substr(last);
}

// Parses protobuf text format (after ExpandIds); a parse error fails the test.
template <typename T>
T Parse(const std::string& text) {
  return flytebox::testing::ParseText<T>(ExpandIds(text));
}

inline flyteidl::core::Identifier Id(flyteidl::core::ResourceType type, const std::string& name) {
  flyteidl::core::Identifier id;
  id.set_resource_type(type);
  id.set_project("p");
  id.set_domain("d");
  id.set_name(name);
  id.set_version("v1");
  return id;
}

// Registered tasks and launch plans, as the resolver sees them.
class FakeRegistry {
 public:
  // `interface_text` is a TypedInterface in text format.
  void AddTask(const std::string& name, const std::string& interface_text) {
    flyteidl::core::TaskTemplate task;
    *task.mutable_id() = Id(flyteidl::core::TASK, name);
    task.set_type("python-task");
    *task.mutable_interface() = Parse<flyteidl::core::TypedInterface>(interface_text);
    task.mutable_container()->set_image("img");
    AddTask(std::move(task));
  }
  void AddTask(flyteidl::core::TaskTemplate task) {
    std::string key = IdKey(task.id());
    tasks_[key] = std::move(task);
  }
  void AddLaunchPlan(flyteidl::admin::LaunchPlan lp) {
    std::string key = IdKey(lp.id());
    launch_plans_[key] = std::move(lp);
  }

  Resolver resolver() const {
    Resolver r;
    r.task = [this](const flyteidl::core::Identifier& id) -> Result<flyteidl::core::TaskTemplate> {
      auto it = tasks_.find(IdKey(id));
      if (it == tasks_.end()) return Status::NotFound("no task " + IdString(id));
      return it->second;
    };
    r.launch_plan =
        [this](const flyteidl::core::Identifier& id) -> Result<flyteidl::admin::LaunchPlan> {
      auto it = launch_plans_.find(IdKey(id));
      if (it == launch_plans_.end()) return Status::NotFound("no launch plan " + IdString(id));
      return it->second;
    };
    return r;
  }

 private:
  std::map<std::string, flyteidl::core::TaskTemplate> tasks_;
  std::map<std::string, flyteidl::admin::LaunchPlan> launch_plans_;
};

// Serialization with map entries in key order (what re-registration should compare).
inline std::string Deterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace flytebox::compiler::testing
