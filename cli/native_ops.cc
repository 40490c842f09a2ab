// `flytebox demo stop|status|teardown|logs|exec|reload` in native mode.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/native_runtime.h"
#include "sandbox/config.h"
#include "sandbox/net.h"

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kFlyteConfigMarker = "# Written by `flytebox demo start`";

std::vector<std::string> Cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

void SleepFor(Clock* clock, std::chrono::milliseconds d) {
  clock->SleepUntil(clock->Monotonic() + d);
}

}  // namespace

std::unique_ptr<Runtime> MakeNativeRuntime(const DemoContext& context) {
  return std::make_unique<NativeRuntime>(context);
}

bool NativeRuntime::Running() const { return StateLock::IsHeld(paths_.Lock()); }

pid_t NativeRuntime::SupervisorPid() const {
  std::ifstream in(paths_.SupervisorPid());
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return 0;
  // Only a supervisor of this state folder: a stale file may name a reused pid.
  for (const auto& arg : Cmdline(static_cast<pid_t>(pid))) {
    if (arg == paths_.SupervisorConfig()) return static_cast<pid_t>(pid);
  }
  return 0;
}

Result<sandbox::SupervisorStatus> NativeRuntime::QueryStatus() const {
  FB_ASSIGN_OR_RETURN(auto reply, sandbox::HttpGet("unix:" + paths_.StatusSocket(), "/status", 5s));
  if (reply.status != 200) {
    return Status::Unavailable("the supervisor answered HTTP " + std::to_string(reply.status));
  }
  return sandbox::ParseStatusJson(reply.body);
}

Result<StartOptions> NativeRuntime::Recorded() const {
  auto text = ReadFile(paths_.Sandbox());
  if (!text.ok()) return Status::NotFound("no sandbox was started with state in " + paths_.root);
  std::string runtime;
  return ParseSandboxRecord(*text, &runtime);
}

std::string NativeRuntime::LogTail(const std::string& path, int lines) const {
  std::ifstream in(path);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail) out += "  | " + l + "\n";
  return out.empty() ? "  (empty)\n" : out;
}

bool NativeRuntime::StopSupervisor(double timeout_seconds) {
  Clock* clock = ctx_.env.clock;
  std::vector<pid_t> groups;
  if (auto status = QueryStatus(); status.ok()) {
    for (const auto& c : status->components) {
      if (c.pid > 0) groups.push_back(c.pid);
    }
  }
  pid_t pid = SupervisorPid();
  if (pid > 0) kill(pid, SIGTERM);
  auto deadline = clock->Monotonic() + std::chrono::duration_cast<Clock::MonoTime::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  while (Running() && clock->Monotonic() < deadline) SleepFor(clock, 5ms);
  if (!Running()) return true;
  if (pid > 0) kill(pid, SIGKILL);
  for (pid_t g : groups) kill(-g, SIGKILL);  // components lead their own process groups
  while (Running() && clock->Monotonic() < deadline + 5s) SleepFor(clock, 5ms);
  return false;
}

int NativeRuntime::KillStrays() {
  // With no supervisor holding the lock, a process given one of the state folder's
  // component folders (the engine's data, versitygw's objects, Postgres's cluster) or its
  // supervisor configuration is a leftover.
  std::set<std::string> folders = {paths_.EngineData(), paths_.ObjectStore(),
                                   paths_.PostgresDir() + "/data", paths_.SupervisorConfig()};
  int killed = 0;
  DIR* proc = opendir("/proc");
  if (!proc) return 0;
  while (dirent* e = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 1 || pid == getpid()) continue;
    for (const auto& arg : Cmdline(pid)) {
      if (folders.count(arg)) {
        kill(pid, SIGKILL);
        ++killed;
        break;
      }
    }
  }
  closedir(proc);
  return killed;
}

int NativeRuntime::Stop() {
  Clock* clock = ctx_.env.clock;
  auto began = clock->Monotonic();
  if (!Running()) {
    int strays = KillStrays();
    if (strays > 0) {
      ctx_.out << "no supervisor was running; killed " << strays
               << " leftover process(es) of the sandbox in " << paths_.root << "\n";
    } else {
      ctx_.out << "no sandbox is running (state in " << paths_.root << ")\n";
    }
    return kExitOk;
  }
  bool clean = StopSupervisor(30);
  double took = std::chrono::duration<double>(clock->Monotonic() - began).count();
  if (Running()) {
    ctx_.err << "flytebox: the sandbox in " << paths_.root << " did not stop; see "
             << paths_.SupervisorLog() << "\n";
    return kExitFailure;
  }
  KillStrays();
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", took);
  ctx_.out << "stopped in " << text << " s" << (clean ? "" : " (had to kill)")
           << "; state kept in " << paths_.root << " (`flytebox demo start` resumes it)\n";
  return kExitOk;
}

