#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/container_engine.h"
#include "cli/container_runner.h"
#include "cli/progress.h"
#include "cli/runtime.h"
#include "sandbox/status.h"

namespace flytebox::cli {

// The seams of the container adapter; each left empty means the real thing.
struct ContainerDeps {
  CommandRunner* runner = nullptr;  // null: CommandRunner::Real(env.launcher)
  // True when GET /healthz on host:port answers 200 (the engine over the published port).
  std::function<bool(const std::string& host, int port)> healthz;
  std::optional<HostLimits> limits;  // unset: HostLimits::Read()
  std::optional<bool> stdin_tty;     // unset: isatty(0)
};

// What a container of this sandbox looks like to the engine (`container inspect`).
struct ContainerState {
  bool exists = false;
  std::string id;
  std::string status;  // created, running, exited, ... (the engine's word)
  int exit_code = 0;
  std::map<std::string, std::string> labels;
  bool running() const { return status == "running"; }
};

// The sandbox as one container of the local image, driven through docker's, podman's or
// nerdctl's command line: container `name` with the named volume `name` (all state, mounted
// at /var/lib/flytebox), ports published on --bind. Readiness is the engine's /healthz over
// the published port and the supervisor's own status, read inside the container.
class ContainerRuntime : public Runtime {
 public:
  ContainerRuntime(const DemoContext& context, const EngineProfile& profile,
                   ContainerSettings settings, ContainerDeps deps = {});

  std::string name() const override { return commands_.profile().name; }
  int Start(const StartOptions& options) override;
  int Stop() override;
  int ShowStatus(bool json) override;
  int Teardown(bool volume) override;
  int Logs(const std::string& component, bool follow) override;
  int Exec(const std::vector<std::string>& command) override;
  int Reload() override;
  int ImportImage(const std::string& file) override;
  int LoadImage(const std::string& image) override;

 private:
  // Steps of Start (container_start.cc).
  int PrintDryRun(const StartOptions& options);
  ContainerSpec Spec(const StartOptions& options, const std::string& image_id) const;
  Status CheckPorts(const StartOptions& options, int* code) const;
  Result<std::string> ImageIdOrBuild(Progress* progress);
  // Creates the volume unless it exists; `*created` tells which.
  Status EnsureVolume(bool* created);
  // The sandbox's own network, `<name>-net`: other containers are on other networks and
  // cannot reach its address.
  Status EnsureNetwork(const std::string& network, bool* created);
  std::string NetworkName() const { return settings_.name + "-net"; }
  int CreateOrResume(const StartOptions& options, const ContainerState& seen,
                     const std::string& image_id, Progress* progress);
  int WaitUntilReady(const StartOptions& options, Progress* progress, Credentials* credentials);
  int WaitForHealthz(const StartOptions& options, Clock::MonoTime deadline, Progress* progress);
  int NotReady(const StartOptions& options, const std::string& why);
  // Whether the container has exited while start waits for it; if so, says so with its log.
  bool StoppedWhileStarting(Progress* progress);
  void PrintSummary(const StartOptions& options, const Credentials& credentials, double seconds);
  // ~/.flyte/sandbox/kubeconfig (0600, context flytebox), with --kubernetes.
  std::string KubeconfigPath() const;
  Status WriteKubeconfig(const StartOptions& options);
  void RemoveKubeconfig();
  std::string KubernetesSummary(const StartOptions& options);

  // Shared by the commands (container_ops.cc).
  Result<ContainerState> Inspect();
  // The supervisor's status, asked inside the container; with `credentials`, the sandbox's
  // generated credentials too (one exec).
  Result<sandbox::SupervisorStatus> QueryStatus(Credentials* credentials);
  Result<Captured> RunEngine(const std::vector<std::string>& argv,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // The engine's own message of a failed command, for the user.
  std::string Failure(const std::string& what, const Result<Captured>& result) const;
  std::string LogTail(int lines);
  int NoSandbox(const ContainerState& seen);
  StartOptions OptionsFromLabels(const ContainerState& seen) const;

  const DemoContext& ctx_;
  EngineCommands commands_;
  ContainerSettings settings_;
  ContainerDeps deps_;
  std::unique_ptr<CommandRunner> owned_runner_;
  CommandRunner* runner_;
};

// Labels every sandbox container and volume carries.
inline constexpr const char* kSandboxLabel = "org.flytebox.sandbox";

// `flytebox:<version>`, the image scripts/build-image.sh makes.
std::string DefaultImage();

// The last container start in a state folder (`<state>/container.json`), so that the other
// commands find the runtime and the container name without being told.
struct ContainerRecord {
  std::string runtime;
  std::string name;
};
std::optional<ContainerRecord> ReadContainerRecord(const std::string& state_dir);
Status WriteContainerRecord(const std::string& state_dir, const ContainerRecord& record);
// Removes the record, and the state folder when nothing else is left in it.
void RemoveContainerRecord(const std::string& state_dir);

// scripts/build-image.sh of the source tree `self_exe` was built in, or empty.
std::string FindImageBuildScript(const std::string& self_exe);

}  // namespace flytebox::cli
