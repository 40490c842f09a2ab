#include "embedded/engine_main.h"

#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "common/version.h"
#include "embedded/executor/kube_pods.h"
#include "embedded/executor/task_resources.h"
#include "embedded/server/supervisor_status.h"

namespace flytebox::engine {
namespace {

void AddOptions(CLI::App& app, EngineOptions& options, std::string& data_dir,
                std::string& log_level, std::string& storage,
                std::vector<std::string>& node_selector) {
  app.set_version_flag("--version", std::string("flytebox-engine ") + kVersion);
  app.add_option("--bind", options.bind_address, "Address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "Port for gRPC, REST and signed URLs (0: any free)")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "State folder (database, objects)")->capture_default_str();
  app.add_option("--database", options.database,
                 "sqlite:PATH or postgres:CONNINFO (default: sqlite in the data dir)");
  app.add_option("--public-url", options.public_url,
                 "Base URL the host uses to reach this port (default http://localhost:PORT)");
  app.add_option("--python", options.python,
                 "Python whose environment has flytekit; tasks run as its processes")
      ->capture_default_str();
  app.add_option("--max-parallel-tasks", options.max_parallel_tasks,
                 "Task processes running at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--log-level", log_level, "debug, info, warn, error")->capture_default_str();
  app.add_option("--console-dir", options.console_dir,
                 "Built web console served at /console (default: next to this program)");
  app.add_flag("!--no-executions", options.run_executions,
               "Serve the API only: executions are recorded but not run");
  app.add_option("--storage", storage,
                 "Object store: file (the data dir) or s3 (credentials from the environment: "
                 "FLYTEBOX_S3_ACCESS_KEY, FLYTEBOX_S3_SECRET_KEY; tasks get the account in "
                 "FLYTEBOX_S3_TASK_ACCESS_KEY, FLYTEBOX_S3_TASK_SECRET_KEY when set)")
      ->check(CLI::IsMember({"file", "s3"}))
      ->capture_default_str();
  app.add_option("--s3-endpoint", options.s3.endpoint,
                 "S3 URL for the engine and its tasks, e.g. http://127.0.0.1:30002");
  app.add_option("--s3-public-endpoint", options.s3.public_endpoint,
                 "S3 URL the host uses, for signed URLs (default: --s3-endpoint)");
  app.add_option("--s3-region", options.s3.region, "S3 region")->capture_default_str();
  app.add_option("--bucket", options.bucket, "Bucket for objects")->capture_default_str();
  app.add_flag("--auth", options.auth.enabled,
               "Every call needs an OAuth2 token from /oauth2/token (client_credentials for "
               "--auth-client-id and the secret in FLYTEBOX_AUTH_CLIENT_SECRET)");
  app.add_option("--auth-client-id", options.auth.client_id, "The one OAuth2 client, with --auth");
  app.add_option("--auth-token-ttl", options.auth.token_ttl_seconds,
                 "Seconds an access token lives, with --auth")
      ->capture_default_str()
      ->check(CLI::Range(1, 7 * 24 * 3600));
  app.add_option("--kubeconfig", options.kubeconfig,
                 "Run tasks as pods on this kubeconfig's cluster (needs --storage s3 with an "
                 "--s3-endpoint the pods can reach)");
  app.add_option("--kube-context", options.kube_context,
                 "Context of --kubeconfig to use (default: its current-context)");
  app.add_option("--kube-pod-ttl", options.kube_pod_ttl_seconds,
                 "Seconds a finished task pod is kept before it is deleted (0: at once)")
      ->capture_default_str()
      ->check(CLI::Range(0, 365 * 24 * 3600));
  app.add_option("--kube-interruptible-toleration", options.kube_interruptible_tolerations,
                 "A toleration KEY[=VALUE]:EFFECT for the pods of interruptible tasks "
                 "(repeatable)");
  app.add_option("--kube-interruptible-node-selector", node_selector,
                 "A node label KEY=VALUE the pods of interruptible tasks must run on "
                 "(repeatable)");
  app.add_option("--kube-copilot-image", options.kube_copilot_image,
                 "Image with python3 in which raw-container tasks' inputs and outputs are "
                 "copied (default: flytekit's default task image of the pinned flytekit)");
  app.add_option("--kube-namespace-template", options.kube_namespace_template,
                 "Namespace of a task's pods, {{project}} and {{domain}} replaced (default "
                 "{{project}}-{{domain}})");
  app.add_option("--kube-default-cpu", options.kube_default_cpu,
                 "CPU request of a task pod whose task declares none (default 250m)");
  app.add_option("--kube-default-cpu-limit", options.kube_default_cpu_limit,
                 "CPU limit of a task pod whose task declares no CPU ('none', the default: "
                 "no limit)");
  app.add_option("--kube-default-memory", options.kube_default_memory,
                 "Memory request of a task pod whose task declares none (default 256Mi)");
  app.add_option("--kube-default-memory-limit", options.kube_default_memory_limit,
                 "Memory limit of a task pod whose task declares no memory ('none': no "
                 "limit; default 1Gi)");
}

// NOT OK (false, `err` set) when a --kube-default-* flag is not a quantity or a default limit
// is below its default request.
bool CheckDefaultResources(const EngineOptions& options, std::string& err) {
  executor::PodOptions defaults;
  auto check = [&](const char* kind, const std::optional<std::string>& request_flag,
                   const std::optional<std::string>& limit_flag, const std::string& request_default,
                   const std::string& limit_default) {
    std::string request = request_flag.value_or(request_default);
    std::string limit = limit_flag.value_or(limit_default);
    if (limit == "none") limit.clear();
    auto r = executor::QuantityValue(request);
    auto l = executor::QuantityValue(limit);
    if (!r) {
      err = std::string("flytebox-engine: --kube-default-") + kind + " '" + request +
            "' is not a Kubernetes quantity (e.g. 500m, 1, 256Mi, 1Gi)\n";
    } else if (!limit.empty() && !l) {
      err = std::string("flytebox-engine: --kube-default-") + kind + "-limit '" + limit +
            "' is not a Kubernetes quantity or 'none'\n";
    } else if (l && *l < *r) {
      err = std::string("flytebox-engine: the default ") + kind + " limit " + limit +
            " is below its request " + request + ": raise --kube-default-" + kind +
            "-limit or lower --kube-default-" + kind + "\n";
    }
    return err.empty();
  };
  return check("cpu", options.kube_default_cpu, options.kube_default_cpu_limit,
               defaults.default_cpu, defaults.default_cpu_limit) &&
         check("memory", options.kube_default_memory, options.kube_default_memory_limit,
               defaults.default_memory, defaults.default_memory_limit);
}

// Defaults that depend on other flags and on the environment. False (with `err` set) when the
// combination cannot run.
bool FillDefaults(const std::string& storage, const std::vector<std::string>& node_selector,
                  const EnvLookup& env, EngineCommandLine& line) {
  EngineOptions& options = line.options;
  if (options.database.empty()) options.database = "sqlite:" + line.data_dir + "/flytebox.db";
  options.blob_root = line.data_dir + "/blobs";
  options.work_dir = line.data_dir + "/work";
  const char* secret = env("FLYTEBOX_URL_SECRET");
  options.url_secret = secret ? secret : "";
  if (options.auth.enabled) {
    const char* client_secret = env("FLYTEBOX_AUTH_CLIENT_SECRET");
    options.auth.client_secret = client_secret ? client_secret : "";
    if (options.auth.client_id.empty() || options.auth.client_secret.size() < 16) {
      line.err =
          "flytebox-engine: --auth needs --auth-client-id and the environment variable "
          "FLYTEBOX_AUTH_CLIENT_SECRET (at least 16 characters)\n";
      return false;
    }
  }
  const char* supervisor = env(server::kSupervisorStatusEnv);
  options.supervisor_status = supervisor ? supervisor : "";
  if (!options.kubeconfig.empty() && storage != "s3") {
    line.err =
        "flytebox-engine: --kubeconfig runs tasks as pods, which cannot read the engine's "
        "local files: add --storage s3 --s3-endpoint URL (an address the pods can reach)\n";
    return false;
  }
  if (!options.kube_context.empty() && options.kubeconfig.empty()) {
    line.err = "flytebox-engine: --kube-context needs --kubeconfig\n";
    return false;
  }
  for (const auto& kv : node_selector) {
    size_t eq = kv.find('=');
    if (eq == 0 || eq == std::string::npos) {
      line.err = "flytebox-engine: --kube-interruptible-node-selector '" + kv +
                 "' is not KEY=VALUE\n";
      return false;
    }
    options.kube_interruptible_node_selector[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& t : options.kube_interruptible_tolerations) {
    auto parsed = executor::ParseToleration(t);
    if (!parsed.ok()) {
      line.err = "flytebox-engine: --kube-interruptible-toleration: " +
                 parsed.status().message() + "\n";
      return false;
    }
  }
  if (!CheckDefaultResources(options, line.err)) return false;
  if (storage != "s3") return true;
  const char* access_key = env("FLYTEBOX_S3_ACCESS_KEY");
  const char* secret_key = env("FLYTEBOX_S3_SECRET_KEY");
  if (options.s3.endpoint.empty() || !access_key || !*access_key || !secret_key || !*secret_key) {
    line.err =
        "flytebox-engine: --storage s3 needs --s3-endpoint and the environment "
        "variables FLYTEBOX_S3_ACCESS_KEY and FLYTEBOX_S3_SECRET_KEY\n";
    return false;
  }
  options.storage = EngineOptions::Storage::kS3;
  options.s3.access_key = access_key;
  options.s3.secret_key = secret_key;
  const char* task_access = env("FLYTEBOX_S3_TASK_ACCESS_KEY");
  const char* task_secret = env("FLYTEBOX_S3_TASK_SECRET_KEY");
  bool has_access = task_access && *task_access, has_secret = task_secret && *task_secret;
  if (has_access != has_secret) {
    line.err =
        "flytebox-engine: set both FLYTEBOX_S3_TASK_ACCESS_KEY and "
        "FLYTEBOX_S3_TASK_SECRET_KEY (the tasks' S3 account), or neither\n";
    return false;
  }
  if (has_access) {
    options.s3_task_access_key = task_access;
    options.s3_task_secret_key = task_secret;
  }
  return true;
}

}  // namespace

EngineCommandLine ParseEngineCommandLine(const std::vector<std::string>& args,
                                         const EnvLookup& env) {
  EngineCommandLine line;
  std::string log_level = "info";
  std::string storage = "file";
  CLI::App app("flytebox-engine: the Flyte control plane in one process", "flytebox-engine");
  std::vector<std::string> node_selector;
  AddOptions(app, line.options, line.data_dir, log_level, storage, node_selector);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  if (!reversed.empty()) reversed.pop_back();  // the program name
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    std::ostringstream out, err;
    line.exit_code = app.exit(e, out, err);
    line.out = out.str();
    line.err = err.str();
    return line;
  }
  if (!log::ParseLevel(log_level, &line.log_level)) {
    line.err = "flytebox-engine: unknown log level '" + log_level + "'\n";
    line.exit_code = 2;
    return line;
  }
  if (!FillDefaults(storage, node_selector, env, line)) line.exit_code = 2;
  return line;
}

int RunEngine(int argc, char** argv) {
  EngineCommandLine line =
      ParseEngineCommandLine(std::vector<std::string>(argv, argv + argc),
                             [](const char* name) { return std::getenv(name); });
  std::cout << line.out;
  std::cerr << line.err;
  if (line.exit_code) return *line.exit_code;
  log::SetLevel(line.log_level);
  std::error_code ec;
  std::filesystem::create_directories(line.data_dir, ec);
  if (ec) {
    std::cerr << "flytebox-engine: cannot create " << line.data_dir << ": " << ec.message() << "\n";
    return 1;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit the mask

  auto engine = Engine::Start(line.options);
  if (!engine.ok()) {
    std::cerr << "flytebox-engine: " << engine.status().ToString() << "\n";
    return 1;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  FB_LOG(kInfo, "engine") << "signal " << sig << ": shutting down";
  (*engine)->Stop();
  return 0;
}

}  // namespace flytebox::engine
