// `flytebox demo start` over a container engine.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/container_runtime.h"
#include "cli/native_postgres.h"
#include "cli/preflight.h"
#include "common/strings.h"
#include "common/version.h"

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kSpecLabel = "org.flytebox.spec";
constexpr const char* kImageIdLabel = "org.flytebox.image-id";

// FNV-1a, 64 bits: a stable fingerprint of the container's creation command.
std::string Fingerprint(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void SleepFor(Clock* clock, std::chrono::milliseconds d) {
  clock->SleepUntil(clock->Monotonic() + d);
}

std::string Url(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool PortConflict(const std::string& text) {
  return text.find("address already in use") != std::string::npos ||
         text.find("port is already allocated") != std::string::npos;
}

}  // namespace

ContainerSpec ContainerRuntime::Spec(const StartOptions& o, const std::string& image_id) const {
  ContainerSpec s;
  s.name = settings_.name;
  s.volume = settings_.name;
  s.image = settings_.image;
  s.bind = o.bind;
  s.port = o.port;
  s.s3_port = o.s3_port;
  s.db_port = o.db_port;
  s.postgres = o.db == "postgres";
  s.kubernetes = o.kubernetes;
  s.k8s_port = o.k8s_port;
  s.registry_port = o.registry_port;
  s.network = commands_.profile().private_network_mode.empty()
                  ? NetworkName()
                  : commands_.profile().private_network_mode;
  // What the image's entrypoint reads; signed URLs point at the published S3 port.
  s.env = {"FLYTEBOX_DB=" + o.db,
           "FLYTEBOX_PUBLIC_HOST=" + ClientHost(o.bind),
           "FLYTEBOX_PUBLIC_PORT=" + std::to_string(o.port),
           "FLYTEBOX_S3_PUBLIC_PORT=" + std::to_string(o.s3_port),
           "FLYTEBOX_LOG_LEVEL=" + o.log_level,
           std::string("FLYTEBOX_AUTH=") + (o.auth ? "1" : "0")};
  if (o.kubernetes) {
    s.env.emplace_back("FLYTEBOX_KUBERNETES=1");
    // containerd inside also pulls localhost:<this port>/... from the registry.
    s.env.push_back("FLYTEBOX_REGISTRY_PUBLIC_PORT=" + std::to_string(o.registry_port));
  }
  if (std::vector<std::string> kube = KubeEngineArgs(o); o.kubernetes && !kube.empty()) {
    s.env.push_back("FLYTEBOX_KUBE_ENGINE_ARGS=" + nlohmann::json(kube).dump());
  }
  if (o.auth && o.auth_token_ttl > 0) {
    s.env.push_back("FLYTEBOX_AUTH_TOKEN_TTL=" + std::to_string(o.auth_token_ttl));
  }
  s.env.insert(s.env.end(), o.env.begin(), o.env.end());
  s.labels = {{kSandboxLabel, "1"},
              {"org.flytebox.version", kVersion},
              {"org.flytebox.image", settings_.image},
              {"org.flytebox.bind", o.bind},
              {"org.flytebox.db", o.db},
              {"org.flytebox.auth", o.auth ? "1" : "0"},
              {"org.flytebox.port", std::to_string(o.port)},
              {"org.flytebox.s3-port", std::to_string(o.s3_port)},
              {"org.flytebox.db-port", std::to_string(o.db_port)}};
  if (o.kubernetes) {
    s.labels["org.flytebox.kubernetes"] = "1";
    s.labels["org.flytebox.k8s-port"] = std::to_string(o.k8s_port);
    s.labels["org.flytebox.registry-port"] = std::to_string(o.registry_port);
  }
  s.labels[kSpecLabel] = Fingerprint(ShellJoin(commands_.Run(s)));
  s.labels[kImageIdLabel] = image_id;
  return s;
}

Status ContainerRuntime::CheckPorts(const StartOptions& o, int* code) const {
  std::vector<PortUse> ports = {{o.port, "Flyte API", "--port"}, {o.s3_port, "S3", "--s3-port"}};
  if (o.db == "postgres") ports.push_back({o.db_port, "Postgres", "--db-port"});
  if (o.kubernetes) {
    ports.push_back({o.k8s_port, "Kubernetes API", "--k8s-port"});
    ports.push_back({o.registry_port, "image registry", "--registry-port"});
  }
  return CheckPortsFree(o.bind, ports, code);
}

int ContainerRuntime::PrintDryRun(const StartOptions& o) {
  const std::string& n = settings_.name;
  auto spec = Spec(o, "<id of " + settings_.image + ">");
  StartOptions with_s3 = o;
  with_s3.s3 = true;
  Credentials placeholder{"<s3-access-key>", "<s3-secret-key>",      "flytebox",
                          "<db-password>",   "<url-secret>",         "<client-id>",
                          "<client-secret>", "<s3-task-access-key>", "<s3-task-secret-key>"};
  auto& out = ctx_.out;
  out << "# flytebox demo start over " << name() << ": the commands it runs (none was run)\n"
      << ShellJoin(commands_.InspectContainer(n)) << "\n"
      << "#   running: exit code 3, or with --force: " << ShellJoin(commands_.Remove(n)) << "\n"
      << ShellJoin(commands_.ImageId(settings_.image)) << "\n";
  if (commands_.profile().builds_image && settings_.image == DefaultImage()) {
    out << "#   missing: scripts/build-image.sh --engine " << name() << " --tag "
        << settings_.image << "  (from a source tree, as root)\n";
  }
  out << "# stopped, created with these same options and image: " << ShellJoin(commands_.Start(n))
      << "\n# otherwise (a stopped one is removed first):\n"
      << ShellJoin(commands_.InspectVolume(spec.volume)) << "\n"
      << ShellJoin(commands_.CreateVolume(spec.volume, {{kSandboxLabel, "1"}}))
      << "  # when missing\n"
      << (commands_.profile().private_network_mode.empty()
              ? ShellJoin(commands_.CreateNetwork(spec.network, {{kSandboxLabel, "1"}})) +
                    "  # when missing: the sandbox's own network\n"
              : "")
      << ShellJoin(commands_.Run(spec)) << "\n"
      << "# then, until ready (--wait-timeout " << o.wait_timeout_seconds << " s): GET "
      << Url(ProbeHost(o.bind), o.port) << "/healthz, and the supervisor's status and the "
      << "credentials inside the container:\n"
      << ShellJoin(
             commands_.Exec(n, {}, {"python3", "-I", "-S", "-c", "<status reader>", "credentials"}))
      << "\n# " << ctx_.flyte_config << " (0600):\n"
      << FlyteConfigYaml(with_s3, placeholder);
  return kExitOk;
}

Result<std::string> ContainerRuntime::ImageIdOrBuild(Progress* progress) {
  const std::string& image = settings_.image;
  auto id = RunEngine(commands_.ImageId(image), 30s);
  if (id.ok() && id->status.success() && !strings::TrimSpace(id->out).empty()) {
    return std::string(strings::TrimSpace(id->out));
  }
  std::string where = "image " + image + " is not in " + name();
  if (image != DefaultImage()) {
    return Status::NotFound(where + ": build or load it, or leave out --image to use " +
                            DefaultImage());
  }
  if (!commands_.profile().builds_image) {
    return Status::NotFound(where + ": build it with docker or podman (scripts/build-image.sh) "
                            "and copy it over, e.g. `docker save " + image + " | " + name() +
                            " load`");
  }
  std::string script = FindImageBuildScript(ctx_.env.self_exe);
  if (script.empty()) {
    // A wheel or .deb install carries no source tree (docs/INSTALL.md).
    return Status::NotFound(where +
                            ": this install has no source tree to build it from; build it in a "
                            "Flytebox checkout with `sudo scripts/build-image.sh --engine " +
                            name() +
                            "`, or run without a container: flytebox demo start --runtime native");
  }
  std::vector<std::string> build = {script, "--engine", name(), "--tag", image};
  if (geteuid() != 0) {
    return Status::FailedPrecondition(where + "; building it needs root: sudo " +
                                      ShellJoin(build));
  }
  progress->End(true);
  ctx_.err << "building " << image << " (first start only; minutes): " << ShellJoin(build)
           << "\n";
  ctx_.err.flush();
  auto built = runner_->Stream(build, [this](std::string_view text) {
    ctx_.err << text;
    ctx_.err.flush();
  });
  if (!built.ok()) return built.status();
  if (!built->success()) {
    return Status::Unavailable("building the image failed (" + built->ToString() +
                               "); its output is above");
  }
  progress->Begin("pre-flight");
  id = RunEngine(commands_.ImageId(image), 30s);
  if (id.ok() && id->status.success() && !strings::TrimSpace(id->out).empty()) {
    return std::string(strings::TrimSpace(id->out));
  }
  return Status::NotFound(where + " even after building it: " + Failure("image inspect", id));
}

Status ContainerRuntime::EnsureVolume(bool* created) {
  *created = false;
  auto seen = RunEngine(commands_.InspectVolume(settings_.name), 30s);
  if (seen.ok() && seen->status.success()) return Status::Ok();
  auto made = RunEngine(commands_.CreateVolume(settings_.name, {{kSandboxLabel, "1"}}), 30s);
  if (made.ok() && made->status.success()) {
    *created = true;
    return Status::Ok();
  }
  return Status::Unavailable(Failure("creating volume " + settings_.name, made));
}

Status ContainerRuntime::EnsureNetwork(const std::string& network, bool* created) {
  *created = false;
  auto seen = RunEngine(commands_.InspectNetwork(network), 30s);
  if (seen.ok() && seen->status.success()) return Status::Ok();
  auto made = RunEngine(commands_.CreateNetwork(network, {{kSandboxLabel, "1"}}), 30s);
  if (made.ok() && made->status.success()) {
    *created = true;
    return Status::Ok();
  }
  return Status::Unavailable(Failure("creating network " + network, made));
}

int ContainerRuntime::CreateOrResume(const StartOptions& o, const ContainerState& seen,
                                     const std::string& image_id, Progress* progress) {
  ContainerSpec spec = Spec(o, image_id);
  auto label = [&](const char* key) {
    auto it = seen.labels.find(key);
    return it == seen.labels.end() ? std::string() : it->second;
  };
  bool resume = seen.exists && label(kSpecLabel) == spec.labels[kSpecLabel] &&
                label(kImageIdLabel) == image_id;
  if (seen.exists && !resume) {
    progress->Note("the options or the image changed since container " + settings_.name +
                   " was created: recreating it (the data in volume " + spec.volume + " stays)");
    auto removed = RunEngine(commands_.Remove(settings_.name));
    if (!removed.ok() || !removed->status.success()) {
      progress->End(false);
      ctx_.err << "flytebox: " << Failure("removing the old container", removed) << "\n";
      return kExitFailure;
    }
  }
  bool new_volume = false;
  bool new_network = false;
  if (!resume) {
    Status volume = EnsureVolume(&new_volume);
    bool own_bridge = commands_.profile().private_network_mode.empty();
    Status network =
        volume.ok() && own_bridge ? EnsureNetwork(spec.network, &new_network) : volume;
    if (!network.ok()) {
      progress->End(false);
      ctx_.err << "flytebox: " << network.message() << "\n";
      if (new_volume) (void)RunEngine(commands_.RemoveVolume(settings_.name));
      return kExitFailure;
    }
  }
  progress->Begin(resume ? "container resumed" : "container created");
  auto result = RunEngine(resume ? commands_.Start(settings_.name) : commands_.Run(spec), 120s);
  if (result.ok() && result->status.success()) {
    progress->End(true);
    // From here on the other commands find this container without being told.
    Status recorded = WriteContainerRecord(ctx_.state_dir, {name(), settings_.name});
    if (!recorded.ok()) progress->Note("warning: " + recorded.message());
    return kExitOk;
  }
  progress->End(false);
  std::string said = result.ok() ? result->err + result->out : "";
  ctx_.err << "flytebox: " << Failure(name() + (resume ? " start" : " run"), result) << "\n";
  if (!resume) {  // leave nothing this start made: a created, unstarted container, a new volume
    (void)RunEngine(commands_.Remove(settings_.name));
    if (new_network) (void)RunEngine(commands_.RemoveNetwork(spec.network));
    if (new_volume) (void)RunEngine(commands_.RemoveVolume(settings_.name));
  }
  return PortConflict(said) ? kExitPortBusy : kExitFailure;
}

int ContainerRuntime::Start(const StartOptions& o) {
  if (!o.python.empty()) {
    ctx_.err << "flytebox: --python is for --runtime native; in a container, tasks run in "
                "the image's Python environment (/opt/flytebox/venv)\n";
    return kExitUsage;
  }
  if (o.dry_run) return PrintDryRun(o);
  Clock* clock = ctx_.env.clock;
  auto began = clock->Monotonic();
  Progress progress(ctx_.err, ctx_.env.stderr_tty, clock);
  progress.Begin("pre-flight");
  auto fail = [&](int code, const std::string& message) {
    progress.End(false);
    ctx_.err << "flytebox: " << message << "\n";
    return code;
  };
  auto seen = Inspect();
  if (!seen.ok()) return fail(kExitFailure, seen.status().message());
  if (seen->running()) {
    if (!o.force) {
      return fail(kExitRunning, "a sandbox is already running (" + name() + " container " +
                                    settings_.name + "): `flytebox demo status` shows it, " +
                                    "`flytebox demo stop` stops it, `demo start --force` " +
                                    "replaces it");
    }
    progress.Note("a sandbox is running in " + name() + " container " + settings_.name +
                  ": replacing it (--force; the data in volume " + settings_.name + " stays)");
    auto removed = RunEngine(commands_.Remove(settings_.name));
    if (!removed.ok() || !removed->status.success()) {
      return fail(kExitFailure, Failure("removing the running container", removed));
    }
    *seen = ContainerState{};
  }
  int code = kExitFailure;
  Status ports = CheckPorts(o, &code);
  if (!ports.ok()) return fail(code, ports.message());
  auto image_id = ImageIdOrBuild(&progress);
  if (!image_id.ok()) return fail(kExitFailure, image_id.status().message());
  progress.End(true);

  int rc = CreateOrResume(o, *seen, *image_id, &progress);
  if (rc != kExitOk) return rc;
  Credentials credentials;
  rc = WaitUntilReady(o, &progress, &credentials);
  if (rc != kExitOk) return rc;

  StartOptions with_s3 = o;
  with_s3.s3 = true;
  std::error_code ec;
  fs::create_directories(fs::path(ctx_.flyte_config).parent_path(), ec);
  if (o.auth && credentials.client_secret.empty()) {
    ctx_.err << "flytebox: the image made no client for --auth (an image older than this "
                "CLI?); rebuild it with scripts/build-image.sh\n";
    return kExitFailure;
  }
  Status wrote = WriteClientConfig(with_s3, credentials, ctx_.flyte_config);
  if (!wrote.ok()) ctx_.err << "flytebox: " << wrote.message() << "\n";
  if (o.kubernetes && wrote.ok()) {
    wrote = WriteKubeconfig(o);
    if (!wrote.ok()) ctx_.err << "flytebox: " << wrote.message() << "\n";
  }
  PrintSummary(o, credentials, std::chrono::duration<double>(clock->Monotonic() - began).count());
  return wrote.ok() ? kExitOk : kExitFailure;
}

bool ContainerRuntime::StoppedWhileStarting(Progress* progress) {
  auto seen = Inspect();
  if (!seen.ok() || seen->running()) return false;
  progress->End(false);
  ctx_.err << "flytebox: the container stopped while starting (" << seen->status << ", exit code "
           << seen->exit_code << "); the end of its log:\n"
           << LogTail(30);
  return true;
}

int ContainerRuntime::WaitForHealthz(const StartOptions& o, Clock::MonoTime deadline,
                                     Progress* progress) {
  Clock* clock = ctx_.env.clock;
  std::string url = Url(ProbeHost(o.bind), o.port) + "/healthz";
  progress->Begin("engine answers at " + url);
  for (int polls = 1;; ++polls) {
    // An answer counts only within the deadline: with podman's slirp4netns the port
    // forwarder holds the first connection until the engine listens, so one poll can
    // outlast a short --wait-timeout.
    if (deps_.healthz(ProbeHost(o.bind), o.port) && clock->Monotonic() < deadline) {
      progress->End(true);
      return kExitOk;
    }
    // a container that died will not answer: say so at once
    if (polls % 10 == 0 && StoppedWhileStarting(progress)) return kExitFailure;
    if (clock->Monotonic() >= deadline) {
      progress->End(false);
      return NotReady(o, "the engine does not answer at " + url);
    }
    SleepFor(clock, 50ms);
  }
}

int ContainerRuntime::WaitUntilReady(const StartOptions& o, Progress* progress,
                                     Credentials* credentials) {
  Clock* clock = ctx_.env.clock;
  auto deadline = clock->Monotonic() + std::chrono::duration_cast<Clock::MonoTime::duration>(
                                           std::chrono::duration<double>(o.wait_timeout_seconds));
  // With Kubernetes the engine answers before the node is Ready: wait for the components
  // first, showing each as it becomes ready.
  auto began = clock->Monotonic();
  std::set<std::string> shown;
  if (!o.kubernetes) {
    int rc = WaitForHealthz(o, deadline, progress);
    if (rc != kExitOk) return rc;
  }
  progress->Begin("every component ready");
  while (true) {
    auto status = QueryStatus(credentials);
    // a container that died will not answer: say so
    if (!status.ok() && o.kubernetes && StoppedWhileStarting(progress)) return kExitFailure;
    if (status.ok() && o.kubernetes) {
      for (const auto& c : status->components) {
        if (!c.ready || !shown.insert(c.name).second) continue;
        char at[32];
        std::snprintf(at, sizeof at, "%.1f s",
                      std::chrono::duration<double>(clock->Monotonic() - began).count());
        progress->Note("  " + c.name + " ready (" + at + ")");
      }
    }
    if (status.ok() && status->ready) {
      if (o.kubernetes) {
        progress->End(true);
        return WaitForHealthz(o, deadline, progress);
      }
      std::string names;
      for (const auto& c : status->components) names += (names.empty() ? "" : ", ") + c.name;
      progress->End(true, names);
      return kExitOk;
    }
    if (status.ok()) {
      for (const auto& c : status->components) {
        if (c.state != "failed" && c.state != "crash-looping") continue;
        progress->End(false);
        ctx_.err << "flytebox: " << c.name << " is " << c.state
                 << (c.last_exit.empty() ? "" : " (last exit: " + c.last_exit + ")")
                 << (c.detail.empty() ? "" : ": " + c.detail) << "; its log: flytebox demo logs "
                 << c.name << " --runtime " << name() << " --name " << settings_.name << "\n";
        return kExitFailure;
      }
    }
    if (clock->Monotonic() >= deadline) {
      progress->End(false);
      std::string waiting;
      if (status.ok()) {
        for (const auto& c : status->components) {
          if (c.ready) continue;
          waiting += "\n  " + c.name + ": " + c.state +
                     (c.detail.empty() ? "" : " (" + c.detail + ")");
        }
      }
      if (!waiting.empty()) return NotReady(o, "not ready:" + waiting);
      return NotReady(o, status.ok() ? "the supervisor does not report ready"
                                     : status.status().message());
    }
    SleepFor(clock, 100ms);
  }
}

int ContainerRuntime::NotReady(const StartOptions& o, const std::string& why) {
  ctx_.err << "flytebox: the sandbox was not ready within " << o.wait_timeout_seconds
           << " s (--wait-timeout); " << why << "\nthe end of the container's log:\n"
           << LogTail(20);
  auto stopped = RunEngine(commands_.Stop(settings_.name, 10));
  if (stopped.ok() && stopped->status.success()) {
    ctx_.err << "stopped container " << settings_.name << " (`flytebox demo logs` shows its "
             << "logs; `flytebox demo start` tries again)\n";
  }
  return kExitTimeout;
}

void ContainerRuntime::PrintSummary(const StartOptions& o, const Credentials& credentials,
                                    double seconds) {
  std::string host = ClientHost(o.bind);
  char took[32];
  std::snprintf(took, sizeof took, "%.2f", seconds);
  auto& out = ctx_.out;
  out << "Flytebox sandbox ready in " << took << " s (" << name() << " container "
      << settings_.name << ", state in volume " << settings_.name << ")\n"
      << "  Flyte API (gRPC, REST): " << host << ":" << o.port << "\n"
      << "  Object store (S3):      " << Url(host, o.s3_port) << "  bucket my-s3-bucket\n";
  if (o.auth) {
    out << "  Auth: OAuth2 client credentials, client " << credentials.client_id << " (secret in "
        << ClientSecretPath(ctx_.flyte_config) << "); console sign-in at " << Url(host, o.port)
        << "/login\n";
  }
  if (o.db == "postgres") {
    out << "  Postgres:               " << host << ":" << o.db_port << "  user " << kEngineDbRole
        << " (db_password: flytebox demo exec -- cat " << kImageStateDir << "/credentials.json)\n";
  }
  if (o.kubernetes) {
    out << "  Kubernetes API:         https://" << host << ":" << o.k8s_port
        << "  (node flytebox; tasks run as pods)\n"
        << "  Image registry:         " << host << ":" << o.registry_port
        << "  (push localhost:" << o.registry_port << "/NAME:TAG; pods pull it as is)\n";
  }
  out << "Run a workflow: pyflyte run --remote examples/hello_world.py hello_wf\n"
      << "export FLYTECTL_CONFIG=" << ctx_.flyte_config << "\n";
  if (o.kubernetes) out << "export KUBECONFIG=" << KubeconfigPath() << "\n";
  out.flush();
}

std::string ContainerRuntime::KubeconfigPath() const {
  return (fs::path(ctx_.flyte_config).parent_path() / "sandbox" / "kubeconfig").string();
}

// The cluster admin's kubeconfig, made in the container at its start, with the server
// address the host reaches (the published --k8s-port).
Status ContainerRuntime::WriteKubeconfig(const StartOptions& o) {
  auto read =
      RunEngine(commands_.Exec(settings_.name, {},
                               {"cat", std::string(kImageStateDir) + "/k8s/host.kubeconfig"}),
                30s);
  if (!read.ok() || !read->status.success()) {
    return Status::Unavailable(Failure("reading the cluster's kubeconfig", read));
  }
  std::string text = read->out;
  const std::string inside = "server: https://127.0.0.1:" + std::to_string(kImageK8sPort);
  auto at = text.find(inside);
  if (at == std::string::npos) {
    return Status::Unavailable("the container's kubeconfig names no server " + inside);
  }
  std::string host = ClientHost(o.bind);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  text.replace(at, inside.size(), "server: https://" + host + ":" + std::to_string(o.k8s_port));
  std::string path = KubeconfigPath();
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Status::Unavailable("cannot create " + fs::path(path).parent_path().string());
  return WriteFileAtomic(path, text, 0600);
}

void ContainerRuntime::RemoveKubeconfig() {
  std::error_code ec;
  fs::path path = KubeconfigPath();
  if (!fs::remove(path, ec)) return;
  fs::remove(path.parent_path(), ec);                // only when empty
  fs::remove(path.parent_path().parent_path(), ec);  // ~/.flyte, only when empty
  ctx_.out << "removed " << path.string() << "\n";
}

}  // namespace flytebox::cli
