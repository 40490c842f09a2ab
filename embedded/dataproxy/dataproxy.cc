#include "embedded/dataproxy/dataproxy.h"

#include <charconv>
#include <random>

#include "common/digest.h"

namespace flytebox::dataproxy {
namespace {

namespace fs = ::flyteidl::service;
constexpr int64_t kMaxExpirySeconds = 3600;
constexpr char kMd5MetadataHeader[] = "x-amz-meta-flytecontentmd5";

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

int64_t UnixSeconds(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

int64_t UnixNow(Clock* clock) { return UnixSeconds(clock->Now()); }

Status NoEngineUrls() {
  return Status::FailedPrecondition(
      "this engine keeps objects in S3: use the S3 URL the data proxy hands out");
}

}  // namespace

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
  std::string key =
      kUploadPrefix + req.project() + "/" + req.domain() + "/" + folder + "/" + filename;
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));

  UrlGrant grant{"PUT", key, options_.clock->Now(), ExpirySeconds(req.expires_in()), "", {}};
  if (!req.content_md5().empty()) {
    grant.content_md5_b64 = Base64(req.content_md5());
    if (req.add_content_md5_metadata()) {
      grant.headers.emplace_back(kMd5MetadataHeader, grant.content_md5_b64);
    }
  }
  FB_ASSIGN_OR_RETURN(std::string url, options_.minter->Mint(grant));
  fs::CreateUploadLocationResponse out;
  out.set_signed_url(std::move(url));
  out.set_native_url(options_.blobs->NativeUri(key));
  out.mutable_expires_at()->set_seconds(UnixSeconds(grant.now) + grant.expires_seconds);
  if (!grant.content_md5_b64.empty()) {
    (*out.mutable_headers())["Content-MD5"] = grant.content_md5_b64;
  }
  for (const auto& [name, value] : grant.headers) (*out.mutable_headers())[name] = value;
  return out;
}

Result<std::string> DataProxy::DownloadUrl(const std::string& native_url,
                                           const google::protobuf::Duration& expires_in,
                                           int64_t* expires_unix) {
  FB_ASSIGN_OR_RETURN(std::string key, options_.blobs->KeyOf(native_url));
  UrlGrant grant{"GET", key, options_.clock->Now(), ExpirySeconds(expires_in), "", {}};
  *expires_unix = UnixSeconds(grant.now) + grant.expires_seconds;
  return options_.minter->Mint(grant);
}

Result<fs::CreateDownloadLocationResponse> DataProxy::CreateDownloadLocation(
    const fs::CreateDownloadLocationRequest& req) {
  int64_t expires = 0;
  FB_ASSIGN_OR_RETURN(std::string url, DownloadUrl(req.native_url(), req.expires_in(), &expires));
  fs::CreateDownloadLocationResponse out;
  out.set_signed_url(std::move(url));
  out.mutable_expires_at()->set_seconds(expires);
  return out;
}

Result<fs::CreateDownloadLinkResponse> DataProxy::CreateDownloadLink(
    const fs::CreateDownloadLinkRequest& req) {
  if (req.artifact_type() != fs::ARTIFACT_TYPE_DECK) {
    return Status::InvalidArgument("artifact_type must be ARTIFACT_TYPE_DECK");
  }
  if (!req.has_node_execution_id()) {
    return Status::InvalidArgument("node_execution_id is required");
  }
  if (!options_.deck_uri) return Status::Unimplemented("decks are not served by this engine");
  FB_ASSIGN_OR_RETURN(std::string uri, options_.deck_uri(req.node_execution_id()));
  if (uri.empty()) {
    return Status::NotFound("node execution " + req.node_execution_id().node_id() +
                            " has no deck");
  }
  int64_t expires = 0;
  FB_ASSIGN_OR_RETURN(std::string url, DownloadUrl(uri, req.expires_in(), &expires));
  fs::CreateDownloadLinkResponse out;
  out.mutable_pre_signed_urls()->add_signed_url(std::move(url));
  out.mutable_pre_signed_urls()->mutable_expires_at()->set_seconds(expires);
  return out;
}

Status DataProxy::Upload(const std::string& key, const std::string& expires, const std::string& md5,
                         const std::string& signature, const std::string& content_md5_header,
                         const std::string& body) {
  if (options_.signer == nullptr) return NoEngineUrls();
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));
  if (key.rfind(kUploadPrefix, 0) != 0) {
    return Status::PermissionDenied("uploads go under " + std::string(kUploadPrefix) +
                                    " only: ask the data proxy for an upload location");
  }
  FB_ASSIGN_OR_RETURN(int64_t exp, ParseExpires(expires));
  FB_RETURN_IF_ERROR(
      options_.signer->Check("PUT", key, exp, md5, signature, UnixNow(options_.clock)));
  if (body.size() > kMaxUploadBytes) {
    return Status::ResourceExhausted("upload larger than 1 GiB");
  }
  std::string actual = Base64(digest::Md5(body));
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
  if (options_.signer == nullptr) return NoEngineUrls();
  FB_RETURN_IF_ERROR(blob::ValidateKey(key));
  FB_ASSIGN_OR_RETURN(int64_t exp, ParseExpires(expires));
  FB_RETURN_IF_ERROR(options_.signer->Check("GET", key, exp, "", signature, UnixNow(options_.clock)));
  return options_.blobs->Get(key);
}

}  // namespace flytebox::dataproxy
