#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "embedded/kube/kubeconfig.h"

namespace flytebox::kube {

struct Response {
  long status = 0;  // HTTP status
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

// The Kubernetes REST API over libcurl: TLS with the cluster's authority, a client
// certificate or a bearer token. Thread-safe; connections are pooled.
class Client {
 public:
  static Result<std::unique_ptr<Client>> Open(ClusterAccess access);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request. Any HTTP answer is a Response (the caller judges its status); UNAVAILABLE
  // when the server cannot be reached or the exchange breaks.
  Result<Response> Call(const std::string& method, const std::string& path,
                        const std::string& body = "",
                        const std::string& content_type = "application/json");

  // A streaming GET (watch, log follow): `on_line` gets every complete line of a 200 answer
  // as it arrives. Returns when the server ends the answer or `stop` returns true (asked at
  // least once a second); a non-200 answer is returned whole.
  Result<Response> Stream(const std::string& path,
                          const std::function<void(std::string_view)>& on_line,
                          const std::function<bool()>& stop);

  // The same, with the answer's bytes as they arrive (a pod's log followed), in any chunks.
  Result<Response> StreamBytes(const std::string& path,
                               const std::function<void(std::string_view)>& on_data,
                               const std::function<bool()>& stop);

  const std::string& server() const { return access_.server; }

 private:
  explicit Client(ClusterAccess access) : access_(std::move(access)) {}
  void* Take();
  void Give(void* handle);
  void Configure(void* handle, const std::string& path) const;
  Result<Response> StreamGet(const std::string& path,
                             const std::function<void(std::string_view)>& on_data,
                             const std::function<bool()>& stop, bool lines);

  ClusterAccess access_;
  std::mutex mu_;
  std::vector<void*> idle_;  // CURL*; guarded by mu_
};

// The Status for an answer that is not 2xx: the HTTP status mapped to a code (404
// NOT_FOUND, 409 ALREADY_EXISTS, 401/403 PERMISSION_DENIED, 400/422 INVALID_ARGUMENT, 410
// ABORTED: the resourceVersion is too old, else UNAVAILABLE), with the server's message.
Status StatusOf(const Response& r, const std::string& what);

// Percent-encodes a query value (label selectors hold '=' and ',').
std::string QueryEscape(std::string_view value);

}  // namespace flytebox::kube
