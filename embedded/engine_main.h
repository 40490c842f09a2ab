#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/log.h"
#include "embedded/engine.h"

namespace flytebox::engine {

// Looks up an environment variable; nullptr when unset (std::getenv by default).
using EnvLookup = std::function<const char*(const char*)>;

// The engine's command line read into options: either what to run with, or an exit code with
// the text to print (help, version, a usage error).
struct EngineCommandLine {
  EngineOptions options;
  std::string data_dir = "./flytebox-data";  // created by RunEngine before the engine starts
  log::Level log_level = log::Level::kInfo;
  // Set when the program should stop here: 0 after --help/--version, 2 on a usage error.
  std::optional<int> exit_code;
  std::string out;  // for stdout (help, version)
  std::string err;  // for stderr (what is wrong and how to fix it)
};

// Parses `args` (args[0] is the program name) with defaults filled in: the database and the
// object and work folders under the data dir, secrets and S3 credentials from `env` (never
// argv: it is visible to every user in ps). No side effects.
EngineCommandLine ParseEngineCommandLine(const std::vector<std::string>& args,
                                         const EnvLookup& env);

// flytebox-engine: parses the command line, starts the engine and serves until SIGINT or
// SIGTERM. Returns the process exit code.
int RunEngine(int argc, char** argv);

}  // namespace flytebox::engine
