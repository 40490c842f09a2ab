#include "embedded/schedule/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace flytebox::scheduler {
namespace {

namespace ch = std::chrono;

constexpr std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<const char*, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

// How one field is read.
struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names = nullptr;  // names[i] stands for the value name_base + i
  int name_count = 0;
  int name_base = 0;
  bool allow_question = false;  // `?` (the day fields)
  bool allow_last = false;      // `L` (legacy day-of-month)
};

// One field's values, indexed by value (0..max).
struct FieldValues {
  std::vector<bool> set;
  bool any = false;   // the field is `*` or `?`
  bool last = false;  // `L`
};

class FieldParser {
 public:
  FieldParser(std::string_view expr, const FieldSpec& spec, std::string_view text)
      : expr_(expr), spec_(spec), text_(text) {}

  Result<FieldValues> Parse() {
    FieldValues out;
    out.set.assign(spec_.max + 1, false);
    out.any = text_ == "*" || text_ == "?";
    size_t start = 0;
    while (start <= text_.size()) {
      size_t comma = text_.find(',', start);
      if (comma == std::string_view::npos) comma = text_.size();
      FB_RETURN_IF_ERROR(ParseItem(text_.substr(start, comma - start), &out));
      start = comma + 1;
    }
    return out;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::InvalidArgument("cron expression '" + std::string(expr_) + "': " + spec_.name +
                                   " field '" + std::string(text_) + "': " + what);
  }

  Result<int> Number(std::string_view token) const {
    if (token.empty()) return Error("a value is missing");
    if (std::all_of(token.begin(), token.end(), [](char c) { return std::isdigit(c) != 0; })) {
      if (token.size() > 4) return Error(std::string(token) + " is too large");
      return std::stoi(std::string(token));
    }
    std::string upper(token);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (int i = 0; i < spec_.name_count; ++i) {
      if (upper == spec_.names[i]) return spec_.name_base + i;
    }
    const bool suffixed = upper.back() == 'L' || upper.back() == 'W';
    if (upper.find('#') != std::string::npos || upper == "LW" ||
        (suffixed && std::all_of(upper.begin(), upper.end() - 1,
                                 [](char c) { return std::isdigit(c) != 0; }))) {
      return Error("'" + std::string(token) + "': the L, W and # forms are not supported here");
    }
    return Error("'" + std::string(token) + "' is not a number" +
                 (spec_.name_count > 0 ? " or a name such as " + std::string(spec_.names[0]) : ""));
  }

  Result<int> Value(std::string_view token) const {
    FB_ASSIGN_OR_RETURN(int v, Number(token));
    if (v < spec_.min || v > spec_.max) {
      return Error(std::to_string(v) + " is outside " + std::to_string(spec_.min) + "-" +
                   std::to_string(spec_.max));
    }
    return v;
  }

  Status ParseItem(std::string_view item, FieldValues* out) const {
    if (item.empty()) return Error("an empty list item");
    std::string_view base = item;
    int step = 1;
    bool stepped = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      base = item.substr(0, slash);
      std::string_view step_text = item.substr(slash + 1);
      if (step_text.empty() ||
          !std::all_of(step_text.begin(), step_text.end(),
                       [](char c) { return std::isdigit(c) != 0; }) ||
          step_text.size() > 4 || std::stoi(std::string(step_text)) == 0) {
        return Error("the step '" + std::string(step_text) + "' must be a positive number");
      }
      step = std::stoi(std::string(step_text));
      stepped = true;
    }
    int lo = spec_.min;
    int hi = spec_.max;
    if (base == "*" || base == "?") {
      if (base == "?" && !spec_.allow_question) {
        return Error("'?' is only allowed in day-of-month and day-of-week");
      }
      if (base == "?" && (item != "?" || text_ != "?")) {
        return Error("'?' must stand alone");
      }
    } else if (base == "L" || base == "l") {
      if (!spec_.allow_last || stepped || text_.size() != 1) {
        return Error("'L' is only allowed alone, in day-of-month of a legacy cron expression");
      }
      out->last = true;
      return Status::Ok();
    } else if (size_t dash = base.find('-'); dash != std::string_view::npos) {
      FB_ASSIGN_OR_RETURN(lo, Value(base.substr(0, dash)));
      FB_ASSIGN_OR_RETURN(hi, Value(base.substr(dash + 1)));
      if (lo > hi) {
        return Error("the range " + std::string(base) + " goes backwards");
      }
    } else {
      FB_ASSIGN_OR_RETURN(lo, Value(base));
      hi = stepped ? spec_.max : lo;
    }
    for (int v = lo; v <= hi; v += step) out->set[v] = true;
    return Status::Ok();
  }

  std::string_view expr_;
  const FieldSpec& spec_;
  std::string_view text_;
};

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

