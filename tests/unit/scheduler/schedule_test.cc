#include "embedded/schedule/schedule.h"

#include <gtest/gtest.h>

#include <regex>

#include "tests/unit/scheduler/test_support.h"

namespace flytebox::scheduler {
namespace {

using testing::At;
using testing::Cron;
using testing::Rate;
using testing::Text;

Schedule Must(const fa::Schedule& proto) {
  auto s = Schedule::FromProto(proto);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Schedule();
}

TEST(ScheduleTest, FixedRateCountsFromTheAnchorCutToSeconds) {
  const Schedule s = Must(Rate(2, fa::HOUR));
  const WallTime anchor = At(2026, 1, 5, 10, 0, 7) + std::chrono::milliseconds(450);
  EXPECT_EQ(s.Next(anchor), At(2026, 1, 5, 12, 0, 7));
  EXPECT_EQ(Must(Rate(1, fa::MINUTE)).Next(anchor), At(2026, 1, 5, 10, 1, 7));
  EXPECT_EQ(Must(Rate(3, fa::DAY)).Next(anchor), At(2026, 1, 8, 10, 0, 7));
  EXPECT_EQ(s.description(), "every 2 HOUR");
}

TEST(ScheduleTest, DueBetweenKeepsTheLatestAndCountsTheRest) {
  const Schedule rate = Must(Rate(10, fa::MINUTE));
  int64_t missed = -1;
  // Firings at 10:10 ... 11:00 (6 of them) in (10:00, 11:05].
  auto due = rate.DueBetween(At(2026, 1, 5, 10), At(2026, 1, 5, 11, 5), 3, &missed);
  EXPECT_EQ(due, (std::vector<WallTime>{At(2026, 1, 5, 10, 40), At(2026, 1, 5, 10, 50),
                                        At(2026, 1, 5, 11)}));
  EXPECT_EQ(missed, 3);
  due = rate.DueBetween(At(2026, 1, 5, 10), At(2026, 1, 5, 10, 20), 3, &missed);
  EXPECT_EQ(due, (std::vector<WallTime>{At(2026, 1, 5, 10, 10), At(2026, 1, 5, 10, 20)}));
  EXPECT_EQ(missed, 0);
  due = rate.DueBetween(At(2026, 1, 5, 10), At(2026, 1, 5, 10, 9), 3, &missed);
  EXPECT_TRUE(due.empty());

  const Schedule hourly = Must(Cron("@hourly"));
  due = hourly.DueBetween(At(2026, 1, 5, 10, 30), At(2026, 1, 6, 10, 30), 2, &missed);
  EXPECT_EQ(due, (std::vector<WallTime>{At(2026, 1, 6, 9), At(2026, 1, 6, 10)}));
  EXPECT_EQ(missed, 22);
}

TEST(ScheduleTest, LegacyCronExpression) {
  fa::Schedule proto;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  proto.set_cron_expression("0 10 ? * 2 *");
#pragma GCC diagnostic pop
  EXPECT_EQ(Must(proto).Next(At(2024, 9, 6)), At(2024, 9, 9, 10));
}

TEST(ScheduleTest, BadSchedulesNameTheField) {
  auto expect = [](const fa::Schedule& proto, const std::string& needle) {
    auto s = Schedule::FromProto(proto);
    ASSERT_FALSE(s.ok()) << needle;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    EXPECT_NE(s.status().message().find(needle), std::string::npos) << s.status().message();
  };
  expect(Rate(0, fa::MINUTE), "schedule.rate.value must be at least 1");
  expect(Rate(4000, fa::DAY), "longer than ten years");
  expect(Rate(1, static_cast<fa::FixedRateUnit>(7)), "is not MINUTE, HOUR or DAY");
  expect(Cron(""), "schedule.cron_schedule.schedule is empty");
  expect(Cron("*/5 * * *"), "schedule.cron_schedule.schedule: cron expression '*/5 * * *' has 4");
  expect(fa::Schedule(), "the schedule has no expression");
  fa::Schedule legacy;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  legacy.set_cron_expression("0 10 * * *");
#pragma GCC diagnostic pop
  expect(legacy, "schedule.cron_expression: cron expression '0 10 * * *' has 5 fields");
}

fa::LaunchPlanSpec Spec(const fa::Schedule& schedule) {
  fa::LaunchPlanSpec spec;
  *spec.mutable_entity_metadata()->mutable_schedule() = schedule;
  return spec;
}

// kickoff: datetime (required), who: str (default), n: int (required).
fc::ParameterMap Expected(bool n_required) {
  auto map = Text<fc::ParameterMap>(R"(
    parameters { key: "kickoff" value { var { type { simple: DATETIME } } required: true } }
    parameters { key: "who" value { var { type { simple: STRING } }
                                    default { scalar { primitive { string_value: "x" } } } } })");
  if (n_required) {
    (*map.mutable_parameters())["n"] = Text<fc::Parameter>(
        R"(var { type { simple: INTEGER } } required: true)");
  }
  return map;
}

TEST(ScheduleTest, ValidationAtRegistration) {
  const WallTime now = At(2026, 1, 5);
  auto check = [&](const fa::LaunchPlanSpec& spec, bool n_required) {
    return ValidateLaunchPlanSchedule(spec, Expected(n_required), now);
  };
  EXPECT_TRUE(check(fa::LaunchPlanSpec(), true).ok()) << "no schedule, nothing to check";
  EXPECT_TRUE(check(Spec(Cron("*/5 * * * *", "kickoff")), false).ok());
  EXPECT_TRUE(check(Spec(Rate(1, fa::MINUTE, "kickoff")), false).ok());

  auto expect = [](const Status& st, const std::string& needle) {
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  // Nothing would supply `kickoff` when it is not the kickoff input.
  expect(check(Spec(Cron("@daily")), false), "'kickoff' has neither a default nor a fixed value");
  expect(check(Spec(Cron("@daily", "kickoff")), true), "'n' has neither a default");
  expect(check(Spec(Cron("@daily", "when")), false),
         "schedule.kickoff_time_input_arg 'when' is not an input of the workflow");
  auto fixed = Spec(Cron("@daily", "when"));
  (*fixed.mutable_fixed_inputs()->mutable_literals())["when"] = fc::Literal();
  expect(check(fixed, false), "'when' is a fixed input of the launch plan");
  // `who` is defaulted, so only `kickoff` is open; but `who` is a string.
  auto map = Expected(false);
  map.mutable_parameters()->erase("kickoff");
  expect(ValidateLaunchPlanSchedule(Spec(Cron("@daily", "who")), map, now),
         "must name a datetime input, but it is");
  expect(check(Spec(Cron("0 0 30 2 *", "kickoff")), false),
         "never fires after 2026-01-05T00:00:00Z");
  expect(check(Spec(Cron("61 * * * *", "kickoff")), false), "minute field");
}

TEST(ScheduleTest, ExecutionNamesAreDeterministicAndValid) {
  const std::regex valid("^[a-z][a-z\\-0-9]*$");
  fc::Identifier id;
  id.set_project("flytesnacks");
  id.set_domain("development");
  id.set_name("scheduled.every_minute");
  id.set_version("v1");
  const WallTime t = At(2026, 1, 5, 10, 30);
  const std::string name = ScheduledExecutionName(id, t);
  EXPECT_TRUE(std::regex_match(name, valid)) << name;
  EXPECT_LE(name.size(), 63u);
  EXPECT_EQ(name.rfind("scheduled-every-minute-20260105103000-", 0), 0u) << name;
  EXPECT_EQ(ScheduledExecutionName(id, t), name);
  EXPECT_NE(ScheduledExecutionName(id, t + std::chrono::minutes(1)), name);
  fc::Identifier v2 = id;
  v2.set_version("v2");
  EXPECT_NE(ScheduledExecutionName(v2, t), name);

  for (const std::string odd :
       {"", "9_lives", "__X__", "a.very.long.module.path.with.many.parts.wf_name_here",
        "Ünïcode.wf"}) {
    id.set_name(odd);
    const std::string n = ScheduledExecutionName(id, t);
    EXPECT_TRUE(std::regex_match(n, valid)) << odd << " -> " << n;
    EXPECT_LE(n.size(), 63u) << n;
  }
}

}  // namespace
}  // namespace flytebox::scheduler
