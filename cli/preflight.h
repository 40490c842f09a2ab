#pragma once

#include <sys/types.h>

#include <string>

#include "common/status.h"

namespace flytebox::cli {

// Checks that `port` can be bound on `bind_address` (as the servers will: SO_REUSEADDR).
// ALREADY_EXISTS names the port, what it was for, and the process holding it when /proc
// tells ("port 30080 (Flyte API) on 127.0.0.1 is taken by pid 42 (nginx)"), with the flag
// that moves it.
Status CheckPortFree(const std::string& bind_address, int port, const std::string& purpose,
                     const std::string& flag);

// The process listening on TCP `port` (any address), from /proc/net/tcp{,6} and the
// /proc/<pid>/fd links; 0 when it cannot be told (e.g. another user's process).
pid_t FindListener(int port);

// "/usr/sbin/nginx" or the short command name; empty when unknown.
std::string ProcessName(pid_t pid);

}  // namespace flytebox::cli
