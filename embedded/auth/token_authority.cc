#include "embedded/auth/token_authority.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <charconv>

#include "common/digest.h"
#include "common/strings.h"

namespace flytebox::auth {
namespace {

constexpr std::string_view kPrefix = "fb1.";

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  return digest::Hex(raw);
}

int64_t UnixNow(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.Now().time_since_epoch()).count();
}

Verdict Refuse(std::string why) {
  return Verdict{false, std::move(why) +
                            ": get a token from the sandbox's token endpoint with the client id "
                            "and secret of ~/.flyte/config-sandbox.yaml"};
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewSecret() { return RandomHex(32); }

std::string BearerToken(std::string_view authorization) {
  std::string_view v = authorization;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 7 || strings::AsciiLower(v.substr(0, 7)) != "bearer ") return "";
  v.remove_prefix(7);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r' || v.back() == '\n')) {
    v.remove_suffix(1);
  }
  return std::string(v);
}

TokenAuthority::TokenAuthority(AuthOptions options) : options_(std::move(options)) {
  if (options_.signing_key.empty()) options_.signing_key = RandomHex(32);
  if (!options_.clock) options_.clock = Clock::Real();
}

bool TokenAuthority::CheckClient(std::string_view id, std::string_view secret) const {
  // Both compared whatever the first says, so timing tells nothing about which was wrong.
  bool id_ok = ConstantTimeEquals(id, options_.client_id);
  bool secret_ok = ConstantTimeEquals(secret, options_.client_secret);
  return id_ok && secret_ok && !options_.client_secret.empty();
}

std::string TokenAuthority::Sign(std::string_view payload) const {
  return digest::Hex(digest::HmacSha256(options_.signing_key, payload));
}

IssuedToken TokenAuthority::Issue() const {
  int64_t ttl = options_.token_ttl.count();
  std::string payload =
      std::string(kPrefix) + std::to_string(UnixNow(*options_.clock) + ttl) + "." + RandomHex(16);
  return IssuedToken{payload + "." + Sign(payload), ttl};
}

Verdict TokenAuthority::VerifyToken(std::string_view token) const {
  if (token.empty()) return Refuse("no access token");
  size_t dot = token.rfind('.');
  if (token.substr(0, kPrefix.size()) != kPrefix || dot == std::string_view::npos) {
    return Refuse("not an access token of this sandbox");
  }
  std::string_view payload = token.substr(0, dot);
  if (!ConstantTimeEquals(Sign(payload), token.substr(dot + 1))) {
    return Refuse("the access token is not valid (made by another sandbox, or before a restart)");
  }
  std::string_view rest = payload.substr(kPrefix.size());
  std::string_view expiry_text = rest.substr(0, rest.find('.'));
  int64_t expiry = 0;
  auto [p, ec] =
      std::from_chars(expiry_text.data(), expiry_text.data() + expiry_text.size(), expiry);
  if (ec != std::errc() || p != expiry_text.data() + expiry_text.size()) {
    return Refuse("not an access token of this sandbox");
  }
  if (UnixNow(*options_.clock) >= expiry) return Refuse("the access token expired");
  return Verdict{true, ""};
}

Verdict TokenAuthority::VerifyBearer(std::string_view authorization) const {
  if (authorization.empty()) return Refuse("no Authorization: Bearer token");
  std::string token = BearerToken(authorization);
  if (token.empty()) return Refuse("the Authorization header is not a Bearer token");
  return VerifyToken(token);
}

}  // namespace flytebox::auth
