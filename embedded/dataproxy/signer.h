#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace flytebox::dataproxy {

// Signs and checks URLs the engine serves itself (the local-filesystem object store): a
// signature covers the method, the object key, the expiry and, when given, the content MD5,
// so a URL grants one operation on one object until it expires.
class UrlSigner {
 public:
  explicit UrlSigner(std::string secret) : secret_(std::move(secret)) {}

  // 32 random bytes, hex-encoded.
  static std::string NewSecret();

  std::string Sign(const std::string& method, const std::string& key, int64_t expires_unix,
                   const std::string& content_md5_b64) const;
  // PERMISSION_DENIED when the signature does not match or the URL expired at `now_unix`.
  Status Check(const std::string& method, const std::string& key, int64_t expires_unix,
               const std::string& content_md5_b64, const std::string& signature,
               int64_t now_unix) const;

 private:
  std::string secret_;
};

std::string Base64(const std::string& bytes);
std::string Base32WithPadding(const std::string& bytes);

}  // namespace flytebox::dataproxy
