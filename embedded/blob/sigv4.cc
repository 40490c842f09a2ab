#include "embedded/blob/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

#include "common/digest.h"
#include "common/strings.h"

namespace flytebox::blob::sigv4 {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string Hmac(std::string_view key, std::string_view data) {
  return digest::HmacSha256(key, data);
}

// Trims both ends and collapses inner runs of spaces to one, as SigV4 canonical headers want.
std::string CanonicalValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Lower-cased names to canonical values, sorted; repeated names joined with ','.
std::map<std::string, std::string> CanonicalHeaderMap(const Request& request) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : request.headers) {
    std::string& slot = out[strings::AsciiLower(name)];
    if (!slot.empty()) slot += ',';
    slot += CanonicalValue(value);
  }
  return out;
}

std::string Credential(const Credentials& credentials, const std::string& amz_date,
                       const Scope& scope) {
  return credentials.access_key + "/" + amz_date.substr(0, 8) + "/" + scope.region + "/" +
         scope.service + "/aws4_request";
}

}  // namespace

std::string AmzDate(std::chrono::system_clock::time_point time) {
  std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalQuery(const Request& request) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(request.query.size());
  for (const auto& [name, value] : request.query) {
    encoded.emplace_back(strings::PercentEncode(name, false), strings::PercentEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string SignedHeaders(const Request& request) {
  std::string out;
  for (const auto& [name, value] : CanonicalHeaderMap(request)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const Request& request) {
  std::string headers;
  for (const auto& [name, value] : CanonicalHeaderMap(request)) {
    headers += name + ":" + value + "\n";
  }
  return request.method + "\n" + request.path + "\n" + CanonicalQuery(request) + "\n" + headers +
         "\n" + SignedHeaders(request) + "\n" + request.payload_hash;
}

std::string StringToSign(const std::string& amz_date, const Scope& scope,
                         const std::string& canonical_request) {
  return std::string(kAlgorithm) + "\n" + amz_date + "\n" + amz_date.substr(0, 8) + "/" +
         scope.region + "/" + scope.service + "/aws4_request\n" +
         digest::Sha256Hex(canonical_request);
}

std::string Signature(const Credentials& credentials, const std::string& amz_date,
                      const Scope& scope, const std::string& string_to_sign) {
  std::string key = Hmac("AWS4" + credentials.secret_key, amz_date.substr(0, 8));
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  key = Hmac(key, "aws4_request");
  std::string mac = Hmac(key, string_to_sign);
  return digest::Hex(mac);
}

std::string Authorization(const Request& request, const Credentials& credentials,
                          const Scope& scope, const std::string& amz_date) {
  std::string to_sign = StringToSign(amz_date, scope, CanonicalRequest(request));
  return std::string(kAlgorithm) + " Credential=" + Credential(credentials, amz_date, scope) +
         ", SignedHeaders=" + SignedHeaders(request) +
         ", Signature=" + Signature(credentials, amz_date, scope, to_sign);
}

std::string PresignQuery(Request& request, const Credentials& credentials, const Scope& scope,
                         const std::string& amz_date, int64_t expires_seconds) {
  request.query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  request.query.emplace_back("X-Amz-Credential", Credential(credentials, amz_date, scope));
  request.query.emplace_back("X-Amz-Date", amz_date);
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
  request.query.emplace_back("X-Amz-SignedHeaders", SignedHeaders(request));
  std::string to_sign = StringToSign(amz_date, scope, CanonicalRequest(request));
  return CanonicalQuery(request) +
         "&X-Amz-Signature=" + Signature(credentials, amz_date, scope, to_sign);
}

}  // namespace flytebox::blob::sigv4
