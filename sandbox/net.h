#pragma once

#include <chrono>
#include <string>

#include "common/result.h"

namespace flytebox::sandbox {

// Socket helpers for the status endpoint and the readiness probes. Addresses are written
// "unix:PATH" or "tcp:HOST:PORT" (HOST an IPv4 or IPv6 literal, or "localhost"). Unix socket
// paths longer than sockaddr_un allows are reached through their folder's descriptor.

// A listening, non-blocking, close-on-exec socket. A stale Unix socket file is replaced.
Result<int> Listen(const std::string& address);

// Starts a non-blocking connect; the descriptor becomes writable when it completes (check
// SO_ERROR). `*in_progress` tells whether it is still connecting.
Result<int> StartConnect(const std::string& address, bool* in_progress);

// "tcp:HOST:PORT" for a host and port, bracketing IPv6 literals as needed by Parse.
std::string TcpAddress(const std::string& host, int port);

struct HttpReply {
  int status = 0;
  std::string body;
};

// A blocking HTTP/1.0 GET of `path` at `address`, for small answers (status JSON).
// UNAVAILABLE when nothing listens; DEADLINE_EXCEEDED after `timeout`.
Result<HttpReply> HttpGet(const std::string& address, const std::string& path,
                          std::chrono::milliseconds timeout);

// Parses the status line and body of a complete HTTP/1.x response.
Result<HttpReply> ParseHttpReply(const std::string& raw);

}  // namespace flytebox::sandbox
