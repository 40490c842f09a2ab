#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/status.h"

namespace flytebox::cli {

// Checks that `port` can be bound on `bind_address` (as the servers will: SO_REUSEADDR).
// ALREADY_EXISTS names the port, what it was for, and the process holding it when /proc
// tells ("port 30080 (Flyte API) on 127.0.0.1 is taken by pid 42 (nginx)"), with the flag
// that moves it.
Status CheckPortFree(const std::string& bind_address, int port, const std::string& purpose,
                     const std::string& flag);

// A host port a sandbox needs, and the flag that moves it.
struct PortUse {
  int port;
  const char* purpose;  // "Flyte API", "S3", "Postgres"
  const char* flag;     // "--port", ...
};
// Checks a start's ports: two uses of one port are a usage error (exit code 2), a taken
// port is ALREADY_EXISTS (exit code 4), anything else exit code 1; `*exit_code` says which.
Status CheckPortsFree(const std::string& bind_address, const std::vector<PortUse>& ports,
                      int* exit_code);

// The process listening on TCP `port` (any address), from /proc/net/tcp{,6} and the
// /proc/<pid>/fd links; 0 when it cannot be told (e.g. another user's process).
pid_t FindListener(int port);

// "/usr/sbin/nginx" or the short command name; empty when unknown.
std::string ProcessName(pid_t pid);

}  // namespace flytebox::cli
