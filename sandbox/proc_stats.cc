#include "sandbox/proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace flytebox::sandbox {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Fields of /proc/<pid>/stat after "(comm)", which may itself hold spaces and parentheses.
bool ParseStat(const std::string& text, ProcStats* out) {
  size_t close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return false;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  std::vector<std::string> fields;
  while (rest >> field) fields.push_back(field);
  // fields[0] is state (field 3 of stat), [1] ppid, [11] utime, [12] stime.
  if (fields.size() < 13) return false;
  out->state = fields[0].empty() ? '?' : fields[0][0];
  out->ppid = static_cast<pid_t>(std::atol(fields[1].c_str()));
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  out->cpu_seconds = (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
  return true;
}

int64_t ParseRss(const std::string& status) {
  size_t at = status.find("VmRSS:");
  if (at == std::string::npos) return 0;
  return std::atoll(status.c_str() + at + 6) * 1024;  // reported in kB
}

}  // namespace

std::optional<ProcStats> ReadProcStats(pid_t pid) {
  std::string base = "/proc/" + std::to_string(pid);
  ProcStats stats;
  if (!ParseStat(ReadSmallFile(base + "/stat"), &stats)) return std::nullopt;
  stats.rss_bytes = ParseRss(ReadSmallFile(base + "/status"));
  return stats;
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  DIR* dir = opendir("/proc");
  if (!dir) return out;
  while (dirent* entry = readdir(dir)) {
    char* end = nullptr;
    long pid = std::strtol(entry->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    ProcStats stats;
    if (ParseStat(ReadSmallFile(std::string("/proc/") + entry->d_name + "/stat"), &stats) &&
        stats.ppid == parent) {
      out.push_back(static_cast<pid_t>(pid));
    }
  }
  closedir(dir);
  return out;
}

}  // namespace flytebox::sandbox
