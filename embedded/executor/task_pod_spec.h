#pragma once
// Tasks whose template carries a pod spec (the k8s_pod target flytekit writes for
// `@task(pod_template=PodTemplate(...))`) instead of a container: the container the task
// runs in is the spec's primary container, read here as a container template so attempts
// are rendered like any container task's. Pure; unit-tested.

#include <map>
#include <string>

#include "common/result.h"
#include "flyteidl/core/tasks.pb.h"

namespace flytebox::executor {

// The task template config key naming the pod spec's primary container (flytekit's).
inline constexpr char kPrimaryContainerKey[] = "primary_container_name";

struct PodSpecTask {
  ::flyteidl::core::Container container;  // image, command, args, env, resources, data_config
  std::string primary;                    // the primary container's name
  std::string spec_json;                  // the whole pod spec, as JSON
  std::map<std::string, std::string> labels, annotations;  // the pod's metadata
};

// INVALID_ARGUMENT naming what to fix when the task has no k8s_pod target, the config names
// no primary container, or the spec has no container of that name or it names no image.
Result<PodSpecTask> ReadPodSpecTask(const ::flyteidl::core::TaskTemplate& task);

}  // namespace flytebox::executor
