#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/blob/s3_store.h"
#include "embedded/dataproxy/signer.h"

namespace flytebox::dataproxy {

// One operation on one object, for a limited time.
struct UrlGrant {
  std::string method;  // "GET" or "PUT"
  std::string key;     // a valid object key
  Clock::WallTime now;
  int64_t expires_seconds = 3600;
  // PUT: the base64 MD5 the body must have, sent as Content-MD5; empty: any body.
  std::string content_md5_b64;
  // Further headers the client sends with exactly these values (x-amz-meta-*).
  std::vector<std::pair<std::string, std::string>> headers;
};

// Makes the URLs through which the HOST moves an object's bytes. Thread-safe.
class UrlMinter {
 public:
  virtual ~UrlMinter() = default;
  virtual Result<std::string> Mint(const UrlGrant& grant) const = 0;
};

// URLs the engine serves itself, `<public_url>/blobs/<key>?expires=..&md5=..&signature=..`,
// signed by `signer` (the local-filesystem store). Extra headers are not signed.
class EngineUrlMinter final : public UrlMinter {
 public:
  // `public_url`: where the host reaches the engine, e.g. "http://localhost:30080".
  EngineUrlMinter(std::string public_url, const UrlSigner* signer)
      : public_url_(std::move(public_url)), signer_(signer) {}
  Result<std::string> Mint(const UrlGrant& grant) const override;

 private:
  std::string public_url_;
  const UrlSigner* signer_;  // not owned
};

// S3 presigned URLs (Signature V4 in the query) on the store's public endpoint; Content-MD5
// and the extra headers are signed, so S3 refuses a request without them or with other values.
class S3UrlMinter final : public UrlMinter {
 public:
  explicit S3UrlMinter(const blob::S3Store* store) : store_(store) {}
  Result<std::string> Mint(const UrlGrant& grant) const override;

 private:
  const blob::S3Store* store_;  // not owned
};

}  // namespace flytebox::dataproxy
