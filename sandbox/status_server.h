#pragma once

#include <functional>
#include <list>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "sandbox/poll_set.h"

namespace flytebox::sandbox {

// A deliberately small HTTP/1.x server for the supervisor's one status endpoint, run by the
// supervisor's own poll loop (no threads): GET requests only, one answer per connection,
// requests up to 8 KiB, connections dropped after 5 s. Not thread-safe.
class StatusServer {
 public:
  struct Answer {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
  };
  // Called with the request path (query included) of each GET.
  using Handler = std::function<Answer(const std::string& path)>;

  // Listens on "unix:PATH" or "tcp:HOST:PORT" (see net.h).
  static Result<std::unique_ptr<StatusServer>> Start(const std::string& address, Handler handler,
                                                     Clock* clock);
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  void AddTo(PollSet* set);
  // Drops connections that have been open too long.
  void Expire();
  const std::string& address() const { return address_; }

 private:
  struct Conn {
    int fd;
    Clock::MonoTime opened;
    std::string in;
    std::string out;
    bool answered = false;
  };

  StatusServer(int fd, std::string address, Handler handler, Clock* clock)
      : listen_fd_(fd), address_(std::move(address)), handler_(std::move(handler)), clock_(clock) {}
  void Accept();
  // Returns false when the connection is finished.
  bool OnConn(Conn* conn, short revents);
  void Respond(Conn* conn);

  int listen_fd_;
  std::string address_;
  Handler handler_;
  Clock* clock_;
  std::list<Conn> conns_;
};

}  // namespace flytebox::sandbox
