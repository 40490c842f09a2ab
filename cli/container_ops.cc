// `flytebox demo stop|status|teardown|logs|exec|reload|image import` over a container engine.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include <unistd.h>

#include "cli/container_runtime.h"
#include "cli/native_runtime.h"
#include "common/strings.h"
#include "sandbox/config.h"

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kFlyteConfigMarker = "# Written by `flytebox demo start`";

std::string LogPath(const std::string& component) {
  return std::string(kImageStateDir) + "/logs/" + component + ".log";
}

}  // namespace

int ContainerRuntime::NoSandbox(const ContainerState& seen) {
  ctx_.err << "flytebox: no sandbox is running (" << name() << " container " << settings_.name
           << ": " << (seen.exists ? seen.status : "not found")
           << "); start one with `flytebox demo start`\n";
  return kExitFailure;
}

int ContainerRuntime::Stop() {
  Clock* clock = ctx_.env.clock;
  auto began = clock->Monotonic();
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (!seen->running()) {
    ctx_.out << "no sandbox is running (" << name() << " container " << settings_.name << ": "
             << (seen->exists ? seen->status : "not found") << ")\n";
    return kExitOk;
  }
  // The supervisor stops its components within their grace periods (10 s at most).
  auto stopped = RunEngine(commands_.Stop(settings_.name, 30), 90s);
  if (!stopped.ok() || !stopped->status.success()) {
    ctx_.err << "flytebox: " << Failure(name() + " stop " + settings_.name, stopped) << "\n";
    return kExitFailure;
  }
  char took[32];
  std::snprintf(took, sizeof took, "%.2f",
                std::chrono::duration<double>(clock->Monotonic() - began).count());
  ctx_.out << "stopped in " << took << " s; state kept in volume " << settings_.name
           << " (`flytebox demo start` resumes it)\n";
  return kExitOk;
}

// With --kubernetes: the node's readiness and the pods per namespace, asked inside the
// container (flytebox-k8s summary).
std::string ContainerRuntime::KubernetesSummary(const StartOptions& o) {
  using json = nlohmann::json;
  std::string head = "\nKubernetes: https://" + ClientHost(o.bind) + ":" +
                     std::to_string(o.k8s_port) + " (KUBECONFIG=" + KubeconfigPath() + ")\n";
  auto result = RunEngine(
      commands_.Exec(settings_.name, {}, {"/opt/flytebox/bin/flytebox-k8s", "summary"}), 30s);
  json doc =
      result.ok() && result->status.success() ? json::parse(result->out, nullptr, false) : json();
  if (!doc.is_object() || doc.contains("error")) {
    return head + "  the API server does not answer" +
           (doc.is_object() ? ": " + doc.value("error", std::string()) : std::string()) + "\n";
  }
  std::string text =
      head + "  node flytebox: " + (doc.value("node_ready", false) ? "Ready" : "NOT READY") + "\n" +
      "  image registry: " + ClientHost(o.bind) + ":" + std::to_string(o.registry_port) +
      " (pods pull localhost:" + std::to_string(o.registry_port) + "/NAME:TAG from it)\n";
  const json& pods = doc.contains("pods") && doc["pods"].is_object() ? doc["pods"] : json::object();
  if (pods.empty()) return text + "  pods: none\n";
  for (const auto& [ns, phases] : pods.items()) {
    std::string counts;
    for (const auto& [phase, n] : phases.items()) {
      counts += (counts.empty() ? "" : ", ") + std::to_string(n.get<int>()) + " " + phase;
    }
    text += "  pods in ";
    text += ns;
    text += ": " + counts + "\n";
  }
  return text;
}

