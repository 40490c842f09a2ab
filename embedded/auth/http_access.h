#pragma once

#include <string>
#include <string_view>

#include "embedded/auth/token_authority.h"

namespace flytebox::auth {

// Who may use an HTTP route under --auth (the HTTP/1.1 side's counterpart of call_auth.h).
// Open: /healthz, the authorization server's discovery and token endpoints, and the console's
// login page. A presigned /blobs/ URL carries its own credential (an HMAC signature minted
// only for an authenticated caller) and is judged by its route. Everything else needs a
// token, as `Authorization: Bearer` or as the console's session cookie; without one, pages
// of the console redirect to the login page and everything else gets 401.
struct HttpAccess {
  enum class Kind { kAllow, kRedirectToLogin, kUnauthorized };
  Kind kind = Kind::kAllow;
  std::string message;        // for 401
  std::string authorization;  // "Bearer <token>" to pass on to the gRPC side, if any
};

inline constexpr char kSessionCookie[] = "flytebox_session";
inline constexpr char kLoginPath[] = "/login";

HttpAccess CheckHttpAccess(const TokenAuthority& authority, std::string_view method,
                           std::string_view path, bool has_signature,
                           std::string_view authorization, std::string_view cookie);

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(std::string_view cookie_header, std::string_view name);

// The console's login: a page asking for the client secret (GET /login), and the POST that
// checks it (JSON {"client_secret": "..."}) and answers with a session cookie holding a token
// (HttpOnly, SameSite=Strict, as long-lived as the token).
std::string LoginPageHtml();
struct LoginReply {
  int status = 200;
  std::string body;        // JSON
  std::string set_cookie;  // on success
};
LoginReply HandleLogin(const TokenAuthority& authority, std::string_view json_body);

}  // namespace flytebox::auth
