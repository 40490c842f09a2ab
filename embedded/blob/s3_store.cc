#include "embedded/blob/s3_store.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/log.h"
#include "common/strings.h"
#include "embedded/blob/http_client.h"
#include "embedded/blob/sigv4.h"

namespace flytebox::blob {
namespace {

using json = nlohmann::json;

constexpr char kLog[] = "blob";

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    size_t end = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (end == std::string_view::npos) {
      out += text[i];
      continue;
    }
    std::string_view entity = text.substr(i + 1, end - i - 1);
    if (entity == "amp") out += '&';
    else if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string_view digits = entity.substr(hex ? 2 : 1);
      unsigned value = 0;
      std::from_chars(digits.data(), digits.data() + digits.size(), value, hex ? 16 : 10);
      out += static_cast<char>(value);  // S3 escapes only control characters this way
    } else {
      out += text.substr(i, end - i + 1);
    }
    i = end;
  }
  return out;
}

// The text of the first <tag> element at or after `*from`; advances `*from` past it.
std::string XmlText(const std::string& xml, const std::string& tag, size_t* from = nullptr) {
  size_t start = from ? *from : 0;
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t a = xml.find(open, start);
  if (a == std::string::npos) {
    if (from) *from = std::string::npos;
    return "";
  }
  a += open.size();
  size_t b = xml.find(close, a);
  if (b == std::string::npos) b = xml.size();
  if (from) *from = b;
  return XmlUnescape(std::string_view(xml).substr(a, b - a));
}

bool ValidBucketName(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::islower(u) || std::isdigit(u);
  };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

}  // namespace

struct S3Store::Call {
  std::string method;
  std::string path;  // URI-encoded
  std::vector<std::pair<std::string, std::string>> query;
  const std::string* body = nullptr;
  std::string what;  // the object or bucket, for messages
};

std::map<std::string, std::string> FlytekitEnv(const S3Config& config) {
  return {{"FLYTE_AWS_ENDPOINT", config.endpoint},
          {"FLYTE_AWS_ACCESS_KEY_ID", config.access_key},
          {"FLYTE_AWS_SECRET_ACCESS_KEY", config.secret_key}};
}

Result<Endpoint> ParseEndpoint(const std::string& url) {
  Status bad = Status::InvalidArgument("S3 endpoint '" + url +
                                       "' must look like http://host:port (no path)");
  size_t sep = url.find("://");
  if (sep == std::string::npos) return bad;
  Endpoint out;
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (out.scheme != "http" && out.scheme != "https") return bad;
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) return bad;
  size_t host_end = rest.front() == '[' ? rest.find(']') : rest.rfind(':');
  if (rest.front() == '[') {
    if (host_end == std::string::npos) return bad;
    ++host_end;
  }
  if (host_end == std::string::npos || host_end == rest.size()) {
    out.authority = rest;
    return out;
  }
  if (rest[host_end] != ':' || host_end == 0) return bad;
  std::string port_text = rest.substr(host_end + 1);
  int port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535) {
    return bad;
  }
  bool default_port =
      (out.scheme == "http" && port == 80) || (out.scheme == "https" && port == 443);
  out.authority = default_port ? rest.substr(0, host_end) : rest;
  return out;
}

Result<std::unique_ptr<S3Store>> OpenS3Store(const S3Config& config, S3StoreOptions options) {
  FB_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(config.endpoint));
  FB_ASSIGN_OR_RETURN(Endpoint public_endpoint,
                      ParseEndpoint(config.public_endpoint.empty() ? config.endpoint
                                                                   : config.public_endpoint));
  if (!ValidBucketName(config.bucket)) {
    return Status::InvalidArgument(
        "bucket name '" + config.bucket +
        "' must be 3 to 63 lower-case letters, digits, '-' or '.', starting and ending with a "
        "letter or digit");
  }
  if (config.region.empty()) return Status::InvalidArgument("the S3 region is empty");
  if (config.access_key.empty() || config.secret_key.empty()) {
    return Status::InvalidArgument("the S3 access key and secret key are both required");
  }
  if (options.http == nullptr) options.http = HttpClient::NewCurl();
  return std::unique_ptr<S3Store>(
      new S3Store(config, endpoint, public_endpoint, std::move(options)));
}

S3Store::S3Store(S3Config config, Endpoint endpoint, Endpoint public_endpoint,
                 S3StoreOptions options)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      public_endpoint_(std::move(public_endpoint)),
      clock_(options.clock),
      http_(std::move(options.http)) {}

S3Store::~S3Store() = default;

std::string S3Store::ObjectPath(const std::string& key) const {
  return "/" + config_.bucket + "/" + strings::PercentEncode(key, true);
}

