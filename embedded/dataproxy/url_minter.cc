#include "embedded/dataproxy/url_minter.h"

#include <chrono>

#include "common/strings.h"

namespace flytebox::dataproxy {

Result<std::string> EngineUrlMinter::Mint(const UrlGrant& grant) const {
  if (grant.method != "GET" && grant.method != "PUT") {
    return Status::InvalidArgument("signed URLs are for GET or PUT, not " + grant.method);
  }
  FB_RETURN_IF_ERROR(blob::ValidateKey(grant.key));
  int64_t expires =
      std::chrono::duration_cast<std::chrono::seconds>(grant.now.time_since_epoch()).count() +
      grant.expires_seconds;
  std::string url = public_url_ + "/blobs/" + strings::PercentEncode(grant.key, true) +
                    "?expires=" + std::to_string(expires);
  if (!grant.content_md5_b64.empty()) {
    url += "&md5=" + strings::PercentEncode(grant.content_md5_b64, true);
  }
  url += "&signature=" + signer_->Sign(grant.method, grant.key, expires, grant.content_md5_b64);
  return url;
}

Result<std::string> S3UrlMinter::Mint(const UrlGrant& grant) const {
  std::vector<std::pair<std::string, std::string>> headers = grant.headers;
  if (!grant.content_md5_b64.empty()) headers.emplace_back("Content-MD5", grant.content_md5_b64);
  return store_->PresignedUrl(grant.method, grant.key, grant.now, grant.expires_seconds, headers);
}

}  // namespace flytebox::dataproxy