int ContainerRuntime::ShowStatus(bool as_json) {
  using json = nlohmann::json;
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  json container = {{"name", settings_.name},
                    {"state", seen->exists ? seen->status : "not found"},
                    {"id", seen->id}};
  if (!seen->running()) {
    if (as_json) {
      ctx_.out << json({{"running", false}, {"runtime", name()}, {"container", container},
                        {"volume", settings_.name}}).dump(2)
               << "\n";
    } else {
      ctx_.out << "no sandbox is running (" << name() << " container " << settings_.name << ": "
               << (seen->exists ? seen->status : "not found") << ")\n";
    }
    return kExitFailure;
  }
  auto status = QueryStatus(nullptr);
  if (!status.ok()) {
    ctx_.err << "flytebox: " << name() << " container " << settings_.name
             << " runs but its supervisor does not answer: " << status.status().message() << "\n";
    return kExitFailure;
  }
  StartOptions o = OptionsFromLabels(*seen);
  std::string host = ClientHost(o.bind);
  std::string endpoint = host + ":" + std::to_string(o.port);
  if (as_json) {
    auto doc = json::parse(sandbox::StatusToJson(*status));
    auto image = seen->labels.find("org.flytebox.image");
    container["image"] = image == seen->labels.end() ? "" : image->second;
    doc["running"] = true;
    doc["runtime"] = name();
    doc["container"] = container;
    doc["volume"] = settings_.name;
    doc["endpoint"] = endpoint;
    doc["s3_endpoint"] = "http://" + host + ":" + std::to_string(o.s3_port);
    doc["flytectl_config"] = ctx_.flyte_config;
    ctx_.out << doc.dump(2) << "\n";
  } else {
    ctx_.out << StatusTable(*status, "volume " + settings_.name, endpoint,
                            name() + " container " + settings_.name);
    if (o.kubernetes) ctx_.out << KubernetesSummary(o);
  }
  return status->ready ? kExitOk : kExitFailure;
}

int ContainerRuntime::Teardown(bool volume) {
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (seen->exists) {
    auto removed = RunEngine(commands_.Remove(settings_.name), 90s);
    if (!removed.ok() || !removed->status.success()) {
      ctx_.err << "flytebox: " << Failure("removing container " + settings_.name, removed) << "\n";
      return kExitFailure;
    }
    ctx_.out << "removed " << name() << " container " << settings_.name << "\n";
  }
  if (auto net = RunEngine(commands_.InspectNetwork(NetworkName()), 30s);
      net.ok() && net->status.success()) {
    auto removed = RunEngine(commands_.RemoveNetwork(NetworkName()), 30s);
    if (removed.ok() && removed->status.success()) {
      ctx_.out << "removed network " << NetworkName() << "\n";
    } else {
      ctx_.err << "flytebox: " << Failure("removing network " + NetworkName(), removed) << "\n";
    }
  }
  std::error_code ec;
  auto config = ReadFile(ctx_.flyte_config);
  if (config.ok() && config->rfind(kFlyteConfigMarker, 0) == 0) {
    fs::remove(ctx_.flyte_config, ec);
    fs::remove(ClientSecretPath(ctx_.flyte_config), ec);
    fs::remove(fs::path(ctx_.flyte_config).parent_path(), ec);  // only when empty
    ctx_.out << "removed " << ctx_.flyte_config << "\n";
  }
  RemoveKubeconfig();
  auto inspected = RunEngine(commands_.InspectVolume(settings_.name), 30s);
  bool exists = inspected.ok() && inspected->status.success();
  if (!exists) RemoveContainerRecord(ctx_.state_dir);
  if (!volume) {
    // The record stays with the data, so that `demo start` and `teardown --volume` find them.
    if (exists) {
      ctx_.out << "kept the data in volume " << settings_.name << " (--volume removes it)\n";
    }
    return kExitOk;
  }
  if (!exists) return kExitOk;
  auto doc = nlohmann::json::parse(inspected->out, nullptr, false);
  if (doc.is_array() && !doc.empty()) doc = doc[0];
  bool ours = doc.is_object() && doc.contains("Labels") && doc["Labels"].is_object() &&
              doc["Labels"].contains(kSandboxLabel);
  if (!ours) {
    ctx_.err << "flytebox: not removing volume " << settings_.name << ": flytebox did not make it "
             << "(it has no " << kSandboxLabel << " label)\n";
    return kExitFailure;
  }
  auto removed = RunEngine(commands_.RemoveVolume(settings_.name), 90s);
  if (!removed.ok() || !removed->status.success()) {
    ctx_.err << "flytebox: " << Failure("removing volume " + settings_.name, removed) << "\n";
    return kExitFailure;
  }
  RemoveContainerRecord(ctx_.state_dir);
  ctx_.out << "removed volume " << settings_.name << "\n";
  return kExitOk;
}

