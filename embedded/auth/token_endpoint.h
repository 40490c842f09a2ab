#pragma once

#include <string>
#include <string_view>

#include "embedded/auth/token_authority.h"

namespace flytebox::auth {

// Where the sandbox's authorization server answers (FlyteAdmin's "Self" server paths).
inline constexpr char kTokenPath[] = "/oauth2/token";
inline constexpr char kMetadataPath[] = "/.well-known/oauth-authorization-server";
// The gRPC metadata key the sandbox tells clients to use; "authorization" is accepted too.
inline constexpr char kMetadataKey[] = "flyte-authorization";

struct TokenReply {
  int status = 200;
  std::string body;              // JSON
  std::string www_authenticate;  // set on 401
};

// The OAuth2 token endpoint (RFC 6749 section 4.4): a form-encoded POST with
// grant_type=client_credentials and the client's credentials in HTTP Basic (the client
// secret URL-encoded first, as OAuth2 clients send it) or as client_id/client_secret form
// fields. Success: {"access_token", "token_type": "Bearer", "expires_in"}; errors in the
// RFC's JSON shape (`invalid_request`, `invalid_client`, `unsupported_grant_type`).
TokenReply HandleTokenRequest(const TokenAuthority& authority, std::string_view content_type,
                              std::string_view authorization, std::string_view body);

// application/x-www-form-urlencoded decoding of one value ('+' is a space, %XX a byte).
std::string FormDecode(std::string_view text);

}  // namespace flytebox::auth
