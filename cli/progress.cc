#include "cli/progress.h"

#include <cstdio>

namespace flytebox::cli {
namespace {

std::string Millis(Clock::MonoTime::duration d) {
  double ms = std::chrono::duration<double, std::milli>(d).count();
  char buf[32];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
  }
  return buf;
}

}  // namespace

void Progress::Begin(const std::string& phase) {
  End(true);
  phase_ = phase;
  began_ = clock_->Monotonic();
  if (tty_) out_ << "  \u2026 " << phase_ << std::flush;
}

void Progress::End(bool ok, const std::string& note) {
  if (phase_.empty()) return;
  std::string took = Millis(clock_->Monotonic() - began_);
  std::string tail = note.empty() ? took : took + ", " + note;
  if (tty_) {
    out_ << "\r\033[K  " << (ok ? "\u2713 " : "\u2717 ") << phase_ << " (" << tail << ")\n";
  } else {
    out_ << phase_ << ": " << (ok ? "ok" : "failed") << " (" << tail << ")\n";
  }
  out_.flush();
  phase_.clear();
}

void Progress::Note(const std::string& line) {
  if (tty_ && !phase_.empty()) out_ << "\r\033[K";
  out_ << line << "\n";
  if (tty_ && !phase_.empty()) out_ << "  \u2026 " << phase_;
  out_.flush();
}

}  // namespace flytebox::cli