int ContainerRuntime::Logs(const std::string& component, bool follow) {
  std::string which = component.empty() ? "engine" : component;
  if (!sandbox::ValidComponentName(which)) {
    ctx_.err << "flytebox: '" << which << "' is not a component name\n";
    return kExitUsage;
  }
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (!seen->exists) return NoSandbox(*seen);
  auto sink = [this](std::string_view text) {
    ctx_.out << text;
    ctx_.out.flush();
  };
  std::vector<std::string> argv;
  if (which == "supervisor") {  // PID 1's output is the container's log
    argv = commands_.Logs(settings_.name, follow && seen->running(), -1);
  } else if (seen->running()) {
    auto found = RunEngine(commands_.Exec(settings_.name, {}, {"test", "-f", LogPath(which)}), 30s);
    if (!found.ok() || !found->status.success()) {
      auto listed = RunEngine(
          commands_.Exec(settings_.name, {}, {"ls", std::string(kImageStateDir) + "/logs"}), 30s);
      std::string known = "supervisor";
      std::istringstream names(listed.ok() ? listed->out : "");
      for (std::string f; std::getline(names, f);) {
        if (f.size() > 4 && f.compare(f.size() - 4, 4, ".log") == 0) {
          known += ", " + f.substr(0, f.size() - 4);
        }
      }
      ctx_.err << "flytebox: no log for '" << which << "' in container " << settings_.name
               << " (logs: " << known << ")\n";
      return kExitFailure;
    }
    std::vector<std::string> tail = {"tail", "-n", "+1"};
    if (follow) tail.push_back("-F");
    tail.push_back(LogPath(which));
    argv = commands_.Exec(settings_.name, {}, tail);
  } else {
    // Stopped: read the log from the volume with a throwaway container of the same image.
    auto image = seen->labels.find("org.flytebox.image");
    argv = commands_.RunOnVolume(image == seen->labels.end() ? settings_.image : image->second,
                                 settings_.name, {"cat", LogPath(which)});
  }
  auto result = runner_->Stream(argv, sink);
  if (!result.ok()) {
    ctx_.err << "flytebox: " << result.status().message() << "\n";
    return kExitFailure;
  }
  // Following ends when the sandbox stops, however the engine's command then exits.
  return result->success() || follow ? kExitOk : kExitFailure;
}

int ContainerRuntime::Exec(const std::vector<std::string>& command) {
  if (command.empty()) {
    ctx_.err << "flytebox: give the command after --, e.g. flytebox demo exec -- sh\n";
    return kExitUsage;
  }
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (!seen->running()) return NoSandbox(*seen);
  Credentials credentials;
  auto status = QueryStatus(&credentials);
  if (!status.ok()) {
    ctx_.err << "flytebox: " << status.status().message() << "\n";
    return kExitFailure;
  }
  // Inside the container the sandbox answers on the image's own ports.
  ExecOptions options;
  options.interactive = true;
  options.tty = *deps_.stdin_tty && ctx_.env.stdout_tty;
  options.user = "flytebox";
  options.workdir = "/home/flytebox";
  options.env = {{"FLYTE_PLATFORM_URL", "localhost:" + std::to_string(kImageEnginePort)},
                 {"FLYTE_PLATFORM_INSECURE", "True"},
                 {"FLYTE_AWS_ENDPOINT", "http://localhost:" + std::to_string(kImageS3Port)},
                 {"FLYTE_AWS_ACCESS_KEY_ID", credentials.s3_access_key},
                 {"FLYTE_AWS_SECRET_ACCESS_KEY", credentials.s3_secret_key}};
  std::map<std::string, std::string> env = ctx_.env.vars;
  for (const auto& [k, v] : options.env) env[k] = v;  // read by `exec -e NAME`
  auto argv = commands_.Exec(settings_.name, options, command);
  ctx_.out.flush();
  ctx_.err.flush();
  ctx_.env.exec_replace(argv, env);
  int err = errno;
  ctx_.err << "flytebox: cannot run " << argv[0] << ": " << std::strerror(err) << "\n";
  return err == ENOENT ? 127 : 126;
}

