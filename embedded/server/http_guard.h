#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flytebox::server {

// The HTTP/1.1 side's door: every HTTP request (REST, /blobs, /logs, /healthz and any later
// route such as the console's) passes Check() before it is routed and before its body is
// read. It keeps web pages out of a sandbox listening on the user's machine:
// - Host must name the sandbox (localhost, 127.0.0.1, [::1] or the configured public name,
//   with one of its ports or none): a DNS-rebound name is refused with 421;
// - an Origin, when sent, must be the sandbox's own origin (scheme, allowed host, port):
//   another page's request is refused with 403, as are a browser's cross-site
//   sub-resource requests (Sec-Fetch-Site) and cross-site navigations other than GET;
// - a body needs an exact `application/json` or `application/octet-stream` type (parameters
//   such as charset allowed), so a browser's "simple" request (no type, text/plain, a form)
//   never reaches a handler: 415. Presigned `/blobs/` uploads are exempt: their URL carries
//   a signature no page can make, and a PUT is never a simple request;
// - API bodies are at most `max_api_body` bytes (the gRPC limit) and carry a Content-Length,
//   checked before they are read: 413 / 411.
// The gRPC side needs none of this: no browser speaks cleartext HTTP/2 with prior knowledge.
struct HttpGuardOptions {
  std::vector<int> ports;          // the engine's own port and the public URL's
  std::vector<std::string> hosts;  // names besides localhost, 127.0.0.1 and [::1]
  std::vector<std::string> schemes = {"http"};  // origins' schemes ("https" behind a proxy)
  uint64_t max_api_body = 32u << 20;
  // POST paths that also take application/x-www-form-urlencoded: the OAuth2 token endpoint
  // under --auth (OAuth2 clients send forms; it needs the client secret, and no other
  // origin can read its answer).
  std::vector<std::string> form_paths;
};

// What the guard looks at; empty strings for absent headers.
struct HttpRequestHead {
  std::string method;
  std::string path;
  std::string host;
  std::string origin;
  std::string content_type;
  std::string content_length;
  std::string transfer_encoding;
  std::string sec_fetch_site;
  std::string sec_fetch_mode;
};

struct HttpRefusal {
  int status;
  int grpc_code;  // for the JSON error body, in the REST gateway's shape
  std::string message;
  // {"code":N,"message":"...","details":[]}
  std::string JsonBody() const;
};

class HttpGuard {
 public:
  explicit HttpGuard(HttpGuardOptions options);

  std::optional<HttpRefusal> Check(const HttpRequestHead& head) const;

  // "http://localhost:30080", ...: every origin a page served by the sandbox has.
  std::vector<std::string> Origins() const;

 private:
  std::optional<HttpRefusal> CheckHost(const std::string& host) const;
  std::optional<HttpRefusal> CheckOrigin(const HttpRequestHead& head) const;
  std::optional<HttpRefusal> CheckBody(const HttpRequestHead& head) const;
  bool AllowedName(const std::string& name) const;
  bool AllowedPort(int port) const;

  HttpGuardOptions options_;
};

// The media type of a Content-Type value, lower case, without parameters or spaces:
// "Application/JSON; charset=utf-8" -> "application/json".
std::string MediaType(const std::string& content_type);

// True for exactly application/json or application/octet-stream (with any parameters).
bool IsApiBodyType(const std::string& content_type);

}  // namespace flytebox::server
