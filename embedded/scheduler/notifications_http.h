#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "embedded/scheduler/notifier.h"

namespace flytebox::scheduler {

// The engine's `GET /api/v1/notifications`. Query parameters, all optional: project,
// domain, execution (a name), limit (1..1000, default 100), token (from the previous page).
// Answers JSON, newest first:
//   {"notifications": [{"project": ..., "domain": ..., "execution": ..., "phase": "SUCCEEDED",
//     "type": "email", "recipient": ..., "message": ..., "created_at": "2026-...Z"}],
//    "token": "100"}
// ("token" is empty on the last page). INVALID_ARGUMENT for a bad limit or token.
Result<std::string> NotificationsJson(Notifier& notifier,
                                      const std::map<std::string, std::string>& params);

}  // namespace flytebox::scheduler
