#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace flytebox::blob {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  const std::string* body = nullptr;  // PUT only; not owned, must outlive Send()
};

struct HttpResponse {
  long status = 0;
  std::string body;             // empty for HEAD
  int64_t content_length = -1;  // the Content-Length header, -1 when absent
};

// The object store's one way to the network, so that tests can put a fault-injecting
// double between the store and a real server. Thread-safe: Send() may be called from many
// threads at once.
class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Any HTTP status is a response. UNAVAILABLE when no answer came (refused, reset, timed
  // out); its message says what failed, never the URL.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;

  // The real one: HTTP/1.1 over libcurl, keeping idle connections in a pool of handles so
  // that many small requests to one server reuse connections (when the server keeps them
  // alive). Each Send() takes a handle from the pool for its duration.
  static std::unique_ptr<HttpClient> NewCurl();
};

// Forwards every call to `target` (not owned, outlives the wrapper). A fault-injecting
// double subclasses it and overrides only what it breaks (fail, delay), the rest reaching
// the real client.
class HttpClientWrapper : public HttpClient {
 public:
  explicit HttpClientWrapper(HttpClient* target) : target_(target) {}
  Result<HttpResponse> Send(const HttpRequest& request) override { return target_->Send(request); }
  HttpClient* target() const { return target_; }

 private:
  HttpClient* target_;
};

}  // namespace flytebox::blob
