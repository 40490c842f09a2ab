#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace flytebox::auth {

// The sandbox's own OAuth2 authorization server in FlyteAdmin's "Self" shape, reduced to
// what a one-owner sandbox needs: one confidential client (id and secret made by the CLI)
// exchanges its credentials for short-lived bearer tokens (`client_credentials` grant), and
// every API call presents one.
//
// Tokens are "fb1.<expiry unix seconds>.<nonce>.<HMAC-SHA256>" signed with a key made at
// start that never leaves the process, so no token outlives the engine and none can be made
// without the client secret. All comparisons of secrets and signatures are constant-time.
struct AuthOptions {
  std::string client_id;
  std::string client_secret;
  std::chrono::seconds token_ttl{3600};
  Clock* clock = Clock::Real();
  // Empty: 32 random bytes. Tests pass one to check tokens across instances.
  std::string signing_key;
};

// Whether a credential was accepted; when not, `reason` says why and what to do (the API
// edges answer UNAUTHENTICATED / 401 with it).
struct Verdict {
  bool ok = false;
  std::string reason;
};

struct IssuedToken {
  std::string access_token;
  int64_t expires_in = 0;  // seconds
};

class TokenAuthority {
 public:
  explicit TokenAuthority(AuthOptions options);

  const std::string& client_id() const { return options_.client_id; }

  // True when `id` and `secret` are the sandbox's client (constant-time).
  bool CheckClient(std::string_view id, std::string_view secret) const;

  IssuedToken Issue() const;

  // Accepted: a token this authority issued that has not expired.
  Verdict VerifyToken(std::string_view token) const;

  // The same for an `Authorization` value ("Bearer <token>", scheme case-insensitive).
  Verdict VerifyBearer(std::string_view authorization) const;

 private:
  std::string Sign(std::string_view payload) const;

  AuthOptions options_;
};

// The token inside "Bearer <token>", or "" when the value is not a bearer credential.
std::string BearerToken(std::string_view authorization);

// Equal strings, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// 32 random bytes as 64 hex characters.
std::string NewSecret();

}  // namespace flytebox::auth
