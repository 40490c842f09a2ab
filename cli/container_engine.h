#pragma once

#include <map>
#include <string>
#include <vector>

namespace flytebox::cli {

// How one OCI runtime's command line differs from the others'. The container adapter runs
// nothing but the argv built by EngineCommands from one of these, so docker, podman and
// nerdctl are told apart by data, and each is tested by the shape of its arguments.
struct EngineProfile {
  std::string name;  // docker, podman, nerdctl; also the program run
  // A command that succeeds and prints a version only when the engine (daemon, service,
  // containerd) answers.
  std::vector<std::string> probe;
  // podman hands the container its configured default ulimits, which can exceed the
  // caller's hard limits (runc then refuses to start it): they are given explicitly.
  bool explicit_ulimits = false;
  // `exec -e NAME` takes the value from the client's environment, so secrets stay off the
  // command line. Where that is not known to work, `-e NAME=VALUE` is used.
  bool env_by_name = false;
  // scripts/build-image.sh can import the image into this engine.
  bool builds_image = false;
  // Where other containers cannot reach the sandbox. Empty: a bridge network of its own,
  // made by the CLI (docker isolates user-defined bridges from each other). Otherwise a
  // network mode with no address on any bridge: podman's CNI backend routes between its
  // bridges (its `isolate` option is for netavark only), so podman runs the sandbox on
  // slirp4netns, whose published ports still arrive.
  std::string private_network_mode;
};

// The profile of `name`, or null for anything but docker, podman and nerdctl.
const EngineProfile* FindEngineProfile(const std::string& name);

// The limits a container is given where the engine needs them explicitly: the caller's
// hard limits, capped as podman's own defaults are (nofile 1048576), and nproc no higher
// than the kernel's pid_max.
struct HostLimits {
  long nofile = 1024;
  long nproc = 4096;
  static HostLimits Read();
};

// Everything `run` creates the sandbox container with. Ports inside the image are fixed
// (30080 engine, 30002 S3, 30001 Postgres); these are the host's.
struct ContainerSpec {
  std::string name;
  std::string image;
  std::string volume;
  std::string bind = "127.0.0.1";
  int port = 30080;
  int s3_port = 30002;
  int db_port = 30001;
  bool postgres = false;
  // A single-node Kubernetes in the container: the capabilities it needs (never
  // --privileged) and its API server published on k8s_port.
  bool kubernetes = false;
  int k8s_port = 6443;
  int registry_port = 30000;  // the image registry pods pull from, with kubernetes
  // The sandbox's own user-defined network (created and removed by the CLI); empty: the
  // engine's default network.
  std::string network;
  std::vector<std::string> env;              // K=V, passed in this order
  std::map<std::string, std::string> labels;
};

// What `exec` runs with.
struct ExecOptions {
  bool interactive = false;  // -i
  bool tty = false;          // -t
  std::string user;          // -u, empty: the image's
  std::string workdir;       // -w, empty: the image's
  // Variables for the command; with env_by_name only their names are on the command line
  // and the caller must put the values in the engine client's environment.
  std::map<std::string, std::string> env;
};

// The argv of each engine operation.
class EngineCommands {
 public:
  explicit EngineCommands(const EngineProfile& profile, HostLimits limits = {})
      : profile_(profile), limits_(limits) {}

  const EngineProfile& profile() const { return profile_; }

  std::vector<std::string> InspectContainer(const std::string& name) const;
  // Prints the image's ID alone.
  std::vector<std::string> ImageId(const std::string& image) const;
  // Loads the image archive `file` (docker-archive or OCI, as `save` writes it).
  std::vector<std::string> LoadImage(const std::string& file) const;
  // Writes `image` as an archive (docker-archive) to stdout.
  std::vector<std::string> SaveImage(const std::string& image) const;
  std::vector<std::string> InspectVolume(const std::string& volume) const;
  std::vector<std::string> CreateVolume(const std::string& volume,
                                        const std::map<std::string, std::string>& labels) const;
  // Detached, never pulls, no --privileged.
  std::vector<std::string> Run(const ContainerSpec& spec) const;
  std::vector<std::string> InspectNetwork(const std::string& network) const;
  // A bridge network of its own, isolated from the others where the engine needs telling.
  std::vector<std::string> CreateNetwork(const std::string& network,
                                         const std::map<std::string, std::string>& labels) const;
  std::vector<std::string> RemoveNetwork(const std::string& network) const;
  // A throwaway container of the sandbox's image and volume running `argv` (e.g. reading a
  // log while the sandbox is stopped); no network, the volume read-only.
  std::vector<std::string> RunOnVolume(const std::string& image, const std::string& volume,
                                       const std::vector<std::string>& argv) const;
  std::vector<std::string> Start(const std::string& name) const;
  std::vector<std::string> Stop(const std::string& name, int timeout_seconds) const;
  // Also removes the container's anonymous volumes; never the named one.
  std::vector<std::string> Remove(const std::string& name) const;
  std::vector<std::string> RemoveVolume(const std::string& volume) const;
  std::vector<std::string> Exec(const std::string& name, const ExecOptions& options,
                                const std::vector<std::string>& argv) const;
  // tail_lines < 0: everything.
  std::vector<std::string> Logs(const std::string& name, bool follow, int tail_lines) const;
  std::vector<std::string> Signal(const std::string& name, const std::string& signal) const;

 private:
  std::vector<std::string> Ulimits() const;
  std::vector<std::string> KubernetesFlags() const;

  EngineProfile profile_;
  HostLimits limits_;
};

// The ports inside the image.
inline constexpr int kImageEnginePort = 30080;
inline constexpr int kImageS3Port = 30002;
inline constexpr int kImageDbPort = 30001;
inline constexpr int kImageK8sPort = 6443;
inline constexpr int kImageRegistryPort = 30000;
// Where the image keeps its state (the named volume is mounted there).
inline constexpr const char* kImageStateDir = "/var/lib/flytebox";

// `argv` as one line a POSIX shell would split back into the same words.
std::string ShellJoin(const std::vector<std::string>& argv);

}  // namespace flytebox::cli
