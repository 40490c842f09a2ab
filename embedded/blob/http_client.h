#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/thread_annotations.h"

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

// HTTP/1.1 over libcurl, keeping idle connections in a pool of handles so that many small
// requests to one server reuse connections (when the server keeps them alive).
// Thread-safe: each Send() takes a handle from the pool for its duration.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any HTTP status is a response. UNAVAILABLE when no answer came (refused, reset, timed
  // out); its message is curl's description of the failure, never the URL.
  Result<HttpResponse> Send(const HttpRequest& request);

 private:
  void* Acquire();
  void Release(void* handle);

  std::mutex mu_;
  std::vector<void*> idle_ GUARDED_BY(mu_);  // CURL* easy handles
};

}  // namespace flytebox::blob
