#include "embedded/executor/task_pod_spec.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

namespace flytebox::executor {
namespace {

using nlohmann::json;
namespace fc = ::flyteidl::core;

// A Kubernetes resource name as the IDL's, or UNKNOWN for names it has no word for.
fc::Resources::ResourceName ResourceNameOf(const std::string& name) {
  if (name == "cpu") return fc::Resources::CPU;
  if (name == "memory") return fc::Resources::MEMORY;
  if (name == "nvidia.com/gpu" || name == "gpu") return fc::Resources::GPU;
  if (name == "ephemeral-storage") return fc::Resources::EPHEMERAL_STORAGE;
  return fc::Resources::UNKNOWN;
}

void AddResources(const json& quantities,
                  google::protobuf::RepeatedPtrField<fc::Resources::ResourceEntry>* out) {
  if (!quantities.is_object()) return;
  for (const auto& [name, value] : quantities.items()) {
    fc::Resources::ResourceName n = ResourceNameOf(name);
    if (n == fc::Resources::UNKNOWN) continue;  // kept in the spec itself
    auto* e = out->Add();
    e->set_name(n);
    e->set_value(value.is_string() ? value.get<std::string>() : value.dump());
  }
}

void AddStrings(const json& list, google::protobuf::RepeatedPtrField<std::string>* out) {
  if (!list.is_array()) return;
  for (const auto& v : list) out->Add(v.is_string() ? v.get<std::string>() : v.dump());
}

}  // namespace

Result<PodSpecTask> ReadPodSpecTask(const fc::TaskTemplate& task) {
  const std::string what = "task " + task.id().name();
  if (!task.has_k8s_pod()) {
    return Status::InvalidArgument(what + " has neither a container nor a pod spec to run");
  }
  PodSpecTask out;
  auto primary = task.config().find(kPrimaryContainerKey);
  if (primary == task.config().end() || primary->second.empty()) {
    return Status::InvalidArgument(what + " has a pod spec but its config names no " +
                                   kPrimaryContainerKey);
  }
  out.primary = primary->second;
  std::string text;
  auto st = google::protobuf::util::MessageToJsonString(task.k8s_pod().pod_spec(), &text);
  json spec = st.ok() ? json::parse(text, nullptr, false) : json();
  if (!spec.is_object()) return Status::InvalidArgument(what + "'s pod spec is not an object");
  out.spec_json = text;
  const json* found = nullptr;
  if (spec.contains("containers") && spec["containers"].is_array()) {
    for (const auto& c : spec["containers"]) {
      if (c.is_object() && c.value("name", "") == out.primary) found = &c;
    }
  }
  if (!found) {
    return Status::InvalidArgument(what + "'s pod spec has no container named '" + out.primary +
                                   "' (its primary_container_name)");
  }
  const json& c = *found;
  if (!c.contains("image") || !c["image"].is_string() || c["image"].get<std::string>().empty()) {
    return Status::InvalidArgument(what + "'s primary container '" + out.primary +
                                   "' names no image");
  }
  fc::Container& pc = out.container;
  pc.set_image(c["image"].get<std::string>());
  AddStrings(c.value("command", json()), pc.mutable_command());
  AddStrings(c.value("args", json()), pc.mutable_args());
  if (c.contains("env") && c["env"].is_array()) {
    for (const auto& e : c["env"]) {
      if (!e.is_object() || !e.contains("value") || !e["value"].is_string()) continue;
      auto* kv = pc.add_env();  // entries with valueFrom stay in the spec
      kv->set_key(e.value("name", ""));
      kv->set_value(e["value"].get<std::string>());
    }
  }
  if (c.contains("resources") && c["resources"].is_object()) {
    AddResources(c["resources"].value("requests", json()),
                 pc.mutable_resources()->mutable_requests());
    AddResources(c["resources"].value("limits", json()), pc.mutable_resources()->mutable_limits());
  }
  if (task.k8s_pod().has_data_config()) *pc.mutable_data_config() = task.k8s_pod().data_config();
  const auto& m = task.k8s_pod().metadata();
  out.labels.insert(m.labels().begin(), m.labels().end());
  out.annotations.insert(m.annotations().begin(), m.annotations().end());
  return out;
}

}  // namespace flytebox::executor
