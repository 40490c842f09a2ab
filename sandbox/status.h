#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace flytebox::sandbox {

// What the status endpoint reports about one component.
struct ComponentStatus {
  std::string name;
  // pending, starting, running, backoff, crash-looping, stopping, stopped, exited, failed
  std::string state;
  bool ready = false;
  int restarts = 0;
  pid_t pid = 0;  // 0 when no process runs
  double uptime_seconds = 0;
  double cpu_seconds = 0;
  int64_t rss_bytes = 0;
  std::vector<int> ports;
  std::string version;
  std::string last_exit;  // "exit code 1", "killed by signal 9", or empty
  std::string detail;     // why it is not ready (last probe failure), or empty
  std::string log;        // log file path
};

struct SupervisorStatus {
  pid_t pid = 0;
  std::string version;
  std::string state;  // running, stopping
  double uptime_seconds = 0;
  double cpu_seconds = 0;
  int64_t rss_bytes = 0;
  int config_generation = 0;  // +1 on every successful reload
  int reloads = 0;            // reload requests handled, successful or not
  std::string reload_error;   // why the last reload was refused, or empty
  int64_t orphans_reaped = 0;
  bool ready = false;  // every component ready
  std::vector<ComponentStatus> components;
};

std::string StatusToJson(const SupervisorStatus& status);
Result<SupervisorStatus> ParseStatusJson(std::string_view json);

}  // namespace flytebox::sandbox
