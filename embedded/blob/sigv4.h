#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flytebox::blob::sigv4 {

// AWS Signature Version 4 (HMAC-SHA256), as S3 checks it: for an Authorization header and
// for query-string ("presigned") URLs. Pure functions; thread-safe.

struct Credentials {
  std::string access_key;
  std::string secret_key;
};

struct Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// One HTTP request as it will be sent.
struct Request {
  std::string method;
  // The absolute path exactly as sent, already URI-encoded ("/bucket/a%20b.txt").
  std::string path;
  // Decoded names and values; encoded and sorted when signing.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header listed here is signed; names in any case.
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string payload_hash = "UNSIGNED-PAYLOAD";
};

inline constexpr char kUnsignedPayload[] = "UNSIGNED-PAYLOAD";

// "20130524T000000Z" (UTC).
std::string AmzDate(std::chrono::system_clock::time_point time);

std::string CanonicalQuery(const Request& request);
std::string SignedHeaders(const Request& request);  // "host;x-amz-date"
std::string CanonicalRequest(const Request& request);
// `amz_date` is the request's timestamp; the scope's date is its first 8 characters.
std::string StringToSign(const std::string& amz_date, const Scope& scope,
                         const std::string& canonical_request);
std::string Signature(const Credentials& credentials, const std::string& amz_date,
                      const Scope& scope, const std::string& string_to_sign);

// The Authorization header value. `request.headers` must already hold every header to sign
// (for S3: host, x-amz-date and x-amz-content-sha256).
std::string Authorization(const Request& request, const Credentials& credentials,
                          const Scope& scope, const std::string& amz_date);

// Adds the X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders parameters to `request`
// and returns the query string to send, X-Amz-Signature last. The request's headers
// (at least host) are the ones the client must send unchanged.
std::string PresignQuery(Request& request, const Credentials& credentials, const Scope& scope,
                         const std::string& amz_date, int64_t expires_seconds);

}  // namespace flytebox::blob::sigv4
