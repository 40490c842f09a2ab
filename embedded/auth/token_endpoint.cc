#include "embedded/auth/token_endpoint.h"

#include <openssl/evp.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace flytebox::auth {
namespace {

using json = nlohmann::json;

TokenReply Error(int status, const std::string& error, const std::string& description) {
  TokenReply r;
  r.status = status;
  r.body = json{{"error", error}, {"error_description", description}}.dump();
  if (status == 401) r.www_authenticate = "Basic realm=\"flytebox\"";
  return r;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::map<std::string, std::string> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = FormDecode(pair.substr(0, eq));
    out.emplace(key, eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1)));
  }
  return out;
}

// "Basic base64(id:secret)" -> id, secret (each form-decoded); false when not Basic.
bool ParseBasic(std::string_view authorization, std::string* id, std::string* secret) {
  std::string_view v = strings::TrimSpace(authorization);
  if (v.size() < 6 || strings::AsciiLower(v.substr(0, 6)) != "basic ") return false;
  std::string_view b64 = strings::TrimSpace(v.substr(6));
  if (b64.empty() || b64.size() > 4096 || b64.size() % 4 != 0) return false;
  std::string raw(b64.size() / 4 * 3 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return false;
  raw.resize(static_cast<size_t>(n));
  // EVP_DecodeBlock keeps the bytes the padding stands for as zeros; drop them.
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) raw.pop_back();
  size_t colon = raw.find(':');
  if (colon == std::string::npos) return false;
  *id = FormDecode(raw.substr(0, colon));
  *secret = FormDecode(raw.substr(colon + 1));
  return true;
}

}  // namespace

std::string FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

TokenReply HandleTokenRequest(const TokenAuthority& authority, std::string_view content_type,
                              std::string_view authorization, std::string_view body) {
  std::string type =
      strings::AsciiLower(strings::TrimSpace(content_type.substr(0, content_type.find(';'))));
  if (type != "application/x-www-form-urlencoded") {
    return Error(400, "invalid_request",
                 "send the token request as application/x-www-form-urlencoded");
  }
  std::map<std::string, std::string> form = ParseForm(body);
  std::string id, secret;
  if (!ParseBasic(authorization, &id, &secret)) {
    auto i = form.find("client_id");
    auto s = form.find("client_secret");
    if (i == form.end() || s == form.end()) {
      return Error(401, "invalid_client",
                   "no client credentials: send the client id and secret with HTTP Basic");
    }
    id = i->second;
    secret = s->second;
  }
  if (!authority.CheckClient(id, secret)) {
    return Error(401, "invalid_client", "unknown client id or wrong client secret");
  }
  auto grant = form.find("grant_type");
  if (grant == form.end()) return Error(400, "invalid_request", "grant_type is missing");
  if (grant->second != "client_credentials") {
    return Error(400, "unsupported_grant_type",
                 "grant_type '" + grant->second + "' is not served; use client_credentials");
  }
  IssuedToken token = authority.Issue();
  TokenReply r;
  r.body = json{{"access_token", token.access_token},
                {"token_type", "Bearer"},
                {"expires_in", token.expires_in}}
               .dump();
  return r;
}

}  // namespace flytebox::auth
