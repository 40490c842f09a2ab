#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flyteidl/admin/matchable_resource.pb.h"

namespace flytebox::executor {

// A Kubernetes quantity ("500m", "2", "1.5Gi", "100M") as a number of base units; nullopt
// when it is not one.
std::optional<double> QuantityValue(std::string_view quantity);

// TASK_RESOURCE matchable attributes applied to a task's resources (by Kubernetes name:
// "cpu", "memory", "nvidia.com/gpu", "ephemeral-storage"), as the platform applies them: a
// resource the task names neither as request nor as limit gets the attributes' default as its
// request; requests and limits above the attributes' limit come down to it.
void ApplyTaskResourceAttributes(const flyteidl::admin::TaskResourceAttributes& attributes,
                                 std::map<std::string, std::string>* requests,
                                 std::map<std::string, std::string>* limits);

// PLUGIN_OVERRIDE matchable attributes as propeller resolves a task's plugin: an override for
// the task's type that names none of the plugins this engine runs it with ("container", "pod",
// "k8s-array" or the runner's own name) and says FAIL refuses the task; the refusal says why.
// No override, a plugin that runs here, or USE_DEFAULT: nullopt, the task runs as it would.
std::optional<std::string> PluginOverrideRefusal(
    const std::vector<flyteidl::admin::PluginOverride>& overrides, const std::string& task_type,
    const std::string& runner);

}  // namespace flytebox::executor
