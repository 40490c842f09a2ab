#include "embedded/executor/kube_quota.h"

#include "embedded/executor/kube_pods.h"

namespace flytebox::executor {

nlohmann::json QuotaHard(const std::map<std::string, std::string>& attributes) {
  static const std::map<std::string, std::string> kVariables = {
      {"projectQuotaCpu", "limits.cpu"}, {"projectQuotaMemory", "limits.memory"}};
  nlohmann::json hard = nlohmann::json::object();
  for (const auto& [variable, resource] : kVariables) {
    auto it = attributes.find(variable);
    if (it != attributes.end() && !it->second.empty()) hard[resource] = it->second;
  }
  return hard;
}

nlohmann::json QuotaObject(const std::string& ns, const nlohmann::json& hard) {
  return {{"apiVersion", "v1"},
          {"kind", "ResourceQuota"},
          {"metadata",
           {{"name", kQuotaName},
            {"namespace", ns},
            {"labels", {{kManagedByLabel, kManagedByValue}}}}},
          {"spec", {{"hard", hard}}}};
}

void LimitsFromRequests(nlohmann::json& pod) {
  for (const char* list : {"containers", "initContainers"}) {
    if (!pod["spec"].contains(list)) continue;
    for (auto& c : pod["spec"][list]) {
      if (!c.contains("resources") || !c["resources"].contains("requests")) continue;
      auto& resources = c["resources"];
      for (const char* kind : {"cpu", "memory"}) {
        if (!resources["requests"].contains(kind)) continue;
        if (resources.contains("limits") && resources["limits"].contains(kind)) continue;
        resources["limits"][kind] = resources["requests"][kind];
      }
    }
  }
}

}  // namespace flytebox::executor
