#pragma once

#include <string>

#include "embedded/schedule/cron.h"

namespace flytebox::scheduler {

// "2026-01-05T10:30:00Z": UTC, to the second.
std::string FormatUtc(WallTime t);
// "20260105103000": UTC, to the second, digits only.
std::string FormatCompact(WallTime t);

}  // namespace flytebox::scheduler
