#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "embedded/schedule/cron.h"
#include "flyteidl/admin/launch_plan.pb.h"
#include "flyteidl/admin/schedule.pb.h"
#include "flyteidl/core/interface.pb.h"

namespace flytebox::scheduler {

namespace fa = ::flyteidl::admin;
namespace fc = ::flyteidl::core;

// A launch plan's schedule, parsed. Times are UTC. Immutable and cheap to copy.
//
// Firings form a sequence that starts after an anchor: the launch plan's activation time,
// or its last firing when that is later.
// - Cron (`cron_schedule.schedule`, or the legacy `cron_expression`): the matching minutes
//   after the anchor. `cron_schedule.offset` is accepted and not applied, as in Flyte's
//   native scheduler.
// - Fixed rate: anchor + k * rate (k = 1, 2, ...), the anchor cut to whole seconds; so the
//   first firing comes one interval after activation.
class Schedule {
 public:
  // INVALID_ARGUMENT, naming the field, for an expression that cannot be parsed, a rate
  // below 1 or above ten years, or a schedule without an expression.
  static Result<Schedule> FromProto(const fa::Schedule& proto);

  // The first firing strictly after `prev` (a firing or the anchor); nullopt if none.
  std::optional<WallTime> Next(WallTime prev) const;

  // The firings in (from, until]: at most `max` of them, the latest ones. `*missed` receives
  // how many earlier firings in that span were left out.
  std::vector<WallTime> DueBetween(WallTime from, WallTime until, size_t max,
                                   int64_t* missed) const;

  const std::string& kickoff_input() const { return kickoff_input_; }
  // e.g. "cron '*/5 * * * *'" or "every 2 HOUR", for logs.
  const std::string& description() const { return description_; }

 private:
  std::optional<CronExpr> cron_;
  std::chrono::seconds rate_{0};
  std::string kickoff_input_;
  std::string description_;
};

// True when the launch plan spec carries a schedule expression.
bool HasSchedule(const fa::LaunchPlanSpec& spec);

// Registration checks for a launch plan's schedule (a no-op without one), given the launch
// plan's expected inputs: the schedule parses and fires at least once after `now`; every
// required input without a default is the kickoff input (nothing else could supply it);
// `kickoff_time_input_arg`, when set, names a free (not fixed) datetime input.
// INVALID_ARGUMENT says what to fix.
Status ValidateLaunchPlanSchedule(const fa::LaunchPlanSpec& spec,
                                  const fc::ParameterMap& expected_inputs, WallTime now);

// The execution name for the firing of launch plan `lp` at `scheduled`: the same inputs
// always give the same name, so a firing is created once even when retried or repeated after
// a restart. Matches ^[a-z][a-z\-0-9]*$ and has at most 63 characters, e.g.
// "daily-report-20260105103000-1c9a03fe": a readable part of the launch plan name, the time
// (UTC, to the second) and a hash of the full launch plan id and the time.
std::string ScheduledExecutionName(const fc::Identifier& lp, WallTime scheduled);

}  // namespace flytebox::scheduler
