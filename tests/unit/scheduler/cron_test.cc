#include "embedded/schedule/cron.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_support.h"

namespace flytebox::scheduler {
namespace {

using testing::At;

CronExpr Must(const std::string& text) {
  auto c = CronExpr::Parse(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status().ToString();
  return c.ok() ? *c : CronExpr();
}

CronExpr MustLegacy(const std::string& text) {
  auto c = CronExpr::ParseLegacy(text);
  EXPECT_TRUE(c.ok()) << text << ": " << c.status().ToString();
  return c.ok() ? *c : CronExpr();
}

// The next `n` firings after `from`.
std::vector<WallTime> Firings(const CronExpr& cron, WallTime from, int n) {
  std::vector<WallTime> out;
  for (int i = 0; i < n; ++i) {
    auto next = cron.Next(from);
    if (!next) break;
    out.push_back(*next);
    from = *next;
  }
  return out;
}

void ExpectError(const Result<CronExpr>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "expected an error mentioning '" << needle << "'";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(CronTest, EveryMinuteIsStrictlyAfter) {
  const CronExpr c = Must("* * * * *");
  EXPECT_EQ(c.Next(At(2026, 1, 5, 10, 0, 0)), At(2026, 1, 5, 10, 1));
  EXPECT_EQ(c.Next(At(2026, 1, 5, 10, 0, 59)), At(2026, 1, 5, 10, 1));
  EXPECT_EQ(c.Next(At(2026, 1, 5, 23, 59, 30)), At(2026, 1, 6, 0, 0));
}

TEST(CronTest, StepsRangesAndLists) {
  EXPECT_EQ(Firings(Must("*/15 * * * *"), At(2026, 1, 5, 10, 46), 3),
            (std::vector<WallTime>{At(2026, 1, 5, 11, 0), At(2026, 1, 5, 11, 15),
                                   At(2026, 1, 5, 11, 30)}));
  EXPECT_EQ(Firings(Must("10-40/10 9 * * *"), At(2026, 1, 5, 9, 10), 4),
            (std::vector<WallTime>{At(2026, 1, 5, 9, 20), At(2026, 1, 5, 9, 30),
                                   At(2026, 1, 5, 9, 40), At(2026, 1, 6, 9, 10)}));
  EXPECT_EQ(Firings(Must("5/20 * * * *"), At(2026, 1, 5, 10, 0), 3),
            (std::vector<WallTime>{At(2026, 1, 5, 10, 5), At(2026, 1, 5, 10, 25),
                                   At(2026, 1, 5, 10, 45)}));
  EXPECT_EQ(Firings(Must("0 8,12-13,20 * * *"), At(2026, 1, 5, 0, 0), 5),
            (std::vector<WallTime>{At(2026, 1, 5, 8), At(2026, 1, 5, 12), At(2026, 1, 5, 13),
                                   At(2026, 1, 5, 20), At(2026, 1, 6, 8)}));
}

TEST(CronTest, ThirtyFirstSkipsShortMonths) {
  EXPECT_EQ(Firings(Must("0 0 31 * *"), At(2025, 1, 31), 4),
            (std::vector<WallTime>{At(2025, 3, 31), At(2025, 5, 31), At(2025, 7, 31),
                                   At(2025, 8, 31)}));
}

TEST(CronTest, FebruaryTwentyNinthOnlyInLeapYears) {
  const CronExpr c = Must("0 12 29 2 *");
  EXPECT_EQ(c.Next(At(2023, 3, 1)), At(2024, 2, 29, 12));
  EXPECT_EQ(c.Next(At(2024, 2, 29, 12)), At(2028, 2, 29, 12));
  // 2100 is not a leap year: eight years between 2096 and 2104.
  EXPECT_EQ(c.Next(At(2096, 3, 1)), At(2104, 2, 29, 12));
}

TEST(CronTest, ADayThatNeverComesHasNoNextFiring) {
  EXPECT_EQ(Must("0 0 30 2 *").Next(At(2026, 1, 1)), std::nullopt);
  EXPECT_EQ(Must("0 0 31 4,6,9,11 *").Next(At(2026, 1, 1)), std::nullopt);
}

TEST(CronTest, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 13th, or any Friday. 2024-09-06 and 2024-09-13 are Fridays; 2024-10-13 a Sunday.
  EXPECT_EQ(Firings(Must("0 0 13 * 5"), At(2024, 9, 1), 7),
            (std::vector<WallTime>{At(2024, 9, 6), At(2024, 9, 13), At(2024, 9, 20),
                                   At(2024, 9, 27), At(2024, 10, 4), At(2024, 10, 11),
                                   At(2024, 10, 13)}));
}

TEST(CronTest, OnlyTheRestrictedDayFieldCounts) {
  // Weekdays only (day-of-month is `*`): Friday 2024-09-06 10:00 -> Monday 09:00.
  EXPECT_EQ(Must("0 9 * * MON-FRI").Next(At(2024, 9, 6, 10)), At(2024, 9, 9, 9));
  // `?` is the same as `*` in the day fields.
  EXPECT_EQ(Must("0 9 ? * 1").Next(At(2024, 9, 6, 10)), At(2024, 9, 9, 9));
  // First of the month only (day-of-week is `*`).
  EXPECT_EQ(Firings(Must("30 6 1 * *"), At(2024, 11, 15), 2),
            (std::vector<WallTime>{At(2024, 12, 1, 6, 30), At(2025, 1, 1, 6, 30)}));
  // A stepped day-of-month is restricted: odd days or Mondays.
  EXPECT_EQ(Firings(Must("0 0 */2 * 1"), At(2024, 9, 1), 3),
            (std::vector<WallTime>{At(2024, 9, 2), At(2024, 9, 3), At(2024, 9, 5)}));
}

TEST(CronTest, SundayIsZeroOrSevenAndNamesIgnoreCase) {
  // 2024-09-07 is a Saturday.
  EXPECT_EQ(Must("0 0 * * 7").Next(At(2024, 9, 7)), At(2024, 9, 8));
  EXPECT_EQ(Must("0 0 * * 0").Next(At(2024, 9, 7)), At(2024, 9, 8));
  EXPECT_EQ(Firings(Must("0 0 * * SUN,sat"), At(2024, 9, 6), 3),
            (std::vector<WallTime>{At(2024, 9, 7), At(2024, 9, 8), At(2024, 9, 14)}));
  EXPECT_EQ(Firings(Must("0 0 1 jan,JUL *"), At(2024, 2, 1), 2),
            (std::vector<WallTime>{At(2024, 7, 1), At(2025, 1, 1)}));
}

TEST(CronTest, YearRollover) {
  EXPECT_EQ(Must("59 23 31 12 *").Next(At(2024, 12, 31, 23, 59)), At(2025, 12, 31, 23, 59));
  EXPECT_EQ(Must("0 0 1 1 *").Next(At(2024, 12, 31, 23, 59, 59)), At(2025, 1, 1));
}

TEST(CronTest, Aliases) {
  const WallTime from = At(2024, 9, 4, 10, 30);  // a Wednesday
  EXPECT_EQ(Must("@yearly").Next(from), At(2025, 1, 1));
  EXPECT_EQ(Must("@annually").Next(from), At(2025, 1, 1));
  EXPECT_EQ(Must("@monthly").Next(from), At(2024, 10, 1));
  EXPECT_EQ(Must("@weekly").Next(from), At(2024, 9, 8));
  EXPECT_EQ(Must("@daily").Next(from), At(2024, 9, 5));
  EXPECT_EQ(Must("@midnight").Next(from), At(2024, 9, 5));
  EXPECT_EQ(Must("@hourly").Next(from), At(2024, 9, 4, 11));
  // flytekit's spellings.
  EXPECT_EQ(Must("hourly").Next(from), At(2024, 9, 4, 11));
  EXPECT_EQ(Must("DAYS").Next(from), At(2024, 9, 5));
  EXPECT_EQ(Must("months").Next(from), At(2024, 10, 1));
}

TEST(CronTest, LegacyCloudWatchExpressions) {
  // Day-of-week 1-7 with Sunday 1: 2 is Monday. 2024-09-06 is a Friday.
  EXPECT_EQ(MustLegacy("0 10 ? * 2 *").Next(At(2024, 9, 6)), At(2024, 9, 9, 10));
  EXPECT_EQ(MustLegacy("0 18 ? * 1 *").Next(At(2024, 9, 6)), At(2024, 9, 8, 18));
  EXPECT_EQ(Firings(MustLegacy("0 10 ? * MON-FRI *"), At(2024, 9, 6, 11), 2),
            (std::vector<WallTime>{At(2024, 9, 9, 10), At(2024, 9, 10, 10)}));
  EXPECT_EQ(MustLegacy("15 10 * * ? *").Next(At(2024, 9, 6, 10, 15)), At(2024, 9, 7, 10, 15));
  // L: the last day of the month.
  EXPECT_EQ(Firings(MustLegacy("0 0 L * ? *"), At(2024, 1, 31), 3),
            (std::vector<WallTime>{At(2024, 2, 29), At(2024, 3, 31), At(2024, 4, 30)}));
  EXPECT_EQ(MustLegacy("0 0 L 2 ? *").Next(At(2023, 1, 1)), At(2023, 2, 28));
  // The year field.
  const CronExpr once = MustLegacy("0 0 1 1 ? 2030");
  EXPECT_EQ(once.Next(At(2026, 1, 5)), At(2030, 1, 1));
  EXPECT_EQ(once.Next(At(2030, 1, 1)), std::nullopt);
  EXPECT_EQ(MustLegacy("0 0 * * ? 2020-2022").Next(At(2024, 1, 1)), std::nullopt);
}

TEST(CronTest, ErrorsNameTheField) {
  ExpectError(CronExpr::Parse("61 * * * *"), "minute field '61': 61 is outside 0-59");
  ExpectError(CronExpr::Parse("* 24 * * *"), "hour field");
  ExpectError(CronExpr::Parse("* * 0 * *"), "day-of-month field");
  ExpectError(CronExpr::Parse("* * * 13 *"), "month field");
  ExpectError(CronExpr::Parse("* * * * 8"), "day-of-week field");
  ExpectError(CronExpr::Parse("* * * FOO *"), "'FOO' is not a number or a name");
  ExpectError(CronExpr::Parse("*/0 * * * *"), "step '0' must be a positive number");
  ExpectError(CronExpr::Parse("5-1 * * * *"), "range 5-1 goes backwards");
  ExpectError(CronExpr::Parse("1,,2 * * * *"), "empty list item");
  ExpectError(CronExpr::Parse("? * * * *"), "'?' is only allowed in day-of-month and day-of-week");
  ExpectError(CronExpr::Parse("* * * *"), "has 4 fields; expected 5");
  ExpectError(CronExpr::Parse("0 0 * * ? *"), "has 6 fields; expected 5");
  ExpectError(CronExpr::Parse(""), "has 0 fields");
  ExpectError(CronExpr::Parse("@reboot"), "unknown alias");
  ExpectError(CronExpr::Parse("0 0 L * *"), "'L' is only allowed");
}

TEST(CronTest, LegacyErrors) {
  ExpectError(CronExpr::ParseLegacy("0 0 * * *"), "the legacy cron_expression takes 6");
  ExpectError(CronExpr::ParseLegacy("0 0 ? * ? *"), "exactly one of day-of-month and day-of-week");
  ExpectError(CronExpr::ParseLegacy("0 0 1 * MON *"),
              "exactly one of day-of-month and day-of-week");
  ExpectError(CronExpr::ParseLegacy("0 0 1W * ? *"), "the L, W and # forms are not supported");
  ExpectError(CronExpr::ParseLegacy("0 0 ? * MON#2 *"), "the L, W and # forms are not supported");
  ExpectError(CronExpr::ParseLegacy("0 0 ? * 0 *"), "day-of-week field '0': 0 is outside 1-7");
  ExpectError(CronExpr::ParseLegacy("0 0 1 * ? 1969"), "year field");
}

}  // namespace
}  // namespace flytebox::scheduler
