#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace flytebox::server {

// The environment variable through which the supervisor tells the processes it starts where
// its status endpoint listens ("unix:PATH" or "HOST:PORT"); unset when nothing supervises.
inline constexpr char kSupervisorStatusEnv[] = "FLYTEBOX_SUPERVISOR_STATUS";

// The supervisor's status document (JSON, as its GET /status answers) read from `address`.
// UNAVAILABLE when nothing answers there or it answers with an error; INVALID_ARGUMENT for an
// address that is neither form.
Result<std::string> FetchSupervisorStatus(const std::string& address,
                                          std::chrono::milliseconds timeout);

}  // namespace flytebox::server
