#pragma once

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace flytebox::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

std::string_view LevelName(Level level);
// Parses "debug", "info", "warn", "error", "off" (any case); nullopt-like kOff+1 is never
// returned: unknown names yield false and leave `out` untouched.
bool ParseLevel(std::string_view text, Level* out);

struct Record {
  Level level;
  std::string_view component;
  std::string_view message;
};

// Where records go. Called with the sink's own lock held by the logging system, so a sink
// needs no locking of its own; it must not log.
using Sink = std::function<void(const Record&)>;

// Process-wide settings. Thread-safe.
void SetLevel(Level level);
Level GetLevel();
void SetSink(Sink sink);
// The default sink: "2026-11-26T05:00:00.123Z INFO  [engine] message" lines on stderr.
Sink StderrSink();

bool Enabled(Level level);
void Write(Level level, std::string_view component, std::string_view message);

// Collects one message and writes it when destroyed.
class Line {
 public:
  Line(Level level, std::string_view component) : level_(level), component_(component) {}
  ~Line() { Write(level_, component_, stream_.str()); }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  Level level_;
  std::string_view component_;
  std::ostringstream stream_;
};

}  // namespace flytebox::log

// FB_LOG(kInfo, "engine") << "listening on " << port;  — formats only when enabled.
#define FB_LOG(level, component)                                        \
  if (!::flytebox::log::Enabled(::flytebox::log::Level::level)) {       \
  } else                                                                \
    ::flytebox::log::Line(::flytebox::log::Level::level, component).stream()
