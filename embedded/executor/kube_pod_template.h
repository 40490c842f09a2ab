#pragma once
// A task's named PodTemplate (task metadata pod_template_name) as the base of its pod, as
// FlytePropeller merges one: the template's container named "default" under every container,
// the one named "primary" under the task's container, the rest of its spec and its labels
// and annotations under the pod's. The pod's own values win; lists are joined, the
// template's first.

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "embedded/kube/client.h"

namespace flytebox::executor {

// Names the template containers merged under the pod's containers.
inline constexpr char kDefaultContainerTemplate[] = "default";
inline constexpr char kPrimaryContainerTemplate[] = "primary";

// `over` merged onto `base`: objects key by key, lists joined (base's first), anything else
// `over`'s.
nlohmann::json MergeOnto(const nlohmann::json& base, const nlohmann::json& over);

// The pod built for a task (BuildPod) with a PodTemplate object (as the API returns it) as
// its base; `primary` names the task's container. INVALID_ARGUMENT when the object is not a
// PodTemplate.
Result<nlohmann::json> ApplyPodTemplate(const nlohmann::json& pod_template,
                                        const nlohmann::json& pod, const std::string& primary);

// The pod built for a task (BuildPod) on the task's own pod spec (a k8s_pod target), as
// FlytePropeller builds one: the spec's primary container (named `primary`) with the task's
// image, command, args and resources (quantities the engine has no word for kept), its env
// after the spec's valueFrom entries, its mounts joined; the spec's other containers, init
// containers and volumes kept; the pod's own settings over the spec's, except the spec's
// service account.
nlohmann::json ApplyPodSpec(const nlohmann::json& spec, const nlohmann::json& pod,
                            const std::string& primary);

// `pod` on the PodTemplate `name` of its namespace, read from the API. FAILED_PRECONDITION
// naming the template when the namespace has none of that name; UNAVAILABLE when the API
// cannot be reached.
Result<nlohmann::json> OnNamedPodTemplate(kube::Client& client, const std::string& name,
                                          const nlohmann::json& pod, const std::string& primary);

}  // namespace flytebox::executor
