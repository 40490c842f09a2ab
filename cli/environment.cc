#include "cli/environment.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "cli/container_engine.h"

extern char** environ;

namespace flytebox::cli {
namespace {

class CommandLineProber : public RuntimeProber {
 public:
  explicit CommandLineProber(ProcessLauncher* launcher) : launcher_(launcher) {}
  bool Answers(const std::string& runtime) override {
    if (FindOnPath(runtime).empty()) return false;
    // Each asks its engine (daemon, service, containerd) for a version; only an answer counts.
    const EngineProfile* profile = FindEngineProfile(runtime);
    if (!profile) return false;
    auto result = launcher_->Capture(profile->probe, std::chrono::seconds(5), 4096);
    if (!result.ok() || !result->status.success()) return false;
    std::string out = result->out;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return !out.empty() && out != "<no value>";
  }

 private:
  ProcessLauncher* launcher_;
};

void ExecReplace(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env) {
  std::vector<std::string> args = argv;
  std::vector<std::string> vars;
  for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
  std::vector<char*> argp, envp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  for (auto& e : vars) envp.push_back(e.data());
  envp.push_back(nullptr);
  execvpe(argp[0], argp.data(), envp.data());
}

}  // namespace

std::unique_ptr<RuntimeProber> RuntimeProber::OverLauncher(ProcessLauncher* launcher) {
  return std::make_unique<CommandLineProber>(launcher);
}

RuntimeProber* RuntimeProber::Real() {
  static RuntimeProber* prober = OverLauncher(ProcessLauncher::Real()).release();
  return prober;
}

std::string Environment::Get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? std::string() : it->second;
}

Environment Environment::FromProcess() {
  Environment env;
  for (char** e = environ; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) env.vars[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  }
  env.stdout_tty = isatty(STDOUT_FILENO) == 1;
  env.stderr_tty = isatty(STDERR_FILENO) == 1;
  std::error_code ec;
  env.self_exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  env.exec_replace = ExecReplace;
  return env;
}

}  // namespace flytebox::cli