Result<HttpResponse> S3Store::Send(const Call& call) {
  static const std::string kNoBody;
  std::string amz_date = sigv4::AmzDate(clock_->Now());
  sigv4::Request req;
  req.method = call.method;
  req.path = call.path;
  req.query = call.query;
  req.payload_hash = digest::Sha256Hex(call.body ? *call.body : kNoBody);
  req.headers = {{"host", endpoint_.authority},
                 {"x-amz-content-sha256", req.payload_hash},
                 {"x-amz-date", amz_date}};
  HttpRequest http;
  http.method = call.method;
  http.url = endpoint_.Base() + call.path;
  std::string query = sigv4::CanonicalQuery(req);
  if (!query.empty()) http.url += "?" + query;
  std::string authorization = sigv4::Authorization(
      req, {config_.access_key, config_.secret_key}, {config_.region, "s3"}, amz_date);
  http.headers = {{"x-amz-content-sha256", req.payload_hash},
                  {"x-amz-date", amz_date},
                  {"Authorization", std::move(authorization)}};
  http.body = call.body;
  auto response = http_->Send(http);
  if (!response.ok()) {
    return Status::Unavailable("cannot reach the object store at " + endpoint_.Base() + " (" +
                               response.status().message() + "): is it running?");
  }
  return response;
}

Status S3Store::ErrorFor(const Call& call, const HttpResponse& response) const {
  std::string code = XmlText(response.body, "Code");
  std::string message = XmlText(response.body, "Message");
  std::string detail = code.empty() ? "HTTP " + std::to_string(response.status) : code;
  if (!message.empty()) detail += ": " + message;
  std::string where = "the object store at " + endpoint_.Base();
  std::string op = call.method + " " + call.what;
  // versitygw answers an unknown access key with 404 XAdminUserNotFound, AWS with 403.
  if (response.status == 401 || response.status == 403 || code == "XAdminUserNotFound" ||
      code == "InvalidAccessKeyId") {
    return Status::PermissionDenied(where + " refused " + op + " (" + detail +
                                    "): check the access key/secret");
  }
  if (response.status == 404) {
    if (code == "NoSuchBucket") {
      return Status::NotFound(where + " has no bucket '" + config_.bucket + "'");
    }
    return Status::NotFound("no object at " + call.what);
  }
  if (response.status >= 500) {
    return Status::Unavailable(where + " failed " + op + " (" + detail + ")");
  }
  return Status::Internal(where + " rejected " + op + " (" + detail + ")");
}

Status S3Store::Put(const std::string& key, const std::string& data) {
  FB_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"PUT", ObjectPath(key), {}, &data, Uri(key)};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorFor(call, response);
  return Status::Ok();
}

Result<std::string> S3Store::Get(const std::string& key) {
  FB_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"GET", ObjectPath(key), {}, nullptr, Uri(key)};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorFor(call, response);
  return std::move(response.body);
}

Result<bool> S3Store::Exists(const std::string& key) {
  FB_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"HEAD", ObjectPath(key), {}, nullptr, Uri(key)};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 404) return false;
  if (response.status != 200) return ErrorFor(call, response);
  return true;
}

Result<int64_t> S3Store::Size(const std::string& key) {
  FB_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"HEAD", ObjectPath(key), {}, nullptr, Uri(key)};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status != 200) return ErrorFor(call, response);
  if (response.content_length < 0) {
    return Status::Internal("the object store at " + endpoint_.Base() +
                            " sent no Content-Length for " + Uri(key));
  }
  return response.content_length;
}

Status S3Store::Delete(const std::string& key) {
  FB_RETURN_IF_ERROR(ValidateKey(key));
  Call call{"DELETE", ObjectPath(key), {}, nullptr, Uri(key)};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  if (response.status == 200 || response.status == 204 || response.status == 404) {
    return Status::Ok();
  }
  return ErrorFor(call, response);
}

