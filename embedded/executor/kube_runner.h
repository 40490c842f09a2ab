#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "embedded/blob/blob_store.h"
#include "embedded/executor/kube_pods.h"
#include "embedded/executor/runner.h"
#include "embedded/kube/client.h"

namespace flytebox::executor {

struct KubeRunnerOptions {
  PodOptions pods;
  // Kept in a Secret in every task namespace that pods read their environment from (the
  // object store's credentials); empty: no Secret.
  std::map<std::string, std::string> secret_env;
  // Pods that ran are kept this long after they finish, then deleted by a sweep (FlytePropeller
  // leaves them to its 23-hour garbage collection of finished workflows too); 0: deleted as
  // soon as their result and log are read. Pods that never ran are deleted at once.
  std::chrono::seconds finished_pod_ttl{23 * 3600};
  // The watch is started again from a fresh list this often (a resync).
  std::chrono::seconds resync{300};
  int create_workers = 4;  // pods created (and deleted) at once
  // The object store pods reach: raw-container attempts' files are staged there (copilot.h).
  // Unset: raw-container tasks are refused.
  blob::BlobStore* blobs = nullptr;
  // The CLUSTER_RESOURCE attributes of a project-domain (kube_quota.h): each namespace's
  // ResourceQuota follows them, checked before each pod is made; unset: no quotas.
  std::function<Result<std::map<std::string, std::string>>(const std::string& project,
                                                           const std::string& domain)>
      cluster_resources;
};

// Runs each attempt as a pod (FlytePropeller's pod plugin's job): namespaces made as needed
// with their service account and Secret; pods followed through one watch of every pod this
// engine labelled (list, then watch from its resourceVersion, again on expiry), never a poll
// per pod; the log read through the pod log API into the attempt's log file when it ends.
// Handles are "pod:<namespace>/<name>"; Attach finds a pod by it after a restart. A
// raw-container attempt's inputs are staged before its pod is made and its outputs fetched
// into the local folder once the pod's copilot has uploaded them; no marker of the upload
// after a clean exit is a system error (PodState's kLost "CopilotOutputsMissing", retried).
std::unique_ptr<TaskRunner> NewKubeRunner(std::unique_ptr<kube::Client> client,
                                          KubeRunnerOptions options);

}  // namespace flytebox::executor
