#include "embedded/dataproxy/dataproxy.h"

#include <charconv>
#include <random>

namespace flytebox::dataproxy {
namespace {

namespace fs = ::flyteidl::service;
constexpr int64_t kMaxExpirySeconds = 3600;

std::string RandomFilename() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string out;
  for (int i = 0; i < 20; ++i) out += kAlphabet[pick(rng)];
  return out;
}

int64_t ExpirySeconds(const google::protobuf::Duration& d) {
  if (d.seconds() <= 0 || d.seconds() > kMaxExpirySeconds) return kMaxExpirySeconds;
  return d.seconds();
}

Result<int64_t> ParseExpires(const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) {
    return Status::PermissionDenied("the URL has no valid expiry: ask for a new URL");
  }
  return v;
}

int64_t UnixNow(Clock* clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock->Now().time_since_epoch()).count();
}

}  // namespace

std::string DataProxy::SignedUrl(const std::string& method, const std::string& key,
                                 int64_t expires, const std::string& md5_b64) const {
  std::string url = options_.public_url + "/blobs/" + UrlEscapePath(key) +
                    "?expires=" + std::to_string(expires);
  if (!md5_b64.empty()) url += "&md5=" + UrlEscapePath(md5_b64);
  url += "&signature=" + options_.signer->Sign(method, key, expires, md5_b64);
  return url;
}

Result<fs::CreateUploadLocationResponse> DataProxy::CreateUploadLocation(
    const fs::CreateUploadLocationRequest& req) {
  if (req.project().empty() || req.domain().empty()) {
    return Status::InvalidArgument("project and domain are required");
  }
  if (req.filename_root().empty() && req.content_md5().empty()) {
    return Status::InvalidArgument("either filename_root or content_md5 is required");
  }
  if (!req.content_md5().empty() && req.content_md5().size() != 16) {
    return Status::InvalidArgument("content_md5 must be the 16 raw bytes of an MD5 digest");
  }
  std::string folder =
      req.filename_root().empty() ? Base32WithPadding(req.content_md5()) : req.filename_root();
  std::string filename = req.filename().empty() ? RandomFilename() : req.filename();
  std::string key = req.project() + "/" + req.domain() + "/" + folder + "/" + filename;
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));

  int64_t expires = UnixNow(options_.clock) + ExpirySeconds(req.expires_in());
  std::string md5_b64 = req.content_md5().empty() ? "" : Base64(req.content_md5());
  fs::CreateUploadLocationResponse out;
  out.set_signed_url(SignedUrl("PUT", key, expires, md5_b64));
  out.set_native_url(options_.blobs->Uri(key));
  out.mutable_expires_at()->set_seconds(expires);
  if (!md5_b64.empty()) {
    (*out.mutable_headers())["Content-MD5"] = md5_b64;
    if (req.add_content_md5_metadata()) {
      (*out.mutable_headers())["x-amz-meta-flytecontentmd5"] = Base64(req.content_md5());
    }
  }
  return out;
}

Result<fs::CreateDownloadLocationResponse> DataProxy::CreateDownloadLocation(
    const fs::CreateDownloadLocationRequest& req) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(req.native_url()));
  int64_t expires = UnixNow(options_.clock) + ExpirySeconds(req.expires_in());
  fs::CreateDownloadLocationResponse out;
  out.set_signed_url(SignedUrl("GET", key, expires, ""));
  out.mutable_expires_at()->set_seconds(expires);
  return out;
}

Status DataProxy::Upload(const std::string& key, const std::string& expires, const std::string& md5,
                         const std::string& signature, const std::string& content_md5_header,
                         const std::string& body) {
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));
  FB_ASSIGN_OR_RETURN(int64_t exp, ParseExpires(expires));
  FB_RETURN_IF_ERROR(
      options_.signer->Check("PUT", key, exp, md5, signature, UnixNow(options_.clock)));
  if (body.size() > kMaxUploadBytes) {
    return Status::ResourceExhausted("upload larger than 1 GiB");
  }
  std::string actual = Base64(Md5(body));
  if (!md5.empty() && actual != md5) {
    return Status::InvalidArgument("the body's MD5 does not match the one the URL was made for");
  }
  if (!content_md5_header.empty() && actual != content_md5_header) {
    return Status::InvalidArgument("the body's MD5 does not match its Content-MD5 header");
  }
  return options_.blobs->Put(key, body);
}

Result<std::string> DataProxy::Download(const std::string& key, const std::string& expires,
                                        const std::string& signature) {
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));
  FB_ASSIGN_OR_RETURN(int64_t exp, ParseExpires(expires));
  FB_RETURN_IF_ERROR(options_.signer->Check("GET", key, exp, "", signature, UnixNow(options_.clock)));
  return options_.blobs->Get(key);
}

}  // namespace flytebox::dataproxy