int NativeRuntime::ShowStatus(bool json) {
  if (!Running()) {
    if (json) {
      ctx_.out << nlohmann::json({{"running", false}, {"state_dir", paths_.root}}).dump(2) << "\n";
    } else {
      ctx_.out << "no sandbox is running (state in " << paths_.root << ")\n";
    }
    return kExitFailure;
  }
  auto status = QueryStatus();
  if (!status.ok()) {
    ctx_.err << "flytebox: a sandbox holds " << paths_.root << " but its status endpoint ("
             << paths_.StatusSocket() << ") does not answer: " << status.status().message()
             << "\n";
    return kExitFailure;
  }
  auto recorded = Recorded();
  std::string endpoint = recorded.ok() ? ClientHost(recorded->bind) + ":" +
                                             std::to_string(recorded->port)
                                       : "";
  if (json) {
    auto doc = nlohmann::json::parse(sandbox::StatusToJson(*status));
    doc["running"] = true;
    doc["runtime"] = "native";
    doc["state_dir"] = paths_.root;
    doc["endpoint"] = endpoint;
    doc["flytectl_config"] = ctx_.flyte_config;
    ctx_.out << doc.dump(2) << "\n";
  } else {
    ctx_.out << StatusTable(*status, paths_.root, endpoint);
  }
  return status->ready ? kExitOk : kExitFailure;
}

int NativeRuntime::Teardown(bool volume) {
  std::error_code ec;
  if (Running() && !StopSupervisor(30) && Running()) {
    ctx_.err << "flytebox: the sandbox in " << paths_.root << " did not stop\n";
    return kExitFailure;
  }
  int strays = KillStrays();
  if (strays > 0) ctx_.out << "killed " << strays << " leftover process(es)\n";
  auto config = ReadFile(ctx_.flyte_config);
  if (config.ok() && config->rfind(kFlyteConfigMarker, 0) == 0) {
    fs::remove(ctx_.flyte_config, ec);
    fs::remove(ClientSecretPath(ctx_.flyte_config), ec);
    ctx_.out << "removed " << ctx_.flyte_config << "\n";
  }
  for (const auto& f : {paths_.StatusSocket(), paths_.SupervisorPid()}) fs::remove(f, ec);
  if (!volume) {
    if (fs::exists(paths_.root, ec)) {
      ctx_.out << "kept the data in " << paths_.root << " (--volume removes it)\n";
    }
    return kExitOk;
  }
  if (!fs::exists(paths_.root, ec)) return kExitOk;
  if (!fs::exists(paths_.Marker(), ec)) {
    ctx_.err << "flytebox: not removing " << paths_.root
             << ": it is not a flytebox state folder (no .flytebox-state in it)\n";
    return kExitFailure;
  }
  // Only what Flytebox made: anything else a user put in the folder stays, with it.
  std::vector<std::string> kept;
  for (const auto& entry : fs::directory_iterator(paths_.root, ec)) {
    std::string name = entry.path().filename().string();
    if (!IsStateEntry(name)) {
      kept.push_back(name);
      continue;
    }
    std::error_code rm;
    fs::remove_all(entry.path(), rm);
    if (rm) {
      ctx_.err << "flytebox: cannot remove " << entry.path().string() << ": " << rm.message()
               << "\n";
      return kExitFailure;
    }
  }
  if (!kept.empty()) {
    std::string names;
    for (const auto& k : kept) names += (names.empty() ? "" : ", ") + k;
    ctx_.out << "removed the sandbox's data; kept " << paths_.root
             << ": it also holds files Flytebox did not make (" << names << ")\n";
    return kExitOk;
  }
  fs::remove(paths_.root, ec);
  if (ec) {
    ctx_.err << "flytebox: cannot remove " << paths_.root << ": " << ec.message() << "\n";
    return kExitFailure;
  }
  ctx_.out << "removed " << paths_.root << "\n";
  return kExitOk;
}

