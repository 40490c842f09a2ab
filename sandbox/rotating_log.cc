#include "sandbox/rotating_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace flytebox::sandbox {

RotatingLog::RotatingLog(std::string path, int64_t max_bytes, int keep)
    : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {}

RotatingLog::~RotatingLog() {
  if (fd_ >= 0) close(fd_);
}

Status RotatingLog::Open() {
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return Status::Unavailable("cannot open " + path_ + ": " + std::strerror(errno));
  struct stat st{};
  size_ = fstat(fd_, &st) == 0 ? st.st_size : 0;
  return Status::Ok();
}

Status RotatingLog::Rotate() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (keep_ == 0) {
    if (truncate(path_.c_str(), 0) != 0 && errno != ENOENT) {
      return Status::Unavailable("cannot truncate " + path_ + ": " + std::strerror(errno));
    }
    return Open();
  }
  std::remove((path_ + "." + std::to_string(keep_)).c_str());
  for (int i = keep_ - 1; i >= 1; --i) {
    std::rename((path_ + "." + std::to_string(i)).c_str(),
                (path_ + "." + std::to_string(i + 1)).c_str());
  }
  std::rename(path_.c_str(), (path_ + ".1").c_str());
  return Open();
}

Status RotatingLog::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Unavailable("cannot write " + path_ + ": " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    size_ += n;
  }
  return Status::Ok();
}

Status RotatingLog::Append(std::string_view bytes) {
  if (fd_ < 0) FB_RETURN_IF_ERROR(Open());
  while (!bytes.empty()) {
    int64_t room = max_bytes_ - size_;
    if (room <= 0) {
      FB_RETURN_IF_ERROR(Rotate());
      continue;
    }
    if (static_cast<int64_t>(bytes.size()) <= room) return WriteAll(bytes);
    // Too much for this file: end it at the last line break that fits, if there is one.
    std::string_view head = bytes.substr(0, static_cast<size_t>(room));
    size_t cut = head.rfind('\n');
    if (cut != std::string_view::npos) {
      head = head.substr(0, cut + 1);
    } else if (size_ > 0) {
      head = {};  // an unbroken line: start it in a fresh file
    }
    FB_RETURN_IF_ERROR(WriteAll(head));
    bytes.remove_prefix(head.size());
    FB_RETURN_IF_ERROR(Rotate());
  }
  return Status::Ok();
}

}  // namespace flytebox::sandbox
