#pragma once
// Pods for task attempts, and what a pod's status says about its attempt: pure, over JSON,
// unit-tested against recorded API objects (FlytePropeller's pod plugin's part).

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "common/status.h"
#include "embedded/executor/runner.h"

namespace flytebox::executor {

inline constexpr char kDefaultCopilotImage[] = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8";

struct PodOptions {
  // Namespace of a task's pods; {{project}} and {{domain}} are replaced.
  std::string namespace_template = "{{project}}-{{domain}}";
  // A task that declares no CPU (or no memory) gets these requests and limits ("": no
  // limit). A task's own request without a limit gets the request as its limit, and a limit
  // alone is also the request (FlytePropeller's rule). The Flyte sandbox gives 500m / 1Gi as
  // request and limit, so a 2-core node runs 4 pods at once and each is held to half a core;
  // these defaults let a local node run a map's pods 20 at once (100m each on 2 cores) and a
  // lone task use the idle cores, under the same 1Gi memory limit. docs/BENCHMARKS.md ("Tasks
  // as pods") has the measurements behind them; project attributes or flags give Flyte's.
  std::string default_cpu = "250m";
  std::string default_cpu_limit;
  std::string default_memory = "256Mi";
  std::string default_memory_limit = "1Gi";
  std::string service_account = "default";
  std::string image_pull_policy = "IfNotPresent";
  std::map<std::string, std::string> env;  // every pod, after the task's own
  std::string env_secret;  // a Secret every pod reads its environment from ("": none)
  // Pods of interruptible tasks (spot / preemptible nodes) get these tolerations (Kubernetes
  // Toleration objects) and node selector.
  nlohmann::json interruptible_tolerations = nlohmann::json::array();
  std::map<std::string, std::string> interruptible_node_selector;
  // The image the copilot of raw-container tasks runs in (copilot.h): any with python3 (the
  // copilot needs its standard library alone). The default task image of the pinned flytekit
  // for Debian 12's Python, the one scripts/k8s-images.sh imports into the test cluster.
  std::string copilot_image = kDefaultCopilotImage;
};

// Where flytekit's secrets manager looks for secrets mounted as files, and the prefix of
// secrets given as environment variables (it reads both from these variables).
inline constexpr char kSecretsDir[] = "/etc/flyte/secrets";
inline constexpr char kSecretsEnvPrefix[] = "_FSEC_";

// A toleration from "KEY[=VALUE]:EFFECT" (no value: operator Exists); EFFECT is NoSchedule,
// PreferNoSchedule or NoExecute.
Result<nlohmann::json> ParseToleration(const std::string& text);

// NOT OK when a secret request cannot be met by a Kubernetes Secret: its group (the Secret's
// name) must be a DNS subdomain name, and a secret given as an environment variable needs a key.
Status CheckSecretRequests(const std::vector<SecretRequest>& secrets);

// OK when `secret` (the Secret named by the request's group in namespace `ns`, as the API
// returns it; null when there is none) can be mounted as the request's file(s); else
// FAILED_PRECONDITION naming the Secret and key. The kubelet waits for a missing Secret
// volume without end, so file secrets are checked before the pod is made.
Status CheckFileSecret(const SecretRequest& request, const nlohmann::json* secret,
                       const std::string& ns);

// The label every pod of this engine has, and the labels that find one attempt's pod.
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "flytebox";

// The container a task runs in: "task", or its pod spec's primary container, named in the
// pod's annotation kPrimaryAnnotation.
inline constexpr char kTaskContainer[] = "task";
inline constexpr char kPrimaryAnnotation[] = "flytebox.io/primary-container";
std::string PrimaryContainerOf(const TaskRun& run);
std::string PrimaryContainerOf(const nlohmann::json& pod);

// The namespace for a project and domain: the template filled in, lower-cased, characters
// a namespace cannot hold turned into '-', at most 63 characters.
std::string NamespaceFor(const std::string& tmpl, const std::string& project,
                         const std::string& domain);

// A label value: at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends.
std::string LabelValue(const std::string& text);

// The pod of an attempt: one container "task" running the rendered command with the task's
// image, environment and resources; restartPolicy Never; labels naming the execution, node
// and attempt (so an engine started again finds its pods). Secret requests become
// references to the Secret named by their group in the pod's namespace: an environment
// variable _FSEC_<GROUP>_<KEY> (ENV_VAR) or a file /etc/flyte/secrets/<group>/<key> (FILE,
// ANY), as flytekit reads them. Interruptible tasks get the options' tolerations and node
// selector. A task with its own pod spec gets its pod built on it (ApplyPodSpec), its
// container named as the spec's primary container, the template's labels and annotations
// under the engine's. A raw-container task (run.raw_io) gets the copilot (AddCopilot); its
// command is its own, with the container's paths.
nlohmann::json BuildPod(const TaskRun& run, const PodOptions& options, const std::string& ns,
                        const std::string& name);

// What a pod's status says about its attempt.
struct PodState {
  enum class Phase {
    kQueued,        // not yet on a node
    kInitializing,  // on a node: image, sandbox, container being made
    kRunning,
    kSucceeded,
    kFailed,       // the container exited non-zero: exit_code
    kImageError,   // its image cannot be had: fails at once, not retried
    kConfigError,  // the container cannot be made as specified (a missing secret...)
    kSystemError,  // OOMKilled, evicted, node lost, deleted while running: retried
  };
  Phase phase = Phase::kQueued;
  std::string reason;   // Kubernetes' word (ErrImagePull, OOMKilled, ...)
  std::string message;  // for people
  int exit_code = 0;
  bool terminal() const { return phase >= Phase::kSucceeded; }
};
PodState ReadPodState(const nlohmann::json& pod);

}  // namespace flytebox::executor
