#include "cli/container_engine.h"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace flytebox::cli {
namespace {

constexpr long kUlimitCap = 1048576;  // podman's own default for nofile and nproc

const EngineProfile kProfiles[] = {
    {.name = "docker",
     .probe = {"docker", "version", "--format", "{{.Server.Version}}"},
     .explicit_ulimits = false,
     .env_by_name = true,
     .builds_image = true,
     .private_network_mode = ""},
    {.name = "podman",
     .probe = {"podman", "info", "--format", "{{.Version.Version}}"},
     .explicit_ulimits = true,
     .env_by_name = true,
     .builds_image = true,
     .private_network_mode = "slirp4netns"},
    // nerdctl's `version` has no server version field; `info` asks containerd.
    {.name = "nerdctl",
     .probe = {"nerdctl", "info", "--format", "{{.ServerVersion}}"},
     .explicit_ulimits = false,
     .env_by_name = false,
     .builds_image = false,
     .private_network_mode = ""},
};

long HardLimit(int resource) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0 || limit.rlim_max == RLIM_INFINITY) return kUlimitCap;
  return static_cast<long>(std::min<rlim_t>(limit.rlim_max, kUlimitCap));
}

std::string Publish(const std::string& bind, int host_port, int container_port) {
  std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
  return host + ":" + std::to_string(host_port) + ":" + std::to_string(container_port);
}

bool ShellSafe(const std::string& word) {
  if (word.empty()) return false;
  for (char c : word) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string("@%_+=:,./-").find(c) !=
                                                             std::string::npos)) {
      return false;
    }
  }
  return true;
}

}  // namespace