// The 5-field form of an alias, or empty.
std::string_view ExpandAlias(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!lower.empty() && lower[0] == '@') lower.erase(0, 1);
  if (lower == "yearly" || lower == "annually" || lower == "years") return "0 0 1 1 *";
  if (lower == "monthly" || lower == "months") return "0 0 1 * *";
  if (lower == "weekly" || lower == "weeks") return "0 0 * * 0";
  if (lower == "daily" || lower == "midnight" || lower == "days") return "0 0 * * *";
  if (lower == "hourly" || lower == "hours") return "0 * * * *";
  return "";
}

template <size_t N>
void CopyBits(const FieldValues& values, int offset, std::bitset<N>* out) {
  for (size_t v = 0; v < values.set.size(); ++v) {
    if (values.set[v]) out->set(v - offset);
  }
}

}  // namespace

Result<CronExpr> CronExpr::Parse(std::string_view text) {
  const std::string_view alias = ExpandAlias(text);
  if (!alias.empty()) return Parse(alias);
  if (!text.empty() && text[0] == '@') {
    return Status::InvalidArgument("cron expression '" + std::string(text) +
                                   "': unknown alias; use @yearly, @annually, @monthly, @weekly, "
                                   "@daily, @midnight or @hourly");
  }
  const auto fields = SplitFields(text);
  if (fields.size() != 5) {
    return Status::InvalidArgument(
        "cron expression '" + std::string(text) + "' has " + std::to_string(fields.size()) +
        " fields; expected 5 (minute hour day-of-month month day-of-week) or an alias such as "
        "@daily");
  }
  const FieldSpec specs[5] = {
      {.name = "minute", .min = 0, .max = 59},
      {.name = "hour", .min = 0, .max = 23},
      {.name = "day-of-month", .min = 1, .max = 31, .allow_question = true},
      {.name = "month", .min = 1, .max = 12, .names = kMonthNames.data(), .name_count = 12,
       .name_base = 1},
      {.name = "day-of-week", .min = 0, .max = 7, .names = kDayNames.data(), .name_count = 7,
       .name_base = 0, .allow_question = true},
  };
  FieldValues v[5];
  for (int i = 0; i < 5; ++i) {
    FB_ASSIGN_OR_RETURN(v[i], FieldParser(text, specs[i], fields[i]).Parse());
  }
  if (v[4].set[7]) v[4].set[0] = true;  // 7 is Sunday too
  v[4].set.resize(7);
  CronExpr out;
  CopyBits(v[0], 0, &out.minutes_);
  CopyBits(v[1], 0, &out.hours_);
  CopyBits(v[2], 0, &out.days_);
  CopyBits(v[3], 0, &out.months_);
  CopyBits(v[4], 0, &out.weekdays_);
  out.any_day_ = v[2].any;
  out.any_weekday_ = v[4].any;
  return out;
}