int ContainerRuntime::Reload() {
  auto seen = Inspect();
  if (!seen.ok()) {
    ctx_.err << "flytebox: " << seen.status().message() << "\n";
    return kExitFailure;
  }
  if (!seen->running()) return NoSandbox(*seen);
  auto before = QueryStatus(nullptr);
  if (!before.ok()) {
    ctx_.err << "flytebox: the supervisor does not answer: " << before.status().message() << "\n";
    return kExitFailure;
  }
  auto sent = RunEngine(commands_.Signal(settings_.name, "HUP"), 30s);
  if (!sent.ok() || !sent->status.success()) {
    ctx_.err << "flytebox: " << Failure("signalling the supervisor", sent) << "\n";
    return kExitFailure;
  }
  Clock* clock = ctx_.env.clock;
  auto deadline = clock->Monotonic() + 10s;
  while (clock->Monotonic() < deadline) {
    auto now = QueryStatus(nullptr);
    if (now.ok() && now->reloads > before->reloads) {
      if (!now->reload_error.empty()) {
        ctx_.err << "flytebox: the supervisor kept its configuration: " << now->reload_error
                 << "\n";
        return kExitFailure;
      }
      ctx_.out << "re-read " << kImageStateDir << "/supervisor.json in container "
               << settings_.name << " (configuration " << now->config_generation << ")\n";
      return kExitOk;
    }
    clock->SleepUntil(clock->Monotonic() + 50ms);
  }
  ctx_.err << "flytebox: the supervisor did not confirm the reload within 10 s\n";
  return kExitFailure;
}

int ContainerRuntime::ImportImage(const std::string& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec) || access(file.c_str(), R_OK) != 0) {
    ctx_.err << "flytebox: " << file << " is not a readable file: give the image archive "
             << "(made by `scripts/build-image.sh --save FILE` or `docker save " << DefaultImage()
             << " -o FILE`)\n";
    return kExitUsage;
  }
  const std::string image = settings_.image.empty() ? DefaultImage() : settings_.image;
  Progress progress(ctx_.err, ctx_.env.stderr_tty, ctx_.env.clock);
  progress.Begin(name() + " load " + file);
  auto loaded = RunEngine(commands_.LoadImage(file), 10min);
  if (!loaded.ok() || !loaded->status.success()) {
    progress.End(false);
    ctx_.err << "flytebox: " << Failure(name() + " load", loaded) << "\n";
    return kExitFailure;
  }
  progress.End(true);
  auto id = RunEngine(commands_.ImageId(image), 30s);
  if (!id.ok() || !id->status.success() || strings::TrimSpace(id->out).empty()) {
    ctx_.err << "flytebox: " << name() << " loaded " << file << " but it holds no " << image
             << " (it held: " << strings::TrimSpace(loaded->out) << "); this CLI starts "
             << image << "\n";
    return kExitFailure;
  }
  ctx_.out << image << " is in " << name() << " (" << strings::TrimSpace(id->out).substr(0, 19)
           << "); `flytebox demo start --runtime " << name() << "` uses it\n";
  return kExitOk;
}

}  // namespace flytebox::cli
