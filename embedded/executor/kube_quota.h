#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace flytebox::executor {

// A task namespace's ResourceQuota from the CLUSTER_RESOURCE matchable attributes of its
// project-domain, as FlyteAdmin's cluster resource controller renders its usual quota
// template: `projectQuotaCpu` is the quota's `limits.cpu`, `projectQuotaMemory` its
// `limits.memory`. Other keys name variables of templates Flytebox does not have: unused.
constexpr char kQuotaName[] = "project-quota";

// The quota's `spec.hard`; empty when no key above is set.
nlohmann::json QuotaHard(const std::map<std::string, std::string>& attributes);

// The ResourceQuota object for `ns` with `hard`, labelled as made by Flytebox.
nlohmann::json QuotaObject(const std::string& ns, const nlohmann::json& hard);

// A quota on limits admits only pods whose every container has those limits: each container
// of `pod` that requests CPU or memory without a limit gets its request as the limit (as
// FlytePropeller fills a missing limit), so a task without a CPU limit still runs there.
void LimitsFromRequests(nlohmann::json& pod);

}  // namespace flytebox::executor
