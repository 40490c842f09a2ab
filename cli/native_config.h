#pragma once

#include <map>
#include <string>
#include <vector>

#include "cli/paths.h"
#include "common/result.h"
#include "sandbox/config.h"

namespace flytebox::cli {

// What `flytebox demo start` was asked for.
struct StartOptions {
  int port = 30080;     // Flyte API: gRPC, REST, console, /healthz
  int s3_port = 30002;  // versitygw, with --s3
  int db_port = 30001;  // Postgres, with --db postgres
  std::string bind = "127.0.0.1";
  // A non-loopback --bind needs this: whoever reaches the port can run commands as the owner.
  bool insecure_bind = false;
  // --auth: every call needs an OAuth2 token for the sandbox's client id and secret
  // (see docs/SECURITY.md); tokens live `auth_token_ttl` seconds (0: the engine's default).
  bool auth = false;
  int auth_token_ttl = 0;
  std::string db = "sqlite";  // sqlite | postgres
  bool s3 = false;
  std::string python;  // task Python; empty: python3 on PATH (and the engine's own default)
  double wait_timeout_seconds = 60;
  bool force = false;
  bool dry_run = false;
  std::vector<std::string> env;  // K=V for the engine
  std::string log_level = "info";
  // Set: tasks run as pods on this kubeconfig's cluster (native runtime, with --s3).
  std::string kubeconfig;
  std::string kube_context;
  // Container mode: a single-node Kubernetes runs in the container too and tasks run as pods
  // on it; its API server is published on `k8s_port`, its image registry on `registry_port`.
  bool kubernetes = false;
  int k8s_port = 6443;
  int registry_port = 30000;
  // Tasks as pods (--kubeconfig or --kubernetes): the engine's pod settings; unset (-1,
  // empty): the engine's defaults.
  int kube_pod_ttl = -1;
  std::vector<std::string> kube_interruptible_tolerations;    // KEY[=VALUE]:EFFECT
  std::vector<std::string> kube_interruptible_node_selector;  // KEY=VALUE
  std::string kube_namespace_template;
  std::string kube_default_cpu;
  std::string kube_default_memory;
};

// The engine's --kube-* flags for the options' pod settings (none when all are unset).
std::vector<std::string> KubeEngineArgs(const StartOptions& options);

// Per-sandbox secrets, generated once and kept 0600 in the state folder.
struct Credentials {
  std::string s3_access_key;
  std::string s3_secret_key;
  std::string db_user = "flytebox";
  std::string db_password;
  std::string url_secret;  // signs the engine's upload/download URLs
  std::string client_id;   // the OAuth2 client of --auth
  std::string client_secret;  // its secret
  // The tasks' S3 account: granted the sandbox's bucket only (s3_access_key is the store's
  // root, kept by the engine and the user's client).
  std::string s3_task_access_key;
  std::string s3_task_secret_key;
};

// Reads <state>/credentials.json, creating it (0600, random values) when absent and adding
// what a folder made by an older Flytebox lacks (the --auth client, the tasks' S3 account).
Result<Credentials> LoadOrCreateCredentials(const std::string& path);

// The programs a native sandbox runs.
struct Programs {
  std::string engine;
  std::string versitygw;   // with --s3
  std::string postgres;    // with --db postgres
  std::string pg_isready;  // with --db postgres
  std::string initdb;      // with --db postgres, on the first start
  std::string versitygw_version = "versitygw";  // for status
  std::string postgres_version = "postgres";    // for status
  // Prepended to the Postgres command when running as root, which Postgres refuses
  // (e.g. setpriv to the postgres user); empty otherwise.
  std::vector<std::string> postgres_run_as;
};

// What the engine binary at hand accepts (from its --help), so that a newer CLI works with
// an older engine and says what it could not wire.
struct EngineFeatures {
  bool python = false;  // --python
  bool s3 = false;      // --storage s3 --s3-endpoint ...
};

// The address clients use for a bind address: "localhost" for loopback and wildcard binds.
std::string ClientHost(const std::string& bind);
// The address the supervisor probes: loopback for wildcard binds.
std::string ProbeHost(const std::string& bind);

// The supervisor configuration of a native sandbox: the engine always; versitygw with --s3;
// Postgres with --db postgres. `features` decides which engine flags are passed.
sandbox::SupervisorConfig BuildSupervisorConfig(const StartOptions& options,
                                                const StatePaths& paths,
                                                const Credentials& credentials,
                                                const Programs& programs,
                                                const EngineFeatures& features);

// versitygw's accounts (its --iam-dir holds them as users.json): the tasks' account, with
// the least role ("user": no bucket of its own, no admin calls; the engine grants it the
// sandbox's bucket). The root account comes from versitygw's environment, not this file.
std::string VersitygwAccountsJson(const Credentials& credentials);

// Writes VersitygwAccountsJson into `dir` (0700; the file 0600) unless it holds it already:
// done before versitygw starts, so the account costs no request at start.
Status WriteVersitygwAccounts(const std::string& dir, const Credentials& credentials);

// ~/.flyte/config-sandbox.yaml: the admin endpoint, and the object store when S3 runs. With
// --auth, flytekit's ClientSecret settings, the secret read from `client_secret_file`.
std::string FlyteConfigYaml(const StartOptions& options, const Credentials& credentials,
                            const std::string& client_secret_file = "");

// Where the client secret of --auth is kept for clients (0600): next to the Flyte config.
std::string ClientSecretPath(const std::string& flyte_config);

// Writes `flyte_config` (0600) and, with --auth, the client secret file (0600); without
// --auth removes a secret file left by an earlier sandbox.
Status WriteClientConfig(const StartOptions& options, const Credentials& credentials,
                         const std::string& flyte_config);

// Environment for `demo exec` and for printing next steps: FLYTECTL_CONFIG,
// FLYTE_PLATFORM_URL/INSECURE, and the FLYTE_AWS_* variables when S3 runs.
// With --auth also FLYTE_CREDENTIALS_* (auth mode, client id, secret file).
std::map<std::string, std::string> ClientEnvironment(const StartOptions& options,
                                                     const Credentials& credentials,
                                                     const std::string& flyte_config);

// <state>/sandbox.json: what the running sandbox was started with (runtime, ports, ...).
std::string SandboxRecordJson(const std::string& runtime, const StartOptions& options);
Result<StartOptions> ParseSandboxRecord(const std::string& json, std::string* runtime);

// Writes `content` to `path` with `mode` through a temporary file and a rename.
Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode);
Result<std::string> ReadFile(const std::string& path);

}  // namespace flytebox::cli
