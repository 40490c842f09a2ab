#include "embedded/schedule/time_format.h"

#include <cstdio>

namespace flytebox::scheduler {
namespace {

namespace ch = std::chrono;

std::string Format(WallTime t, const char* format) {
  const ch::sys_seconds s = ch::floor<ch::seconds>(t);
  const ch::sys_days day = ch::floor<ch::days>(s);
  const ch::year_month_day ymd(day);
  const ch::hh_mm_ss<ch::seconds> tod(s - day);
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

}  // namespace

std::string FormatUtc(WallTime t) { return Format(t, "%04d-%02u-%02uT%02d:%02d:%02dZ"); }

std::string FormatCompact(WallTime t) { return Format(t, "%04d%02u%02u%02d%02d%02d"); }

}  // namespace flytebox::scheduler