Result<CronExpr> CronExpr::ParseLegacy(std::string_view text) {
  const auto fields = SplitFields(text);
  if (fields.size() != 6) {
    return Status::InvalidArgument(
        "cron expression '" + std::string(text) + "' has " + std::to_string(fields.size()) +
        " fields; the legacy cron_expression takes 6 (minute hour day-of-month month "
        "day-of-week year), e.g. '0 10 ? * MON-FRI *'; use cron_schedule for 5 fields");
  }
  if ((fields[2] == "?") == (fields[4] == "?")) {
    return Status::InvalidArgument("cron expression '" + std::string(text) +
                                   "': exactly one of day-of-month and day-of-week must be '?'");
  }
  const FieldSpec specs[6] = {
      {.name = "minute", .min = 0, .max = 59},
      {.name = "hour", .min = 0, .max = 23},
      {.name = "day-of-month", .min = 1, .max = 31, .allow_question = true, .allow_last = true},
      {.name = "month", .min = 1, .max = 12, .names = kMonthNames.data(), .name_count = 12,
       .name_base = 1},
      {.name = "day-of-week", .min = 1, .max = 7, .names = kDayNames.data(), .name_count = 7,
       .name_base = 1, .allow_question = true},
      {.name = "year", .min = kFirstYear, .max = kLastYear},
  };
  FieldValues v[6];
  for (int i = 0; i < 6; ++i) {
    FB_ASSIGN_OR_RETURN(v[i], FieldParser(text, specs[i], fields[i]).Parse());
  }
  CronExpr out;
  CopyBits(v[0], 0, &out.minutes_);
  CopyBits(v[1], 0, &out.hours_);
  CopyBits(v[2], 0, &out.days_);
  CopyBits(v[3], 0, &out.months_);
  CopyBits(v[4], 1, &out.weekdays_);  // 1 = Sunday
  CopyBits(v[5], kFirstYear, &out.years_);
  out.any_day_ = v[2].any;
  out.last_day_ = v[2].last;
  out.any_weekday_ = v[4].any;
  out.any_year_ = v[5].any;
  return out;
}

bool CronExpr::YearMatches(int year) const {
  if (any_year_) return true;
  return year >= kFirstYear && year <= kLastYear && years_[year - kFirstYear];
}

bool CronExpr::DayMatches(ch::year_month_day ymd) const {
  const unsigned day = static_cast<unsigned>(ymd.day());
  const bool is_last = ymd.day() == (ymd.year() / ymd.month() / ch::last).day();
  const bool dom = days_[day] || (last_day_ && is_last);
  const bool dow = weekdays_[ch::weekday(ch::sys_days(ymd)).c_encoding()];
  if (any_day_ && any_weekday_) return true;
  if (any_day_) return dow;
  if (any_weekday_) return dom;
  return dom || dow;
}

std::optional<WallTime> CronExpr::Next(WallTime after) const {
  ch::sys_time<ch::minutes> t = ch::floor<ch::minutes>(after) + ch::minutes(1);
  int limit = static_cast<int>(ch::year_month_day(ch::floor<ch::days>(t)).year()) + 10;
  if (!any_year_) {
    limit = kFirstYear - 1;
    for (int y = kLastYear; y >= kFirstYear; --y) {
      if (years_[y - kFirstYear]) {
        limit = y;
        break;
      }
    }
  }
  while (true) {
    const ch::sys_days day = ch::floor<ch::days>(t);
    const ch::year_month_day ymd(day);
    const int year = static_cast<int>(ymd.year());
    if (year > limit) return std::nullopt;
    if (!YearMatches(year)) {
      t = ch::sys_days((ymd.year() + ch::years(1)) / ch::January / 1);
      continue;
    }
    if (!months_[static_cast<unsigned>(ymd.month())]) {
      t = ch::sys_days((ymd.year() / ymd.month() + ch::months(1)) / 1);
      continue;
    }
    if (!DayMatches(ymd)) {
      t = day + ch::days(1);
      continue;
    }
    const auto since_midnight = t - day;
    const auto hour = static_cast<int>(ch::floor<ch::hours>(since_midnight).count());
    const auto minute = static_cast<int>((since_midnight - ch::hours(hour)).count());
    if (!hours_[hour]) {
      t = day + ch::hours(hour + 1);
      continue;
    }
    if (!minutes_[minute]) {
      t += ch::minutes(1);
      continue;
    }
    return WallTime(t);
  }
}

}  // namespace flytebox::scheduler