int NativeRuntime::Logs(const std::string& component, bool follow) {
  std::string name = component.empty() ? "engine" : component;
  if (!sandbox::ValidComponentName(name)) {
    ctx_.err << "flytebox: '" << name << "' is not a component name\n";
    return kExitUsage;
  }
  std::string path =
      name == "supervisor" ? paths_.SupervisorLog() : paths_.Logs() + "/" + name + ".log";
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    std::string known = "supervisor";
    for (const auto& e : fs::directory_iterator(paths_.Logs(), ec)) {
      if (e.path().extension() == ".log") known += ", " + e.path().stem().string();
    }
    ctx_.err << "flytebox: no log for '" << name << "' in " << paths_.root << " (logs: " << known
             << ")\n";
    return kExitFailure;
  }
  std::ifstream in(path, std::ios::binary);
  ino_t inode = 0;
  if (struct stat st{}; stat(path.c_str(), &st) == 0) inode = st.st_ino;
  char buf[65536];
  auto drain = [&] {
    while (in.read(buf, sizeof buf) || in.gcount() > 0) ctx_.out.write(buf, in.gcount());
    in.clear();
    ctx_.out.flush();
  };
  bool running = true;
  while (true) {
    drain();
    // Following ends once the sandbox has stopped and its last lines are out.
    if (!follow || !running) return kExitOk;
    running = Running();
    SleepFor(ctx_.env.clock, 100ms);
    struct stat st{};
    if (stat(path.c_str(), &st) == 0 && st.st_ino != inode) {  // rotated: finish, reopen
      drain();
      in = std::ifstream(path, std::ios::binary);
      inode = st.st_ino;
    }
  }
}

int NativeRuntime::Exec(const std::vector<std::string>& command) {
  if (command.empty()) {
    ctx_.err << "flytebox: give the command after --, e.g. flytebox demo exec -- pyflyte run ...\n";
    return kExitUsage;
  }
  if (!Running()) {
    ctx_.err << "flytebox: no sandbox is running (state in " << paths_.root
             << "); start one with `flytebox demo start`\n";
    return kExitFailure;
  }
  auto recorded = Recorded();
  auto credentials = LoadOrCreateCredentials(paths_.Credentials());
  if (!recorded.ok() || !credentials.ok()) {
    ctx_.err << "flytebox: "
             << (recorded.ok() ? credentials.status() : recorded.status()).message() << "\n";
    return kExitFailure;
  }
  std::map<std::string, std::string> env = ctx_.env.vars;
  for (const auto& [k, v] : ClientEnvironment(*recorded, *credentials, ctx_.flyte_config)) {
    env[k] = v;
  }
  env["FLYTEBOX_STATE_DIR"] = paths_.root;
  ctx_.out.flush();
  ctx_.err.flush();
  ctx_.env.exec_replace(command, env);
  int err = errno;
  ctx_.err << "flytebox: cannot run " << command[0] << ": " << std::strerror(err) << "\n";
  return err == ENOENT ? 127 : 126;
}

int NativeRuntime::Reload() {
  if (!Running()) {
    ctx_.err << "flytebox: no sandbox is running (state in " << paths_.root << ")\n";
    return kExitFailure;
  }
  auto before = QueryStatus();
  pid_t pid = SupervisorPid();
  if (!before.ok() || pid <= 0) {
    ctx_.err << "flytebox: the supervisor does not answer"
             << (before.ok() ? "" : ": " + before.status().message()) << "\n";
    return kExitFailure;
  }
  kill(pid, SIGHUP);
  Clock* clock = ctx_.env.clock;
  auto deadline = clock->Monotonic() + 10s;
  while (clock->Monotonic() < deadline) {
    auto now = QueryStatus();
    if (now.ok() && now->reloads > before->reloads) {
      if (!now->reload_error.empty()) {
        ctx_.err << "flytebox: the supervisor kept its configuration: " << now->reload_error
                 << "\n";
        return kExitFailure;
      }
      ctx_.out << "re-read " << paths_.SupervisorConfig() << " (configuration "
               << now->config_generation << ")\n";
      return kExitOk;
    }
    SleepFor(clock, 5ms);
  }
  ctx_.err << "flytebox: the supervisor did not confirm the reload within 10 s\n";
  return kExitFailure;
}

int NativeRuntime::ImportImage(const std::string&) {
  ctx_.err << "flytebox: image import loads the sandbox's image into a container engine: add "
              "--runtime docker or --runtime podman\n";
  return kExitUsage;
}

int NativeRuntime::LoadImage(const std::string&) {
  ctx_.err << "flytebox: no sandbox with Kubernetes runs here: image load copies an image into "
              "the cluster of `flytebox demo start --runtime docker|podman --kubernetes` "
              "(natively, tasks run as processes, or as pods on your --kubeconfig cluster, which "
              "pulls from its own registries)\n";
  return kExitFailure;
}

}  // namespace flytebox::cli
