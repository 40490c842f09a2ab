#include "cli/paths.h"

#include <unistd.h>

#include <filesystem>

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;

bool Executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

}  // namespace

Result<std::string> StateDir(const std::string& flag, const Environment& env) {
  std::string dir = flag;
  if (dir.empty()) dir = env.Get("FLYTEBOX_HOME");
  if (dir.empty() && !env.Get("XDG_DATA_HOME").empty()) {
    dir = env.Get("XDG_DATA_HOME") + "/flytebox";
  }
  if (dir.empty() && !env.Get("HOME").empty()) dir = env.Get("HOME") + "/.local/share/flytebox";
  if (dir.empty()) {
    return Status::FailedPrecondition(
        "cannot tell where to keep the sandbox's state: set HOME, FLYTEBOX_HOME or --state-dir");
  }
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (ec) return Status::InvalidArgument("bad state folder " + dir + ": " + ec.message());
  std::string out = abs.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<std::string> FlyteConfigPath(const Environment& env) {
  std::string home = env.Get("HOME");
  if (home.empty()) {
    return Status::FailedPrecondition("HOME is not set: cannot write ~/.flyte/config-sandbox.yaml");
  }
  return home + "/.flyte/config-sandbox.yaml";
}

Result<std::string> FindProgram(const std::string& name, const std::string& env_var,
                                const Environment& env) {
  std::string from_env = env.Get(env_var);
  if (!from_env.empty()) {
    if (Executable(from_env)) return from_env;
    return Status::NotFound(env_var + "=" + from_env + " is not an executable file");
  }
  std::string looked;
  if (!env.self_exe.empty()) {
    fs::path dir = fs::path(env.self_exe).parent_path();
    std::string sub = name == "flytebox-engine" ? "embedded" : "sandbox";
    for (const fs::path& p : {dir / name, dir.parent_path() / sub / name}) {
      if (Executable(p)) return p.string();
      looked += p.string() + ", ";
    }
  }
  std::string on_path = FindOnPath(name);
  if (!on_path.empty()) return on_path;
  return Status::NotFound(name + " not found (looked in " + looked + "and on PATH); build it " +
                          "(scripts/build.sh) or set " + env_var);
}

bool IsStateEntry(const std::string& name) {
  static const char* const kNames[] = {"lock",
                                       ".flytebox-state",
                                       "supervisor.json",
                                       "supervisor.pid",
                                       "supervisor.log",
                                       "supervisor.log.1",
                                       "supervisor.sock",
                                       "sandbox.json",
                                       "credentials.json",
                                       "logs",
                                       "engine",
                                       "postgres",
                                       "s3",
                                       "engine-features",
                                       "python-check",
                                       "s3-iam"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  // Files written atomically (name + ".tmp-...") that a crash left behind.
  size_t tmp = name.find(".tmp");
  return tmp != std::string::npos && IsStateEntry(name.substr(0, tmp));
}

}  // namespace flytebox::cli
