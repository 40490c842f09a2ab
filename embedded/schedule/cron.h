#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>

#include "common/result.h"

namespace flytebox::scheduler {

using WallTime = std::chrono::system_clock::time_point;

// A parsed cron expression, evaluated in UTC with minute resolution. Immutable and cheap to
// copy.
//
// Fields hold `*`, values, lists (`1,5`), ranges (`1-5`) and steps (`*/15`, `10-40/10`,
// `5/15` = from 5 to the end in steps of 15); month and day-of-week also take three-letter
// English names in any case (`JAN`, `mon-fri`). Day-of-month and day-of-week follow the
// usual cron rule: when both are restricted (neither is `*` nor `?`), a day matching
// either one matches; otherwise only the restricted one counts.
class CronExpr {
 public:
  // Standard 5 fields, `minute hour day-of-month month day-of-week` (day-of-week 0-7,
  // Sunday is 0 or 7; `?` means `*` in the day fields), or an alias: @yearly, @annually,
  // @monthly, @weekly, @daily, @midnight, @hourly (also without `@`, and the plural forms
  // years, months, weeks, days, hours as flytekit accepts them). INVALID_ARGUMENT names the
  // field at fault.
  static Result<CronExpr> Parse(std::string_view text);

  // The legacy AWS CloudWatch form: 6 fields, `minute hour day-of-month month day-of-week
  // year`, day-of-week 1-7 with Sunday 1, year 1970-2199, exactly one of day-of-month and
  // day-of-week `?`, and `L` (last day of the month) allowed in day-of-month. `W` and `#`
  // are refused as unsupported.
  static Result<CronExpr> ParseLegacy(std::string_view text);

  // The first matching minute strictly after `after`; nullopt when no minute matches in the
  // years the expression allows (for the 5-field form: within ten years).
  std::optional<WallTime> Next(WallTime after) const;

 private:
  static constexpr int kFirstYear = 1970;
  static constexpr int kLastYear = 2199;

  bool DayMatches(std::chrono::year_month_day ymd) const;
  bool YearMatches(int year) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1..31
  std::bitset<13> months_;    // 1..12
  std::bitset<7> weekdays_;   // 0 = Sunday
  std::bitset<kLastYear - kFirstYear + 1> years_;
  bool any_day_ = true;       // day-of-month is `*` or `?`
  bool any_weekday_ = true;   // day-of-week is `*` or `?`
  bool last_day_ = false;     // `L` in day-of-month
  bool any_year_ = true;
};

}  // namespace flytebox::scheduler
