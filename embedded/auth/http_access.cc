#include "embedded/auth/http_access.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "embedded/auth/token_endpoint.h"

namespace flytebox::auth {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsOpen(std::string_view method, std::string_view path) {
  if (path == "/healthz" || path == kMetadataPath || path == "/config/v1/flyte_client") {
    return true;
  }
  if (path == kTokenPath && method == "POST") return true;
  return path == kLoginPath;
}

bool IsConsolePage(std::string_view method, std::string_view path) {
  return method == "GET" && (path == "/" || path == "/console" || StartsWith(path, "/console/"));
}

}  // namespace

std::string CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    size_t semi = cookie_header.find(';');
    std::string_view pair = strings::TrimSpace(cookie_header.substr(0, semi));
    cookie_header =
        semi == std::string_view::npos ? std::string_view() : cookie_header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

HttpAccess CheckHttpAccess(const TokenAuthority& authority, std::string_view method,
                           std::string_view path, bool has_signature,
                           std::string_view authorization, std::string_view cookie) {
  HttpAccess access;
  if (IsOpen(method, path)) return access;
  if (StartsWith(path, "/blobs/") && has_signature && authorization.empty()) return access;
  Verdict verdict = authority.VerifyBearer(authorization);
  if (verdict.ok) {
    access.authorization = std::string(authorization);
    return access;
  }
  std::string session = CookieValue(cookie, kSessionCookie);
  if (authorization.empty() && !session.empty()) {
    verdict = authority.VerifyToken(session);
    if (verdict.ok) {
      access.authorization = "Bearer " + session;
      return access;
    }
  }
  access.kind = IsConsolePage(method, path) ? HttpAccess::Kind::kRedirectToLogin
                                            : HttpAccess::Kind::kUnauthorized;
  access.message = verdict.reason;
  return access;
}

std::string LoginPageHtml() {
  return R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flytebox: sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}
input{width:100%;padding:.5rem;margin:.5rem 0;box-sizing:border-box}button{padding:.5rem 1rem}
#error{color:#b00020}</style></head>
<body><h1>Flytebox sandbox</h1>
<p>This sandbox was started with <code>--auth</code>. Enter its client secret: the contents of
the file named by <code>clientSecretLocation</code> in <code>~/.flyte/config-sandbox.yaml</code>.</p>
<form id="login"><input id="secret" type="password" autocomplete="current-password"
 placeholder="client secret" required autofocus><button type="submit">Sign in</button></form>
<p id="error" role="alert"></p>
<script>
document.getElementById('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await fetch('/login', {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({client_secret: document.getElementById('secret').value.trim()})});
  if (r.ok) { location.href = '/console/'; return; }
  const j = await r.json().catch(() => ({}));
  document.getElementById('error').textContent = j.message || ('sign-in failed: ' + r.status);
});
</script></body></html>
)";
}

LoginReply HandleLogin(const TokenAuthority& authority, std::string_view json_body) {
  using json = nlohmann::json;
  LoginReply reply;
  json doc = json::parse(json_body, nullptr, false);
  if (!doc.is_object() || !doc.contains("client_secret") || !doc["client_secret"].is_string()) {
    reply.status = 400;
    reply.body = json{{"code", 3}, {"message", "send {\"client_secret\": \"...\"}"}}.dump();
    return reply;
  }
  std::string id = doc.value("client_id", authority.client_id());
  if (!authority.CheckClient(id, doc["client_secret"].get<std::string>())) {
    reply.status = 401;
    reply.body = json{{"code", 16}, {"message", "wrong client secret"}}.dump();
    return reply;
  }
  IssuedToken token = authority.Issue();
  reply.body = json{{"expires_in", token.expires_in}}.dump();
  reply.set_cookie =
      std::string(kSessionCookie) + "=" + token.access_token +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(token.expires_in);
  return reply;
}

}  // namespace flytebox::auth
