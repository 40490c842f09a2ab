// The text form of `flytebox demo status`.
#include <algorithm>
#include <cstdio>
#include <sstream>

#include "cli/native_runtime.h"

namespace flytebox::cli {
namespace {

std::string Duration(double seconds) {
  long s = static_cast<long>(seconds);
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%lds", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  }
  return buf;
}

std::string Megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string Cpu(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", seconds);
  return buf;
}

std::string Ports(const std::vector<int>& ports) {
  std::string out;
  for (int p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out.empty() ? "-" : out;
}

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string StatusTable(const sandbox::SupervisorStatus& s, const std::string& state_dir,
                        const std::string& endpoint, const std::string& mode) {
  std::ostringstream out;
  out << "Flytebox sandbox (" << mode << "): " << (s.ready ? "ready" : "NOT READY") << "\n"
      << "  supervisor pid " << s.pid << ", up " << Duration(s.uptime_seconds) << ", "
      << Megabytes(s.rss_bytes) << ", state in " << state_dir << "\n";
  if (!endpoint.empty()) out << "  Flyte API: " << endpoint << "\n";
  if (!s.reload_error.empty()) out << "  last reload refused: " << s.reload_error << "\n";
  size_t name_width = 12;  // wider for longer names (controller-manager)
  for (const auto& c : s.components) name_width = std::max(name_width, c.name.size() + 2);
  const size_t widths[] = {name_width, 15, 7, 10, 9, 9, 8, 10, 8};
  const char* headers[] = {"COMPONENT", "STATE", "READY", "RESTARTS", "PID",
                           "UPTIME",    "CPU",   "MEMORY", "PORTS"};
  out << "\n";
  for (size_t i = 0; i < 9; ++i) out << Pad(headers[i], widths[i]);
  out << "VERSION\n";
  std::string notes;
  for (const auto& c : s.components) {
    std::string cols[] = {c.name,
                          c.state,
                          c.ready ? "yes" : "no",
                          std::to_string(c.restarts),
                          c.pid > 0 ? std::to_string(c.pid) : "-",
                          c.pid > 0 ? Duration(c.uptime_seconds) : "-",
                          c.pid > 0 ? Cpu(c.cpu_seconds) : "-",
                          c.pid > 0 ? Megabytes(c.rss_bytes) : "-",
                          Ports(c.ports)};
    for (size_t i = 0; i < 9; ++i) out << Pad(cols[i], widths[i]);
    out << (c.version.empty() ? "-" : c.version) << "\n";
    if (!c.ready && (!c.detail.empty() || !c.last_exit.empty())) {
      notes += "  " + c.name + ": " + (c.detail.empty() ? "" : c.detail) +
               (c.last_exit.empty() ? "" : std::string(c.detail.empty() ? "" : "; ") +
                                               "last exit: " + c.last_exit) +
               "; log " + c.log + "\n";
    }
  }
  if (!notes.empty()) out << "\n" << notes;
  return out.str();
}

}  // namespace flytebox::cli
