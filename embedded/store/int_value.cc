// ParseIntValue: filter values for integer columns (decimal, or RFC 3339 for *_at columns).
#include <charconv>
#include <chrono>

#include "embedded/store/sql_query.h"

namespace flytebox::store::internal {
namespace {

// Reads exactly `width` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t width, int* out) {
  if (*pos + width > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += width;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, std::string_view any_of) {
  if (*pos >= s.size() || any_of.find(s[*pos]) == std::string_view::npos) return false;
  ++*pos;
  return true;
}

// Microseconds of a fraction ".123456789" (digits past the sixth are dropped).
bool Fraction(std::string_view s, size_t* pos, int64_t* micros) {
  *micros = 0;
  if (*pos >= s.size() || s[*pos] != '.') return true;
  ++*pos;
  size_t n = 0;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') {
    if (n < 6) *micros = *micros * 10 + (s[*pos] - '0');
    ++n;
    ++*pos;
  }
  for (size_t i = n; i < 6; ++i) *micros *= 10;
  return n > 0;
}

// Offset east of UTC in seconds: "Z", "+HH:MM" or "-HH:MM".
bool Zone(std::string_view s, size_t* pos, int64_t* offset_seconds) {
  if (Expect(s, pos, "Zz")) {
    *offset_seconds = 0;
    return true;
  }
  if (*pos >= s.size() || (s[*pos] != '+' && s[*pos] != '-')) return false;
  const int sign = s[*pos] == '-' ? -1 : 1;
  ++*pos;
  int hh = 0;
  int mm = 0;
  if (!Digits(s, pos, 2, &hh) || !Expect(s, pos, ":") || !Digits(s, pos, 2, &mm)) return false;
  *offset_seconds = sign * (hh * 3600 + mm * 60);
  return true;
}

bool ParseTimestamp(std::string_view s, int64_t* micros) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t fraction = 0;
  int64_t offset = 0;
  if (!Digits(s, &pos, 4, &year) || !Expect(s, &pos, "-") || !Digits(s, &pos, 2, &month) ||
      !Expect(s, &pos, "-") || !Digits(s, &pos, 2, &day) || !Expect(s, &pos, "Tt ") ||
      !Digits(s, &pos, 2, &hour) || !Expect(s, &pos, ":") || !Digits(s, &pos, 2, &minute) ||
      !Expect(s, &pos, ":") || !Digits(s, &pos, 2, &second) || !Fraction(s, &pos, &fraction) ||
      !Zone(s, &pos, &offset) || pos != s.size()) {
    return false;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return false;
  const int64_t days = sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  *micros = seconds * 1'000'000 + fraction;
  return true;
}

}  // namespace

Result<int64_t> ParseIntValue(std::string_view column, std::string_view text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc() && ptr == end) return value;
  const bool is_time = column.size() > 3 && column.substr(column.size() - 3) == "_at";
  if (is_time && ParseTimestamp(text, &value)) return value;
  return Status::InvalidArgument("'" + std::string(text) + "' is not " +
                                 (is_time ? "an integer or an RFC 3339 timestamp" : "an integer") +
                                 " (column " + std::string(column) + ")");
}

}  // namespace flytebox::store::internal
