#pragma once

namespace flytebox::cli {

// Exit codes of the `flytebox` command; documented in `flytebox --help` and the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // the thing asked for is not true (e.g. status: nothing runs), or failed
  kExitUsage = 2,     // bad command line
  kExitRunning = 3,   // start: a sandbox is already running (--force replaces it)
  kExitPortBusy = 4,  // start: a port is taken
  kExitTimeout = 5,   // start: not ready within --wait-timeout
};

}  // namespace flytebox::cli
