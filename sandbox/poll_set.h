#pragma once

#include <poll.h>

#include <functional>
#include <vector>

namespace flytebox::sandbox {

// The descriptors one turn of the supervisor's loop waits on, each with what to do when
// it is ready. Rebuilt every turn, so a callback may close its own descriptor.
class PollSet {
 public:
  using Callback = std::function<void(short revents)>;

  void Add(int fd, short events, Callback callback) {
    fds_.push_back(pollfd{fd, events, 0});
    callbacks_.push_back(std::move(callback));
  }

  // Waits up to `timeout_ms` (-1: no limit) and runs the callbacks of ready descriptors.
  void Wait(int timeout_ms) {
    int n = poll(fds_.data(), fds_.size(), timeout_ms);
    if (n <= 0) return;
    for (size_t i = 0; i < fds_.size(); ++i) {
      if (fds_[i].revents != 0) callbacks_[i](fds_[i].revents);
    }
  }

 private:
  std::vector<pollfd> fds_;
  std::vector<Callback> callbacks_;
};

}  // namespace flytebox::sandbox
