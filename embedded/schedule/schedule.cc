#include "embedded/schedule/schedule.h"

#include <cstdio>
#include <algorithm>
#include <deque>

#include "embedded/compiler/types.h"
#include "embedded/schedule/time_format.h"

namespace flytebox::scheduler {
namespace {

namespace ch = std::chrono;

constexpr ch::seconds kMaxRate = ch::hours(24 * 3650);
constexpr size_t kMaxSlugLength = 36;

// 64-bit FNV-1a.
uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// Lowercase letters and digits of `name`, other runs as one '-', starting with a letter.
std::string Slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool keep = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9');
    if (keep && out.empty() && !(lower >= 'a' && lower <= 'z')) continue;
    if (keep) {
      out += lower;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  if (out.size() > kMaxSlugLength) out.resize(kMaxSlugLength);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "scheduled" : out;
}

Result<ch::seconds> RateOf(const fa::FixedRate& rate) {
  ch::seconds unit;
  switch (rate.unit()) {
    case fa::MINUTE: unit = ch::minutes(1); break;
    case fa::HOUR: unit = ch::hours(1); break;
    case fa::DAY: unit = ch::hours(24); break;
    default:
      return Status::InvalidArgument("schedule.rate.unit " + std::to_string(rate.unit()) +
                                     " is not MINUTE, HOUR or DAY");
  }
  if (rate.value() < 1) return Status::InvalidArgument("schedule.rate.value must be at least 1");
  const ch::seconds total = unit * static_cast<int64_t>(rate.value());
  if (total > kMaxRate) {
    return Status::InvalidArgument("schedule.rate of " + std::to_string(rate.value()) + " " +
                                   fa::FixedRateUnit_Name(rate.unit()) +
                                   " is longer than ten years");
  }
  return total;
}

Status CheckKickoff(const fa::LaunchPlanSpec& spec, const fc::ParameterMap& expected) {
  const std::string& kickoff = spec.entity_metadata().schedule().kickoff_time_input_arg();
  if (kickoff.empty()) return Status::Ok();
  auto it = expected.parameters().find(kickoff);
  if (it == expected.parameters().end()) {
    if (spec.fixed_inputs().literals().contains(kickoff)) {
      return Status::InvalidArgument("schedule.kickoff_time_input_arg '" + kickoff +
                                     "' is a fixed input of the launch plan; it must be free");
    }
    return Status::InvalidArgument("schedule.kickoff_time_input_arg '" + kickoff +
                                   "' is not an input of the workflow");
  }
  const fc::LiteralType& type = it->second.var().type();
  if (type.type_case() != fc::LiteralType::kSimple || type.simple() != fc::DATETIME) {
    return Status::InvalidArgument("schedule.kickoff_time_input_arg '" + kickoff +
                                   "' must name a datetime input, but it is " +
                                   compiler::TypeName(type));
  }
  return Status::Ok();
}

Status CheckRequiredInputs(const fa::LaunchPlanSpec& spec, const fc::ParameterMap& expected) {
  const std::string& kickoff = spec.entity_metadata().schedule().kickoff_time_input_arg();
  std::vector<std::string> open;
  for (const auto& [name, param] : expected.parameters()) {
    if (name != kickoff && !param.has_default_() && param.required()) open.push_back(name);
  }
  if (open.empty()) return Status::Ok();
  std::sort(open.begin(), open.end());
  return Status::InvalidArgument(
      "a launch plan with a schedule must supply every required input, but '" + open[0] +
      "' has neither a default nor a fixed value; give it one (only the "
      "kickoff_time_input_arg may be left to the scheduler)");
}

}  // namespace

Result<Schedule> Schedule::FromProto(const fa::Schedule& proto) {
  Schedule out;
  out.kickoff_input_ = proto.kickoff_time_input_arg();
  switch (proto.ScheduleExpression_case()) {
    case fa::Schedule::kCronExpression: {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      const std::string& text = proto.cron_expression();
#pragma GCC diagnostic pop
      auto cron = CronExpr::ParseLegacy(text);
      if (!cron.ok()) return cron.status().WithContext("schedule.cron_expression");
      out.cron_ = *cron;
      out.description_ = "cron_expression '" + text + "'";
      return out;
    }
    case fa::Schedule::kCronSchedule: {
      const std::string& text = proto.cron_schedule().schedule();
      if (text.empty()) return Status::InvalidArgument("schedule.cron_schedule.schedule is empty");
      auto cron = CronExpr::Parse(text);
      if (!cron.ok()) return cron.status().WithContext("schedule.cron_schedule.schedule");
      out.cron_ = *cron;
      out.description_ = "cron '" + text + "'";
      return out;
    }
    case fa::Schedule::kRate: {
      FB_ASSIGN_OR_RETURN(out.rate_, RateOf(proto.rate()));
      out.description_ = "every " + std::to_string(proto.rate().value()) + " " +
                         fa::FixedRateUnit_Name(proto.rate().unit());
      return out;
    }
    default:
      return Status::InvalidArgument(
          "the schedule has no expression: set cron_schedule, rate or cron_expression");
  }
}

std::optional<WallTime> Schedule::Next(WallTime prev) const {
  if (cron_) return cron_->Next(prev);
  return WallTime(ch::floor<ch::seconds>(prev) + rate_);
}

std::vector<WallTime> Schedule::DueBetween(WallTime from, WallTime until, size_t max,
                                           int64_t* missed) const {
  *missed = 0;
  std::vector<WallTime> out;
  const std::optional<WallTime> first = Next(from);
  if (!first || *first > until) return out;
  if (!cron_) {
    const int64_t count = (until - *first) / rate_ + 1;
    const int64_t keep = std::min<int64_t>(count, static_cast<int64_t>(max));
    *missed = count - keep;
    for (int64_t i = count - keep; i < count; ++i) out.push_back(*first + i * rate_);
    return out;
  }
  std::deque<WallTime> latest;
  for (std::optional<WallTime> t = first; t && *t <= until; t = Next(*t)) {
    latest.push_back(*t);
    if (latest.size() > max) {
      latest.pop_front();
      ++*missed;
    }
  }
  out.assign(latest.begin(), latest.end());
  return out;
}

bool HasSchedule(const fa::LaunchPlanSpec& spec) {
  return spec.entity_metadata().has_schedule() &&
         spec.entity_metadata().schedule().ScheduleExpression_case() !=
             fa::Schedule::SCHEDULEEXPRESSION_NOT_SET;
}

Status ValidateLaunchPlanSchedule(const fa::LaunchPlanSpec& spec,
                                  const fc::ParameterMap& expected_inputs, WallTime now) {
  if (!HasSchedule(spec)) return Status::Ok();
  FB_ASSIGN_OR_RETURN(Schedule schedule, Schedule::FromProto(spec.entity_metadata().schedule()));
  if (!schedule.Next(now)) {
    return Status::InvalidArgument("the schedule " + schedule.description() +
                                   " never fires after " +
                                   FormatUtc(now));
  }
  FB_RETURN_IF_ERROR(CheckKickoff(spec, expected_inputs));
  return CheckRequiredInputs(spec, expected_inputs);
}

std::string ScheduledExecutionName(const fc::Identifier& lp, WallTime scheduled) {
  const int64_t seconds = ch::floor<ch::seconds>(scheduled).time_since_epoch().count();
  const uint64_t hash = Fnv1a(lp.project() + ":" + lp.domain() + ":" + lp.name() + ":" +
                              lp.version() + ":" + std::to_string(seconds));
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", static_cast<unsigned>(hash >> 32));
  return Slug(lp.name()) + "-" + FormatCompact(scheduled) + "-" + hex;
}

}  // namespace flytebox::scheduler
