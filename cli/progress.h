#pragma once

#include <ostream>
#include <string>

#include "common/clock.h"

namespace flytebox::cli {

// Progress of a multi-phase command, one phase at a time. On a terminal the running phase
// shows as "  … phase" and is rewritten in place as "  ✓ phase (12 ms)" or "  ✗ phase";
// otherwise each phase prints one plain line when it ends ("phase: ok (12 ms)").
class Progress {
 public:
  Progress(std::ostream& out, bool tty, Clock* clock) : out_(out), tty_(tty), clock_(clock) {}
  ~Progress() { End(false, ""); }

  void Begin(const std::string& phase);
  // Ends the running phase, if any; `note` is added in parentheses after the time.
  void End(bool ok, const std::string& note = "");
  // A line of its own (ends nothing).
  void Note(const std::string& line);

 private:
  std::ostream& out_;
  bool tty_;
  Clock* clock_;
  std::string phase_;
  Clock::MonoTime began_{};
};

}  // namespace flytebox::cli
