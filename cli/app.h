#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace flytebox::cli {

// Exit codes of the `flytebox` command; documented in `flytebox --help` and the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // the thing asked for is not true (e.g. status: nothing runs)
  kExitUsage = 2,     // bad command line
};

// Parses and runs one command line. Never throws. `out`/`err` receive the user-facing text.
int Run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flytebox::cli
