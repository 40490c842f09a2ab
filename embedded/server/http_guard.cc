#include "embedded/server/http_guard.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace flytebox::server {
namespace {

constexpr int kInvalidArgument = 3;
constexpr int kPermissionDenied = 7;
constexpr int kResourceExhausted = 8;
const char* const kLoopbackNames[] = {"localhost", "127.0.0.1", "[::1]"};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Digits only, 1..65535; -1 otherwise.
int ParsePort(const std::string& text) {
  int port = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) return -1;
  return port >= 1 && port <= 65535 ? port : -1;
}

// "name:port", "[v6]:port" or "name" -> name (lower case, brackets kept) and port (0: none,
// -1: malformed).
void SplitHostPort(const std::string& authority, std::string* name, int* port) {
  std::string a = Lower(authority);
  size_t colon = a.rfind(':');
  bool v6 = !a.empty() && a[0] == '[';
  if (colon == std::string::npos || (v6 && colon < a.find(']'))) {
    *name = a;
    *port = 0;
    return;
  }
  *name = a.substr(0, colon);
  *port = ParsePort(a.substr(colon + 1));
}

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

HttpRefusal Refuse(int status, int code, std::string message) {
  return HttpRefusal{status, code, std::move(message)};
}

}  // namespace

std::string HttpRefusal::JsonBody() const {
  return "{\"code\":" + std::to_string(grpc_code) + ",\"message\":\"" + JsonEscape(message) +
         "\",\"details\":[]}";
}

std::string MediaType(const std::string& content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

bool IsApiBodyType(const std::string& content_type) {
  std::string type = MediaType(content_type);
  return type == "application/json" || type == "application/octet-stream";
}

HttpGuard::HttpGuard(HttpGuardOptions options) : options_(std::move(options)) {
  for (std::string& h : options_.hosts) h = Lower(h);
  for (std::string& s : options_.schemes) s = Lower(s);
}

bool HttpGuard::AllowedName(const std::string& name) const {
  for (const char* n : kLoopbackNames) {
    if (name == n) return true;
  }
  return std::find(options_.hosts.begin(), options_.hosts.end(), name) != options_.hosts.end();
}

bool HttpGuard::AllowedPort(int port) const {
  return std::find(options_.ports.begin(), options_.ports.end(), port) != options_.ports.end();
}

std::vector<std::string> HttpGuard::Origins() const {
  std::vector<std::string> names(std::begin(kLoopbackNames), std::end(kLoopbackNames));
  names.insert(names.end(), options_.hosts.begin(), options_.hosts.end());
  std::vector<std::string> out;
  for (const std::string& scheme : options_.schemes) {
    for (const std::string& name : names) {
      for (int port : options_.ports) out.push_back(scheme + "://" + name + ":" + std::to_string(port));
    }
  }
  return out;
}

std::optional<HttpRefusal> HttpGuard::CheckHost(const std::string& host) const {
  std::string name;
  int port = 0;
  SplitHostPort(Trim(host), &name, &port);
  // The name is what rebinding cannot fake. A loopback or public name without a port
  // (probes and HTTP/1.0 clients send one) is fine; a wrong port is not.
  bool ok = AllowedName(name) && (port == 0 || AllowedPort(port));
  if (ok) return std::nullopt;
  std::string allowed;
  for (const char* n : kLoopbackNames) allowed += std::string(allowed.empty() ? "" : ", ") + n;
  for (const std::string& h : options_.hosts) allowed += ", " + h;
  return Refuse(421, kPermissionDenied,
                "Host '" + host + "' is not this sandbox: use one of " + allowed +
                    " with the sandbox's port (a page reached under another name is refused)");
}

std::optional<HttpRefusal> HttpGuard::CheckOrigin(const HttpRequestHead& head) const {
  std::string origin = Lower(Trim(head.origin));
  if (!origin.empty()) {
    size_t sep = origin.find("://");
    std::string scheme = sep == std::string::npos ? "" : origin.substr(0, sep);
    std::string name;
    int port = -1;
    if (sep != std::string::npos) SplitHostPort(origin.substr(sep + 3), &name, &port);
    if (port == 0) port = scheme == "https" ? 443 : 80;
    bool ok = std::find(options_.schemes.begin(), options_.schemes.end(), scheme) !=
                  options_.schemes.end() &&
              AllowedName(name) && AllowedPort(port);
    if (!ok) {
      return Refuse(403, kPermissionDenied,
                    "requests from the web page at origin '" + head.origin +
                        "' are refused: only the sandbox's own pages may call it");
    }
    return std::nullopt;
  }
  // No Origin: a program, or a browser's GET of a sub-resource (an image, a script).
  std::string site = Lower(Trim(head.sec_fetch_site));
  if (site == "cross-site" || site == "same-site") {
    bool navigation = Lower(Trim(head.sec_fetch_mode)) == "navigate";
    if (!navigation || (head.method != "GET" && head.method != "HEAD")) {
      return Refuse(403, kPermissionDenied,
                    "a " + site + " browser request is refused: only the sandbox's own pages "
                    "may call it");
    }
  }
  return std::nullopt;
}

std::optional<HttpRefusal> HttpGuard::CheckBody(const HttpRequestHead& head) const {
  bool chunked = !Trim(head.transfer_encoding).empty();
  std::string length_text = Trim(head.content_length);
  uint64_t length = 0;
  if (!length_text.empty()) {
    auto [p, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(),
                                   length);
    if (ec != std::errc() || p != length_text.data() + length_text.size()) {
      return Refuse(400, kInvalidArgument, "Content-Length '" + length_text + "' is not a number");
    }
  }
  if (!chunked && length == 0) return std::nullopt;  // no body
  // Presigned uploads: the signature in the URL is the authority; flytekit sends no type.
  if (head.method == "PUT" && StartsWith(head.path, "/blobs/")) return std::nullopt;
  bool form_ok = head.method == "POST" &&
                 MediaType(head.content_type) == "application/x-www-form-urlencoded" &&
                 std::find(options_.form_paths.begin(), options_.form_paths.end(), head.path) !=
                     options_.form_paths.end();
  if (!form_ok && !IsApiBodyType(head.content_type)) {
    std::string got = head.content_type.empty() ? "no Content-Type" : "unsupported Content-Type '" +
                                                                           head.content_type + "'";
    return Refuse(415, kInvalidArgument,
                  got + ": send application/json or application/octet-stream");
  }
  if (chunked) {
    return Refuse(411, kInvalidArgument,
                  "a request body needs a Content-Length (chunked bodies are not accepted)");
  }
  if (length > options_.max_api_body) {
    return Refuse(413, kResourceExhausted,
                  "the request body is " + std::to_string(length) + " bytes; at most " +
                      std::to_string(options_.max_api_body) + " are accepted");
  }
  return std::nullopt;
}

std::optional<HttpRefusal> HttpGuard::Check(const HttpRequestHead& head) const {
  if (auto r = CheckHost(head.host)) return r;
  if (auto r = CheckOrigin(head)) return r;
  return CheckBody(head);
}

}  // namespace flytebox::server
