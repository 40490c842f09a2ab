#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"

namespace flytebox::server {

// Serves gRPC and HTTP/1.1 on one TCP port, as the Flyte sandbox does on 30080: each
// accepted connection is classified by its first bytes. The HTTP/2 client preface
// ("PRI * HTTP/2.0") goes to `grpc_handoff`, which takes ownership of the socket; anything
// else is spliced to the HTTP/1.1 server listening on `http_port` on loopback.
class Mux {
 public:
  struct Options {
    std::string bind_address = "127.0.0.1";
    int port = 30080;  // 0 picks a free port; see port()
    int http_port = 0;  // the internal HTTP/1.1 server's loopback port
    std::function<void(int fd)> grpc_handoff;
    // Beyond this, new connections are closed at once. Idle ones are closed after the
    // sniff timeout (10 s) or the HTTP server's keep-alive and read timeouts.
    int max_connections = 4096;
  };

  // Binds and listens; UNAVAILABLE naming the address when the port is taken.
  static Result<std::unique_ptr<Mux>> Listen(Options options);
  ~Mux();

  int port() const { return port_; }
  // Accepts in a background thread until Stop().
  void Start();
  void Stop();

 private:
  Mux(Options options, int fd, int port);
  void AcceptLoop();
  void Serve(int fd);
  void Splice(int client);

  Options options_;
  int listen_fd_;
  int port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread accept_thread_;
};

}  // namespace flytebox::server
