#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/subprocess.h"

namespace flytebox::cli {

// Whether a container engine answers, asked through its own command line. A seam so that
// runtime detection is tested without container engines.
class RuntimeProber {
 public:
  virtual ~RuntimeProber() = default;
  // `runtime` is docker, podman or nerdctl.
  virtual bool Answers(const std::string& runtime) = 0;

  // Asks each engine's command line through `launcher` (not owned, outlives the prober).
  static std::unique_ptr<RuntimeProber> OverLauncher(ProcessLauncher* launcher);
  // OverLauncher(ProcessLauncher::Real()). Never null.
  static RuntimeProber* Real();
};

// What the CLI takes from the process it runs in, so that tests can give their own.
struct Environment {
  std::map<std::string, std::string> vars;
  bool stdout_tty = false;
  bool stderr_tty = false;
  // Full path of the running `flytebox` binary; its siblings (flytebox-sandbox,
  // flytebox-engine) are found next to it or in the build tree's layout.
  std::string self_exe;
  Clock* clock = Clock::Real();
  ProcessLauncher* launcher = ProcessLauncher::Real();
  RuntimeProber* prober = RuntimeProber::Real();
  // Replaces the current process with argv (PATH lookup) and the given environment; returns
  // only on failure, with errno set. `flytebox demo exec` uses it so that the command gets
  // the terminal, stdin and signals.
  std::function<void(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env)>
      exec_replace;

  // Empty when unset.
  std::string Get(const std::string& name) const;

  // The real process: its environment, terminals, /proc/self/exe and execvpe.
  static Environment FromProcess();
};

}  // namespace flytebox::cli
