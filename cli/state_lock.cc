#include "cli/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flytebox::cli {

Result<StateLock> StateLock::TryAcquire(const std::string& lock_path, Clock* clock) {
  // The file may be deleted (teardown --volume) between open and flock; then the lock we
  // got guards nothing, so try again on the new file.
  for (int attempt = 0; attempt < 5; ++attempt) {
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Status::Unavailable("cannot open " + lock_path + ": " + std::strerror(errno));
    }
    int rc = flock(fd, LOCK_EX | LOCK_NB);
    // IsHeld() takes the lock shared for an instant; do not mistake it for a sandbox.
    for (int i = 0; i < 3 && rc != 0 && errno == EWOULDBLOCK; ++i) {
      clock->SleepUntil(clock->Monotonic() + std::chrono::milliseconds(2));
      rc = flock(fd, LOCK_EX | LOCK_NB);
    }
    if (rc != 0) {
      int err = errno;
      close(fd);
      if (err == EWOULDBLOCK) return Status::AlreadyExists("a sandbox is already running");
      return Status::Unavailable("cannot lock " + lock_path + ": " + std::strerror(err));
    }
    struct stat held{}, now{};
    if (fstat(fd, &held) == 0 && stat(lock_path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      return StateLock(fd);
    }
    close(fd);
  }
  return Status::Unavailable("the lock file " + lock_path + " keeps being replaced");
}

bool StateLock::IsHeld(const std::string& lock_path) {
  int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace flytebox::cli
