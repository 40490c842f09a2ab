#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

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

}  // namespace flytebox::executor
