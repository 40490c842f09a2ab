#include "embedded/server/http_threads.h"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace flytebox::server {
namespace {

constexpr time_t kReadTimeoutSec = 10;
constexpr time_t kWriteTimeoutSec = 30;
constexpr time_t kKeepAliveSec = 5;

// httplib's task queue as one detached thread per connection; shutdown() waits for them.
class ThreadPerConnection : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++running_;
    }
    std::thread([this, fn = std::move(fn)] {
      fn();
      std::lock_guard<std::mutex> lock(mu_);
      if (--running_ == 0) idle_.notify_all();
    }).detach();
  }

  void shutdown() override {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return running_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  int running_ = 0;
};

}  // namespace

void HardenHttpServer(httplib::Server& server) {
  server.new_task_queue = [] { return new ThreadPerConnection(); };
  server.set_read_timeout(kReadTimeoutSec, 0);
  server.set_write_timeout(kWriteTimeoutSec, 0);
  server.set_keep_alive_timeout(kKeepAliveSec);
  // Replies go out as a head write then a body write. Behind the mux (a loopback hop) Nagle's
  // algorithm held the body until the mux's delayed ACK, 40 ms later, on about one request
  // in three (measured by scripts/bench-console.sh); send each write at once instead.
  server.set_tcp_nodelay(true);
}

}  // namespace flytebox::server