Result<std::vector<std::string>> S3Store::List(const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  while (true) {
    Call call{"GET", "/" + config_.bucket, {{"list-type", "2"}}, nullptr, Uri(prefix) + "*"};
    if (!prefix.empty()) call.query.emplace_back("prefix", prefix);
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    FB_ASSIGN_OR_RETURN(HttpResponse response, Send(call));
    if (response.status != 200) return ErrorFor(call, response);
    for (size_t at = 0;;) {
      std::string contents = XmlText(response.body, "Contents", &at);
      if (at == std::string::npos) break;
      keys.push_back(XmlText(contents, "Key"));
    }
    token = XmlText(response.body, "NextContinuationToken");
    if (XmlText(response.body, "IsTruncated") != "true" || token.empty()) break;
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Status S3Store::EnsureBucket() {
  std::string what = "bucket '" + config_.bucket + "'";
  Call head{"HEAD", "/" + config_.bucket, {}, nullptr, what};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(head));
  if (response.status == 200) return Status::Ok();
  if (response.status != 404) return ErrorFor(head, response);
  std::string body;
  if (config_.region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
           "<LocationConstraint>" + config_.region +
           "</LocationConstraint></CreateBucketConfiguration>";
  }
  Call create{"PUT", "/" + config_.bucket, {}, &body, what};
  FB_ASSIGN_OR_RETURN(response, Send(create));
  if (response.status == 409 && XmlText(response.body, "Code") == "BucketAlreadyOwnedByYou") {
    return Status::Ok();
  }
  if (response.status != 200) return ErrorFor(create, response);
  FB_LOG(kInfo, kLog) << "created bucket " << config_.bucket << " at " << endpoint_.Base();
  return Status::Ok();
}

Result<bool> S3Store::BucketAllowed() {
  Call head{"HEAD", "/" + config_.bucket, {}, nullptr, "bucket '" + config_.bucket + "'"};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(head));
  if (response.status == 200) return true;
  if (response.status == 403 || response.status == 404) return false;
  return ErrorFor(head, response);
}

Status S3Store::GrantObjectAccess(const std::string& principal) {
  std::string arn = "arn:aws:s3:::" + config_.bucket;
  // Object reads and writes, listing, multipart uploads; no bucket settings, no deletion
  // of the bucket itself.
  json policy = {{"Version", "2012-10-17"},
                 {"Statement",
                  {{{"Sid", "flytebox-tasks"},
                    {"Effect", "Allow"},
                    {"Principal", {{"AWS", {principal}}}},
                    {"Action",
                     {"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
                      "s3:GetBucketLocation", "s3:ListBucketMultipartUploads",
                      "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"}},
                    {"Resource", {arn, arn + "/*"}}}}}};
  std::string body = policy.dump();
  Call put{"PUT",
           "/" + config_.bucket,
           {{"policy", ""}},
           &body,
           "the policy of bucket '" + config_.bucket + "'"};
  FB_ASSIGN_OR_RETURN(HttpResponse response, Send(put));
  if (response.status != 200 && response.status != 204) return ErrorFor(put, response);
  return Status::Ok();
}

Status EnsureTaskAccess(S3Store& owner, const S3Config& task, S3StoreOptions options) {
  FB_ASSIGN_OR_RETURN(std::unique_ptr<S3Store> store, OpenS3Store(task, std::move(options)));
  FB_ASSIGN_OR_RETURN(bool allowed, store->BucketAllowed());
  if (allowed) return Status::Ok();
  FB_RETURN_IF_ERROR(owner.EnsureBucket());
  auto refused = [&](const std::string& why) {
    return Status::FailedPrecondition(
        "the object store at " + task.endpoint + " refuses the tasks' account (access key " +
        task.access_key + ") on bucket '" + task.bucket + "' (" + why +
        "): the server must know that account (versitygw: run it with --iam-dir holding it; "
        "`flytebox demo start` writes it to <state>/s3-iam/users.json)");
  };
  Status granted = owner.GrantObjectAccess(task.access_key);
  if (granted.code() == Code::kUnavailable) return granted;
  // versitygw refuses a policy naming an account it does not know (MalformedPolicy).
  if (!granted.ok()) return refused(granted.message());
  FB_ASSIGN_OR_RETURN(allowed, store->BucketAllowed());
  if (!allowed) return refused("even after granting it the bucket");
  FB_LOG(kInfo, kLog) << "granted the tasks' account the objects of bucket " << task.bucket;
  return Status::Ok();
}

Result<std::string> S3Store::PresignedUrl(
    const std::string& method, const std::string& key, Clock::WallTime now,
    int64_t expires_seconds,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  if (method != "GET" && method != "PUT") {
    return Status::InvalidArgument("signed URLs are for GET or PUT, not " + method);
  }
  FB_RETURN_IF_ERROR(ValidateKey(key));
  if (expires_seconds < 1 || expires_seconds > kMaxPresignSeconds) {
    return Status::InvalidArgument("a signed URL lasts 1 to " + std::to_string(kMaxPresignSeconds) +
                                   " seconds, not " + std::to_string(expires_seconds));
  }
  sigv4::Request req;
  req.method = method;
  req.path = ObjectPath(key);
  req.headers = headers;
  req.headers.emplace_back("host", public_endpoint_.authority);
  std::string query =
      sigv4::PresignQuery(req, {config_.access_key, config_.secret_key}, {config_.region, "s3"},
                          sigv4::AmzDate(now), expires_seconds);
  return public_endpoint_.Base() + req.path + "?" + query;
}

}  // namespace flytebox::blob
