#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace flytebox::sandbox {

// An append-only log file rotated by size: when a write would take `path` past `max_bytes`,
// path.N-1 becomes path.N (the oldest, path.<keep>, is dropped), path becomes path.1 and a
// new path is started. keep == 0 truncates instead. Lines are never split across files
// when they fit. Files are created 0600. Not thread-safe.
class RotatingLog {
 public:
  RotatingLog(std::string path, int64_t max_bytes, int keep);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  Status Append(std::string_view bytes);
  const std::string& path() const { return path_; }

 private:
  Status Open();
  Status Rotate();
  Status WriteAll(std::string_view bytes);

  std::string path_;
  int64_t max_bytes_;
  int keep_;
  int fd_ = -1;
  int64_t size_ = 0;
};

}  // namespace flytebox::sandbox
