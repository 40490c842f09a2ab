#include "embedded/kube/client.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace flytebox::kube {
namespace {

std::once_flag curl_init;

size_t Collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

curl_blob Blob(const std::string& pem) {
  curl_blob b{};
  b.data = const_cast<char*>(pem.data());
  b.len = pem.size();
  b.flags = CURL_BLOB_NOCOPY;
  return b;
}

struct StreamState {
  const std::function<void(std::string_view)>* on_line;  // every line, or every chunk (!lines)
  bool lines;
  const std::function<bool()>* stop;
  long status = 0;
  CURL* curl = nullptr;
  std::string pending;  // the unfinished line, or the whole body of a non-200 answer
};

size_t StreamWrite(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<StreamState*>(user);
  if (s->status == 0) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
  s->pending.append(data, size * n);
  if (s->status != 200) return size * n;
  if (!s->lines) {
    (*s->on_line)(s->pending);
    s->pending.clear();
    return size * n;
  }
  size_t start = 0;
  for (size_t nl; (nl = s->pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (nl > start) (*s->on_line)(std::string_view(s->pending).substr(start, nl - start));
  }
  s->pending.erase(0, start);
  return size * n;
}

int StreamProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* s = static_cast<StreamState*>(user);
  return (*s->stop)() ? 1 : 0;
}

}  // namespace

Result<std::unique_ptr<Client>> Client::Open(ClusterAccess access) {
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (access.server.empty()) return Status::InvalidArgument("no API server URL");
  return std::unique_ptr<Client>(new Client(std::move(access)));
}

Client::~Client() {
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* Client::Take() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* h = idle_.back();
      idle_.pop_back();
      curl_easy_reset(static_cast<CURL*>(h));
      return h;
    }
  }
  return curl_easy_init();
}

void Client::Give(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < 8) {
    idle_.push_back(handle);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void Client::Configure(void* handle, const std::string& path) const {
  CURL* c = static_cast<CURL*>(handle);
  std::string url = access_.server + path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (!access_.ca_pem.empty()) {
    curl_blob ca = Blob(access_.ca_pem);
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (access_.insecure_skip_tls_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!access_.client_cert_pem.empty()) {
    curl_blob cert = Blob(access_.client_cert_pem);
    curl_blob key = Blob(access_.client_key_pem);
    curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

Result<Response> Client::Call(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& content_type) {
  CURL* c = static_cast<CURL*>(Take());
  if (!c) return Status::Internal("curl_easy_init failed");
  Configure(c, path);
  Response r;
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!access_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + access_.token).c_str());
  }
  // A body for everything but GET, and for DELETE only when there is one (delete options).
  bool sends_body = method != "GET" && (method != "DELETE" || !body.empty());
  if (sends_body) {
    headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    curl_easy_cleanup(c);
    return Status::Unavailable("Kubernetes API " + access_.server + ": " + method + " " + path +
                               ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  Give(c);
  return r;
}

Result<Response> Client::Stream(const std::string& path,
                                const std::function<void(std::string_view)>& on_line,
                                const std::function<bool()>& stop) {
  return StreamGet(path, on_line, stop, true);
}

Result<Response> Client::StreamBytes(const std::string& path,
                                     const std::function<void(std::string_view)>& on_data,
                                     const std::function<bool()>& stop) {
  return StreamGet(path, on_data, stop, false);
}

Result<Response> Client::StreamGet(const std::string& path,
                                   const std::function<void(std::string_view)>& on_line,
                                   const std::function<bool()>& stop, bool lines) {
  CURL* c = static_cast<CURL*>(Take());
  if (!c) return Status::Internal("curl_easy_init failed");
  Configure(c, path);
  StreamState s{&on_line, lines, &stop, 0, c, {}};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!access_.token.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + access_.token).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, StreamWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, StreamProgress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
  // A silent watch still gets the progress callback about once a second.
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  Response r;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_cleanup(c);  // a stream's connection is not reused
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Response{200, ""};
  if (rc != CURLE_OK) {
    return Status::Unavailable("Kubernetes API " + access_.server + ": GET " + path + ": " +
                               curl_easy_strerror(rc));
  }
  if (s.status != 0) r.status = s.status;
  if (r.status != 200)
    r.body = std::move(s.pending);
  else if (!s.pending.empty())
    on_line(s.pending);
  return r;
}

Status StatusOf(const Response& r, const std::string& what) {
  std::string message;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    message = j["message"].get<std::string>();
  } else {
    message = r.body.substr(0, 300);
  }
  std::string text = what + ": HTTP " + std::to_string(r.status) + ": " + message;
  switch (r.status) {
    case 400:
    case 422: return Status::InvalidArgument(text);
    case 401:
    case 403: return Status::PermissionDenied(text);
    case 404: return Status::NotFound(text);
    case 409: return Status::AlreadyExists(text);
    case 410: return Status::Aborted(text);
    default: return Status::Unavailable(text);
  }
}

std::string QueryEscape(std::string_view value) { return strings::PercentEncode(value, false); }

}  // namespace flytebox::kube
