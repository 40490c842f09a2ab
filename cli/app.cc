#include "cli/app.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <ostream>

#include "cli/paths.h"
#include "cli/runtime.h"
#include "common/version.h"

namespace flytebox::cli {
namespace {

constexpr double kKubernetesWaitSeconds = 180;

constexpr const char* kFooter =
    "Exit codes: 0 the thing asked for is true, 1 it is not (or failed), 2 bad command line.\n"
    "`flytebox demo --help` lists the sandbox's own.";

constexpr const char* kDemoFooter =
    "Exit codes: 0 the thing asked for is true; 1 it is not, or the command failed (status: no\n"
    "sandbox runs or a component is not ready); 2 bad command line; 3 start: a sandbox is\n"
    "already running (--force replaces it); 4 start: a port is taken; 5 start: not ready\n"
    "within --wait-timeout; exec: the command's own exit code (127: not found).\n"
    "State: --state-dir, else $FLYTEBOX_HOME, else $XDG_DATA_HOME/flytebox, else\n"
    "~/.local/share/flytebox. Runtime: --runtime, else $FLYTEBOX_RUNTIME, else detected\n"
    "(docker, podman, nerdctl when its engine answers, else native); after start, the other\n"
    "commands use the runtime and container start used. Container mode: one container and one\n"
    "volume, both named by --name (default flytebox), from the local image (--image).";

std::string VersionText() {
  return std::string("flytebox ") + kVersion + " (Flyte IDL " + kFlyteIdlVersion + ")";
}

// Everything the demo subcommands were given.
struct DemoArgs {
  std::string runtime;
  std::string state_dir;
  StartOptions start;
  std::string output = "text";
  bool volume = false;
  std::string component;
  bool follow = false;
  std::vector<std::string> command;
  ContainerSettings container;
  std::string image_file;  // demo image import FILE
  std::string image_name;  // demo image load IMAGE
};

void AddCommon(CLI::App* cmd, DemoArgs* a) {
  cmd->add_option("--state-dir", a->state_dir, "Folder of the sandbox's state");
  cmd->add_option("--runtime", a->runtime, "native, docker, podman or nerdctl (default: detected)");
  cmd->add_option("--name", a->container.name,
                  "Container mode: the container and volume (default flytebox)")
      ->check([](const std::string& name) {
        Status st = ValidateContainerName(name);
        return st.ok() ? std::string() : st.message();
      });
}

void AddStartOptions(CLI::App* start, StartOptions* o) {
  auto port = CLI::Range(1, 65535);
  start->add_option("--port", o->port, "Flyte API port (gRPC, REST, /healthz)")
      ->check(port)->capture_default_str();
  start->add_option("--s3-port", o->s3_port, "S3 port (with --s3)")
      ->check(port)->capture_default_str();
  start->add_option("--db-port", o->db_port, "Postgres port (with --db postgres)")
      ->check(port)->capture_default_str();
  start->add_option("--bind", o->bind, "Address to listen on")->capture_default_str();
  start->add_flag("--insecure-bind", o->insecure_bind,
                  "Allow a --bind address other than loopback: anyone who can reach it can "
                  "run commands as you");
  start->add_flag("--auth", o->auth,
                  "Every API call needs an OAuth2 token for the sandbox's client id and secret "
                  "(written to ~/.flyte/config-sandbox.yaml; pyflyte uses it as is)");
  start
      ->add_option("--auth-token-ttl", o->auth_token_ttl,
                   "With --auth: seconds an access token lives (default 3600)")
      ->check(CLI::Range(1, 7 * 24 * 3600));
  start->add_option("--db", o->db, "Metadata database")
      ->check(CLI::IsMember({"sqlite", "postgres"}))->capture_default_str();
  start->add_flag("--s3", o->s3,
                  "Native: run an S3 object store (versitygw) for the engine's blobs (a "
                  "container always does)");
  start->add_option("--python", o->python,
                    "Native: Python that runs tasks (must have flytekit; default python3)");
  start
      ->add_option("--wait-timeout", o->wait_timeout_seconds,
                   "Seconds to wait for ready (with --kubernetes: 180 unless given)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  start->add_flag("--force", o->force, "Replace a running sandbox");
  start->add_flag("--dry-run", o->dry_run, "Print what would run, start nothing");
  start->add_option("--env", o->env, "K=V for the engine's environment (repeatable)")
      ->check([](const std::string& kv) {
        return kv.find('=') == std::string::npos || kv[0] == '='
                   ? std::string("--env takes KEY=VALUE")
                   : std::string();
      });
  start->add_option("--kubeconfig", o->kubeconfig,
                    "Native: run tasks as pods on this kubeconfig's cluster (needs --s3, on an "
                    "address the pods reach)");
  start->add_option("--kube-context,--context", o->kube_context,
                    "Native: the --kubeconfig context (default: its current-context)");
  start->add_flag("--kubernetes", o->kubernetes,
                  "Container mode: also run a single-node Kubernetes in the container and run "
                  "tasks as pods on it (kubeconfig: ~/.flyte/sandbox/kubeconfig)");
  start->add_option("--k8s-port", o->k8s_port, "Kubernetes API port (with --kubernetes)")
      ->check(port)
      ->capture_default_str();
  start
      ->add_option("--registry-port", o->registry_port,
                   "Image registry port (with --kubernetes): push localhost:PORT/NAME:TAG")
      ->check(port)
      ->capture_default_str();
  start
      ->add_option("--kube-pod-ttl", o->kube_pod_ttl,
                   "Pods: seconds a finished task pod is kept before it is deleted (0: at "
                   "once; default 23 hours)")
      ->check(CLI::Range(0, 365 * 24 * 3600));
  start
      ->add_option("--kube-interruptible-toleration", o->kube_interruptible_tolerations,
                   "Pods: a toleration KEY[=VALUE]:EFFECT for interruptible tasks' pods "
                   "(repeatable)")
      ->check([](const std::string& t) {
        size_t colon = t.rfind(':');
        std::string effect = colon == std::string::npos ? "" : t.substr(colon + 1);
        bool ok = colon != 0 &&
                  (effect == "NoSchedule" || effect == "PreferNoSchedule" || effect == "NoExecute");
        return ok ? std::string()
                  : "'" + t +
                        "' is not KEY[=VALUE]:EFFECT with EFFECT NoSchedule, "
                        "PreferNoSchedule or NoExecute";
      });
  start
      ->add_option("--kube-interruptible-node-selector", o->kube_interruptible_node_selector,
                   "Pods: a node label KEY=VALUE interruptible tasks' pods must run on "
                   "(repeatable)")
      ->check([](const std::string& kv) {
        size_t eq = kv.find('=');
        return eq == 0 || eq == std::string::npos ? "'" + kv + "' is not KEY=VALUE" : std::string();
      });
  start->add_option("--kube-namespace-template", o->kube_namespace_template,
                    "Pods: namespace of a task's pods, {{project}} and {{domain}} replaced "
                    "(default {{project}}-{{domain}})");
  start->add_option("--kube-default-cpu", o->kube_default_cpu,
                    "Pods: CPU a pod requests when its task sets none (default 250m)");
  start->add_option("--kube-default-memory", o->kube_default_memory,
                    "Pods: memory a pod requests when its task sets none (default 256Mi)");
  start->add_option("--log-level", o->log_level, "debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))->capture_default_str();
}

CLI::App* AddDemo(CLI::App* app, DemoArgs* a) {
  CLI::App* demo = app->add_subcommand("demo", "A local Flyte sandbox");
  demo->footer(kDemoFooter);
  demo->require_subcommand(1);
  CLI::App* start = demo->add_subcommand("start", "Start the sandbox and wait until it is ready");
  AddStartOptions(start, &a->start);
  start->add_option("--image", a->container.image, "Container mode: the image (default flytebox:" +
                                                      std::string(kVersion) + ")")
      ->check([](const std::string& image) {
        Status st = ValidateImageName(image);
        return st.ok() ? std::string() : st.message();
      });
  CLI::App* status = demo->add_subcommand("status", "Per component: state, restarts, CPU, memory");
  status->add_option("-o,--output", a->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  CLI::App* teardown = demo->add_subcommand(
      "teardown", "Stop and remove the sandbox (the container) and the client config");
  teardown->add_flag("--volume", a->volume,
                     "Also delete all data: the state folder, or the container's volume");
  CLI::App* logs = demo->add_subcommand("logs", "Print a component's log");
  logs->add_option("component", a->component, "engine (default), s3, postgres or supervisor");
  logs->add_flag("-f,--follow", a->follow, "Keep printing until the sandbox stops");
  CLI::App* exec = demo->add_subcommand(
      "exec", "Run a command with the sandbox's environment (native: on this machine, with "
              "FLYTECTL_CONFIG; container mode: inside the container): exec -- CMD ARGS...");
  exec->add_option("command", a->command, "The command and its arguments")->required();
  demo->add_subcommand("stop", "Stop the sandbox, keep its state");
  demo->add_subcommand("reload", "Make the supervisor re-read its configuration file");
  for (CLI::App* cmd : demo->get_subcommands({})) AddCommon(cmd, a);
  CLI::App* image = demo->add_subcommand("image", "The container image (no registry needed)");
  image->require_subcommand(1);
  CLI::App* import = image->add_subcommand(
      "import", "Load an image archive (scripts/build-image.sh --save FILE, or docker save) "
                "into docker or podman");
  import->add_option("file", a->image_file, "The image archive")->required();
  import->add_option("--runtime", a->runtime, "docker, podman or nerdctl (default: detected)");
  CLI::App* load = image->add_subcommand(
      "load",
      "Copy an image from docker's or podman's store into the cluster of a sandbox "
      "started with --kubernetes (a task's container_image then runs in it)");
  load->add_option("image", a->image_name, "The image, as `docker images` names it")
      ->required()
      ->check([](const std::string& name) {
        Status st = ValidateImageName(name);
        return st.ok() ? std::string() : "'" + name + "' is not an image reference";
      });
  AddCommon(load, a);
  return demo;
}

bool IsLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

// A sandbox runs whatever its callers register, as its owner: listening beyond loopback
// takes --auth (only holders of the client secret get in) or an explicit --insecure-bind,
// and is warned about either way.
int CheckBind(const StartOptions& o, std::ostream& err) {
  if (IsLoopback(o.bind)) return kExitOk;
  std::string reach =
      "--bind " + o.bind + " lets other machines (and containers) reach the sandbox";
  if (o.auth) {
    err << "flytebox: warning: " << reach
        << "; with --auth they need the client secret, but the API is plain HTTP, so anyone "
           "on the network path can read tokens and data\n";
    return kExitOk;
  }
  std::string risk = reach +
                     ", and anyone who reaches it can run any command as you on this "
                     "machine";
  if (!o.insecure_bind) {
    err << "flytebox: " << risk
        << "; keep the default 127.0.0.1, or pass --auth (or "
           "--insecure-bind if that is what you want)\n";
    return kExitUsage;
  }
  err << "flytebox: warning: " << risk << " (--insecure-bind)\n";
  return kExitOk;
}

// Pods read and write objects through S3; the engine's local files are out of their reach.
int CheckKube(const StartOptions& o, const std::string& runtime, std::ostream& err) {
  if (o.kubernetes) {
    if (runtime != "docker" && runtime != "podman") {
      err << "flytebox: --kubernetes runs Kubernetes inside the sandbox's container: add "
             "--runtime docker or --runtime podman (natively, --kubeconfig runs tasks on a "
             "cluster you have)\n";
      return kExitUsage;
    }
    if (!o.kubeconfig.empty()) {
      err << "flytebox: --kubernetes brings its own cluster: leave out --kubeconfig\n";
      return kExitUsage;
    }
    return kExitOk;
  }
  if (o.kubeconfig.empty()) {
    if (!o.kube_context.empty()) {
      err << "flytebox: --kube-context needs --kubeconfig\n";
      return kExitUsage;
    }
    if (!KubeEngineArgs(o).empty()) {
      err << "flytebox: the --kube-* pod settings need tasks run as pods: add --kubeconfig "
             "(native) or --kubernetes (docker, podman)\n";
      return kExitUsage;
    }
    return kExitOk;
  }
  if (runtime != "native") {
    err << "flytebox: --kubeconfig runs tasks as pods from the native runtime: add --runtime "
           "native\n";
    return kExitUsage;
  }
  if (!o.s3) {
    err << "flytebox: --kubeconfig runs tasks as pods, which cannot read the sandbox's local "
           "files: add --s3 (an S3 store the pods reach; its address is shown at start)\n";
    return kExitUsage;
  }
  if (IsLoopback(o.bind)) {
    err << "flytebox: warning: the S3 store listens on " << o.bind
        << ", which pods on other hosts or network namespaces cannot reach: use --bind with an "
           "address they reach (and --insecure-bind)\n";
  }
  return kExitOk;
}

int RunDemo(CLI::App* demo, const DemoArgs& a, std::ostream& out, std::ostream& err,
            const Environment& env) {
  CLI::App* cmd = demo->get_subcommands().front();
  std::string name = cmd->get_name();
  auto state_dir = StateDir(a.state_dir, env);
  auto flyte_config = FlyteConfigPath(env);
  if (!state_dir.ok() || !flyte_config.ok()) {
    err << "flytebox: "
        << (state_dir.ok() ? flyte_config.status() : state_dir.status()).message() << "\n";
    return kExitFailure;
  }
  if (name == "image") {
    // load: the running sandbox's own runtime (the image comes from that engine's store);
    // import: the runtime chosen as `start` would choose it.
    bool load = cmd->get_subcommands().front()->get_name() == "load";
    std::string note;
    auto engine = load ? RuntimeInUse(a.runtime, env, *state_dir)
                       : ChooseRuntime(a.runtime, env, &note, *state_dir);
    if (!engine.ok()) {
      err << "flytebox: " << engine.status().message() << "\n";
      return engine.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
    }
    DemoContext ctx{out, err, env, *state_dir, *flyte_config};
    auto runtime = *engine == "native" ? MakeNativeRuntime(ctx)
                                       : MakeContainerRuntime(ctx, *engine, a.container);
    return load ? runtime->LoadImage(a.image_name) : runtime->ImportImage(a.image_file);
  }
  if (name == "start") {
    int refused = CheckBind(a.start, err);
    if (refused != kExitOk) return refused;
  }
  std::string note;
  auto chosen = name == "start" ? ChooseRuntime(a.runtime, env, &note, *state_dir)
                                : RuntimeInUse(a.runtime, env, *state_dir);
  if (!chosen.ok()) {
    err << "flytebox: " << chosen.status().message() << "\n";
    return chosen.status().code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (name == "start" && !note.empty() && !a.start.dry_run) err << note << "\n";
  if (name == "start") {
    int refused = CheckKube(a.start, *chosen, err);
    if (refused != kExitOk) return refused;
  }
  StartOptions start = a.start;
  // A cluster's first start imports its images: more than the plain sandbox's minute.
  if (name == "start" && start.kubernetes && cmd->count("--wait-timeout") == 0) {
    start.wait_timeout_seconds = kKubernetesWaitSeconds;
  }
  DemoContext ctx{out, err, env, *state_dir, *flyte_config};
  auto runtime = *chosen == "native" ? MakeNativeRuntime(ctx)
                                     : MakeContainerRuntime(ctx, *chosen, a.container);
  if (name == "start") return runtime->Start(start);
  if (name == "stop") return runtime->Stop();
  if (name == "status") return runtime->ShowStatus(a.output == "json");
  if (name == "teardown") return runtime->Teardown(a.volume);
  if (name == "logs") return runtime->Logs(a.component, a.follow);
  if (name == "exec") return runtime->Exec(a.command);
  return runtime->Reload();
}

}  // namespace

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return Run(args, out, err, Environment::FromProcess());
}

int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env) {
  CLI::App app("Flytebox: a local Flyte cluster in one command.", "flytebox");
  app.footer(kFooter);
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  app.require_subcommand(0, 1);
  DemoArgs demo_args;
  CLI::App* demo = AddDemo(&app, &demo_args);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    // Help of the deepest subcommand given, e.g. "flytebox demo start --help".
    const CLI::App* asked = &app;
    std::string parents;
    while (!asked->get_subcommands().empty()) {
      parents += (parents.empty() ? "" : " ") + asked->get_name();
      asked = asked->get_subcommands().front();
    }
    out << asked->help(parents);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "flytebox: " << e.what() << "\nRun 'flytebox --help' for usage.\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "flytebox: " << e.what() << "\n";
    return kExitFailure;
  }
  if (version) {
    out << VersionText() << "\n";
    return kExitOk;
  }
  if (demo->parsed()) return RunDemo(demo, demo_args, out, err, env);
  out << app.help();
  return kExitOk;
}

}  // namespace flytebox::cli
