#pragma once

#include <string>
#include <vector>

#include "cli/environment.h"
#include "common/result.h"

namespace flytebox::cli {

// Where a sandbox keeps its state: `flag` when given, else $FLYTEBOX_HOME, else
// $XDG_DATA_HOME/flytebox, else $HOME/.local/share/flytebox. Made absolute.
// FAILED_PRECONDITION when none of them can be worked out (no HOME).
Result<std::string> StateDir(const std::string& flag, const Environment& env);

// ~/.flyte/config-sandbox.yaml, the flytectl/flytekit configuration the sandbox writes.
Result<std::string> FlyteConfigPath(const Environment& env);

// The path of a Flytebox program (flytebox-sandbox, flytebox-engine): $<env_var> when set,
// else next to the running `flytebox`, else in the build tree layout (build/sandbox/,
// build/embedded/ beside build/cli/), else on PATH. NOT_FOUND names where it looked.
Result<std::string> FindProgram(const std::string& name, const std::string& env_var,
                                const Environment& env);

// Files inside a state folder.
struct StatePaths {
  std::string root;
  std::string Lock() const { return root + "/lock"; }
  std::string Marker() const { return root + "/.flytebox-state"; }
  std::string SupervisorConfig() const { return root + "/supervisor.json"; }
  std::string SupervisorPid() const { return root + "/supervisor.pid"; }
  std::string SupervisorLog() const { return root + "/supervisor.log"; }
  std::string StatusSocket() const { return root + "/supervisor.sock"; }
  std::string Sandbox() const { return root + "/sandbox.json"; }
  std::string Credentials() const { return root + "/credentials.json"; }
  std::string Logs() const { return root + "/logs"; }
  std::string EngineData() const { return root + "/engine"; }
  std::string PostgresDir() const { return root + "/postgres"; }
  std::string ObjectStore() const { return root + "/s3"; }
  std::string S3Accounts() const { return root + "/s3-iam"; }  // versitygw's --iam-dir
};

// The names Flytebox makes directly inside a state folder; teardown removes only these.
bool IsStateEntry(const std::string& name);

}  // namespace flytebox::cli
