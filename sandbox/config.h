#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace flytebox::sandbox {

// How the supervisor decides that a started component is ready.
struct Probe {
  enum class Kind { kNone, kHttp, kTcp, kExec };
  Kind kind = Kind::kNone;
  std::string url;                // kHttp: http://HOST:PORT/PATH; ready on a 2xx answer
  std::string host;               // kTcp: connect succeeds
  int port = 0;                   // kTcp
  std::vector<std::string> argv;  // kExec: exits 0

  friend bool operator==(const Probe&, const Probe&) = default;
};

enum class RestartPolicy { kAlways, kOnFailure, kNever };

// Exponential back-off between restarts, and when repeated crashes count as a crash loop.
struct Backoff {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{30'000};
  // Up this long (and ready) resets the back-off and clears a crash loop.
  std::chrono::milliseconds stable_after{10'000};
  int crash_loop_exits = 5;  // this many exits ...
  std::chrono::milliseconds crash_loop_window{60'000};  // ... within this window

  friend bool operator==(const Backoff&, const Backoff&) = default;
};

// One supervised process, described as data.
struct ComponentSpec {
  std::string name;  // [a-z0-9-], also the log file's name
  std::vector<std::string> command;
  std::map<std::string, std::string> env;  // applied over the supervisor's environment
  std::string working_dir;                 // empty: the supervisor's
  Probe probe;
  std::vector<std::string> depends_on;  // started (and ready) before this one
  RestartPolicy restart = RestartPolicy::kAlways;
  Backoff backoff;
  std::chrono::milliseconds grace_period{10'000};  // SIGTERM to SIGKILL
  std::vector<int> ports;                          // reported in status
  std::string version;                             // reported in status

  friend bool operator==(const ComponentSpec&, const ComponentSpec&) = default;
};

// The supervisor's whole configuration; the CLI writes it as JSON into the state folder and
// the supervisor re-reads it on SIGHUP.
struct SupervisorConfig {
  // Where the status endpoint listens: "unix:PATH" or "tcp:HOST:PORT".
  std::string status_listen;
  std::string log_dir;  // <component>.log files
  int64_t log_max_bytes = 10 << 20;
  int log_keep = 3;  // rotated files kept: <component>.log.1 .. .N
  std::vector<ComponentSpec> components;

  friend bool operator==(const SupervisorConfig&, const SupervisorConfig&) = default;
};

// Parses and validates (names, commands, probes, dependencies known and acyclic).
// INVALID_ARGUMENT says which field is wrong.
Result<SupervisorConfig> ParseConfig(std::string_view json);
Result<SupervisorConfig> LoadConfig(const std::string& path);
std::string ConfigToJson(const SupervisorConfig& config);

// Checks what ParseConfig checks, for configs built in code.
Status Validate(const SupervisorConfig& config);

// Component names in an order where each comes after its dependencies (stable: among
// independent components, the configured order). Precondition: Validate() passed.
std::vector<std::string> StartOrder(const std::vector<ComponentSpec>& components);

std::string_view RestartPolicyName(RestartPolicy policy);

// A component name: 1 to 64 of a-z, 0-9 and '-' (it names log files and CLI arguments).
bool ValidComponentName(const std::string& name);

}  // namespace flytebox::sandbox
