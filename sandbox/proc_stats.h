#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace flytebox::sandbox {

// What /proc says about one process.
struct ProcStats {
  double cpu_seconds = 0;  // user + system time so far
  int64_t rss_bytes = 0;   // resident set (VmRSS)
  char state = '?';        // R, S, D, Z, ...
  pid_t ppid = 0;
};

// nullopt when the process does not exist (or /proc is not readable).
std::optional<ProcStats> ReadProcStats(pid_t pid);

// Processes whose parent is `parent`, from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent);

}  // namespace flytebox::sandbox