const EngineProfile* FindEngineProfile(const std::string& name) {
  for (const auto& p : kProfiles) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

HostLimits HostLimits::Read() {
  HostLimits limits;
  limits.nofile = HardLimit(RLIMIT_NOFILE);
  limits.nproc = HardLimit(RLIMIT_NPROC);
  // podman lowers its own RLIMIT_NPROC to pid_max, and a container cannot go above it.
  std::ifstream in("/proc/sys/kernel/pid_max");
  long pid_max = 0;
  if (in >> pid_max && pid_max > 0) limits.nproc = std::min(limits.nproc, pid_max);
  return limits;
}

std::vector<std::string> EngineCommands::InspectContainer(const std::string& name) const {
  return {profile_.name, "container", "inspect", name};
}

std::vector<std::string> EngineCommands::ImageId(const std::string& image) const {
  return {profile_.name, "image", "inspect", "--format", "{{.Id}}", image};
}

std::vector<std::string> EngineCommands::LoadImage(const std::string& file) const {
  return {profile_.name, "load", "-i", file};
}

std::vector<std::string> EngineCommands::SaveImage(const std::string& image) const {
  return {profile_.name, "save", image};
}

std::vector<std::string> EngineCommands::InspectVolume(const std::string& volume) const {
  return {profile_.name, "volume", "inspect", volume};
}

std::vector<std::string> EngineCommands::CreateVolume(
    const std::string& volume, const std::map<std::string, std::string>& labels) const {
  std::vector<std::string> argv = {profile_.name, "volume", "create"};
  for (const auto& [k, v] : labels) argv.insert(argv.end(), {"--label", k + "=" + v});
  argv.push_back(volume);
  return argv;
}

std::vector<std::string> EngineCommands::Ulimits() const {
  if (!profile_.explicit_ulimits) return {};
  std::string nofile = std::to_string(limits_.nofile);
  std::string nproc = std::to_string(limits_.nproc);
  return {"--ulimit", "nofile=" + nofile + ":" + nofile, "--ulimit",
          "nproc=" + nproc + ":" + nproc};
}

// What a kubelet and containerd need inside a container, found on hosts where --privileged
// itself fails (no CAP_SYS_RESOURCE in the bounding set): every capability but that one, no
// seccomp or AppArmor filter, the host's cgroup tree (cgroupfs driver) and devices, the
// kernel log (the kubelet's OOM watcher) and a tmpfs /run for the runtime's state.
// podman's default OCI runtime (crun) fails on hybrid cgroup hosts: runc.
std::vector<std::string> EngineCommands::KubernetesFlags() const {
  std::vector<std::string> flags = {"--cap-add",
                                    "ALL",
                                    "--cap-drop",
                                    "SYS_RESOURCE",
                                    "--security-opt",
                                    "seccomp=unconfined",
                                    "--security-opt",
                                    "apparmor=unconfined",
                                    "--cgroupns",
                                    "host",
                                    "-v",
                                    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
                                    "--device-cgroup-rule",
                                    "a *:* rwm",
                                    "--device",
                                    "/dev/kmsg",
                                    "--tmpfs",
                                    "/run"};
  if (profile_.name == "podman") flags.insert(flags.end(), {"--runtime", "runc"});
  return flags;
}

std::vector<std::string> EngineCommands::Run(const ContainerSpec& spec) const {
  std::vector<std::string> argv = {profile_.name, "run", "-d", "--name", spec.name,
                                   "--pull", "never"};
  for (const auto& [k, v] : spec.labels) argv.insert(argv.end(), {"--label", k + "=" + v});
  argv.insert(argv.end(), {"-v", spec.volume + ":" + kImageStateDir});
  if (!spec.network.empty()) argv.insert(argv.end(), {"--network", spec.network});
  argv.insert(argv.end(), {"-p", Publish(spec.bind, spec.port, kImageEnginePort)});
  argv.insert(argv.end(), {"-p", Publish(spec.bind, spec.s3_port, kImageS3Port)});
  if (spec.postgres) {
    argv.insert(argv.end(), {"-p", Publish(spec.bind, spec.db_port, kImageDbPort)});
  }
  if (spec.kubernetes) {
    argv.insert(argv.end(), {"-p", Publish(spec.bind, spec.k8s_port, kImageK8sPort)});
    argv.insert(argv.end(), {"-p", Publish(spec.bind, spec.registry_port, kImageRegistryPort)});
    auto k8s = KubernetesFlags();
    argv.insert(argv.end(), k8s.begin(), k8s.end());
  }
  for (const auto& kv : spec.env) argv.insert(argv.end(), {"-e", kv});
  auto ulimits = Ulimits();
  argv.insert(argv.end(), ulimits.begin(), ulimits.end());
  argv.push_back(spec.image);
  return argv;
}

std::vector<std::string> EngineCommands::InspectNetwork(const std::string& network) const {
  return {profile_.name, "network", "inspect", network};
}

std::vector<std::string> EngineCommands::CreateNetwork(
    const std::string& network, const std::map<std::string, std::string>& labels) const {
  std::vector<std::string> argv = {profile_.name, "network", "create", "--driver", "bridge"};
  for (const auto& [k, v] : labels) argv.insert(argv.end(), {"--label", k + "=" + v});
  argv.push_back(network);
  return argv;
}

std::vector<std::string> EngineCommands::RemoveNetwork(const std::string& network) const {
  return {profile_.name, "network", "rm", network};
}

std::vector<std::string> EngineCommands::RunOnVolume(const std::string& image,
                                                     const std::string& volume,
                                                     const std::vector<std::string>& argv) const {
  std::vector<std::string> out = {profile_.name, "run", "--rm", "--pull", "never",
                                  "--network", "none",
                                  "-v", volume + ":" + kImageStateDir + ":ro"};
  auto ulimits = Ulimits();
  out.insert(out.end(), ulimits.begin(), ulimits.end());
  out.push_back(image);
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> EngineCommands::Start(const std::string& name) const {
  return {profile_.name, "start", name};
}

std::vector<std::string> EngineCommands::Stop(const std::string& name, int timeout_seconds) const {
  return {profile_.name, "stop", "-t", std::to_string(timeout_seconds), name};
}

std::vector<std::string> EngineCommands::Remove(const std::string& name) const {
  return {profile_.name, "rm", "-f", "-v", name};
}

std::vector<std::string> EngineCommands::RemoveVolume(const std::string& volume) const {
  return {profile_.name, "volume", "rm", volume};
}

std::vector<std::string> EngineCommands::Exec(const std::string& name, const ExecOptions& o,
                                              const std::vector<std::string>& argv) const {
  std::vector<std::string> out = {profile_.name, "exec"};
  if (o.interactive) out.push_back("-i");
  if (o.tty) out.push_back("-t");
  if (!o.user.empty()) out.insert(out.end(), {"-u", o.user});
  if (!o.workdir.empty()) out.insert(out.end(), {"-w", o.workdir});
  for (const auto& [k, v] : o.env) {
    out.insert(out.end(), {"-e", profile_.env_by_name ? k : k + "=" + v});
  }
  out.push_back(name);
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> EngineCommands::Logs(const std::string& name, bool follow,
                                              int tail_lines) const {
  std::vector<std::string> argv = {profile_.name, "logs"};
  if (follow) argv.push_back("-f");
  if (tail_lines >= 0) argv.insert(argv.end(), {"--tail", std::to_string(tail_lines)});
  argv.push_back(name);
  return argv;
}

std::vector<std::string> EngineCommands::Signal(const std::string& name,
                                                const std::string& signal) const {
  return {profile_.name, "kill", "-s", signal, name};
}

std::string ShellJoin(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& word : argv) {
    if (!line.empty()) line += ' ';
    if (ShellSafe(word)) {
      line += word;
      continue;
    }
    line += '\'';
    for (char c : word) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace flytebox::cli
