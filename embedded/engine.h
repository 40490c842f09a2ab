#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "embedded/blob/s3_store.h"

namespace flytebox::engine {

struct EngineOptions {
  std::string bind_address = "127.0.0.1";
  int port = 30080;  // gRPC, REST and blob URLs on one port; 0 picks a free one
  // Metadata database: "sqlite:PATH" or "postgres:CONNINFO".
  std::string database;
  // Object store: the local filesystem under `blob_root` (one folder per bucket), or S3 as
  // `s3` says. Either way the bucket is `bucket` (s3.bucket is ignored).
  enum class Storage { kFile, kS3 };
  Storage storage = Storage::kFile;
  std::string blob_root;
  blob::S3Config s3;
  std::string bucket = "my-s3-bucket";
  // With S3: the tasks' own account on the same server, the only keys tasks get; the engine
  // grants it the bucket's objects at start (blob::EnsureTaskAccess). Empty: tasks get `s3`'s.
  std::string s3_task_access_key;
  std::string s3_task_secret_key;  // never logged
  // Base of URLs handed to the host; empty: http://localhost:<port>.
  std::string public_url;
  // Secret for signed URLs; empty: generated.
  std::string url_secret;
  // Tasks: processes of this Python (its environment has flytekit), at most
  // `max_parallel_tasks` at once; logs and scratch folders under `work_dir`.
  std::string python = "python3";
  int max_parallel_tasks = 8;
  std::string work_dir;
  // Set: tasks run as pods on the cluster this kubeconfig (and context; empty: its current
  // one) names, with objects in S3 at s3.endpoint, which the pods must reach.
  std::string kubeconfig;
  std::string kube_context;
  // Tasks as pods: finished pods are kept this long, then deleted (0: as soon as read);
  // interruptible tasks' pods get these tolerations ("KEY[=VALUE]:EFFECT") and node selector.
  int kube_pod_ttl_seconds = 23 * 3600;
  std::vector<std::string> kube_interruptible_tolerations;
  std::map<std::string, std::string> kube_interruptible_node_selector;
  // Tasks as pods: the CPU and memory requests and limits of a task that declares none
  // (unset: executor::PodOptions' defaults; a limit "none": no limit).
  std::optional<std::string> kube_default_cpu, kube_default_cpu_limit;
  std::optional<std::string> kube_default_memory, kube_default_memory_limit;
  // Namespace of a task's pods ({{project}}, {{domain}} replaced); empty: the runner's default.
  std::string kube_namespace_template;
  std::string kube_copilot_image;  // "": executor::kDefaultCopilotImage
  // Off: the control plane only (executions stay UNDEFINED until an executor runs them).
  bool run_executions = true;
  // The web console's built files, served at /console; empty: found next to the program
  // (see server::FindConsoleDir).
  std::string console_dir;
  // --auth: every call but health and the OAuth2 discovery/token endpoints needs a bearer
  // token, which the engine's token endpoint gives for this client id and secret
  // (client_credentials); tokens live `token_ttl_seconds`. Off when `enabled` is false.
  struct Auth {
    bool enabled = false;
    std::string client_id;
    std::string client_secret;
    int token_ttl_seconds = 3600;
  };
  Auth auth;
  // The supervisor's status endpoint ("unix:PATH" or "HOST:PORT"), served to the console at
  // GET /api/v1/sandbox/status; empty when no supervisor started this engine.
  std::string supervisor_status;
};

// The engine in one process: the control plane behind one port. Start() returns when the
// port accepts connections and the database is migrated; Stop() (or destruction) shuts down.
class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Start(const EngineOptions& options);
  virtual ~Engine() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
};

}  // namespace flytebox::engine
