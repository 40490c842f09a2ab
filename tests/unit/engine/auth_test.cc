#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "embedded/auth/http_access.h"
#include "embedded/auth/token_authority.h"
#include "embedded/auth/token_endpoint.h"
#include "embedded/server/http_guard.h"

namespace flytebox::auth {
namespace {

using json = nlohmann::json;

std::string Basic(const std::string& id, const std::string& secret) {
  std::string raw = id + ":" + secret;
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return "Basic " + out;
}

class AuthTest : public ::testing::Test {
 protected:
  AuthOptions Options() {
    AuthOptions o;
    o.client_id = "flytebox-abc";
    o.client_secret = "a-secret-of-sufficient-length";
    o.token_ttl = std::chrono::seconds(60);
    o.clock = &clock_;
    return o;
  }
  FakeClock clock_;
  TokenAuthority authority_{Options()};
};

TEST_F(AuthTest, AnIssuedTokenIsAcceptedUntilItExpires) {
  IssuedToken t = authority_.Issue();
  EXPECT_EQ(t.expires_in, 60);
  EXPECT_TRUE(authority_.VerifyToken(t.access_token).ok);
  EXPECT_TRUE(authority_.VerifyBearer("Bearer " + t.access_token).ok);
  EXPECT_TRUE(authority_.VerifyBearer("bearer  " + t.access_token).ok);
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_TRUE(authority_.VerifyToken(t.access_token).ok);
  clock_.Advance(std::chrono::seconds(1));
  Verdict expired = authority_.VerifyToken(t.access_token);
  EXPECT_FALSE(expired.ok);
  EXPECT_NE(expired.reason.find("expired"), std::string::npos) << expired.reason;
}

TEST_F(AuthTest, ForgedAlteredAndForeignTokensAreRefused) {
  IssuedToken t = authority_.Issue();
  std::string altered = t.access_token;
  altered.back() = altered.back() == '0' ? '1' : '0';
  EXPECT_FALSE(authority_.VerifyToken(altered).ok);
  // A later expiry with the old signature.
  std::string later = "fb1.9999999999" + t.access_token.substr(t.access_token.find('.', 4));
  EXPECT_FALSE(authority_.VerifyToken(later).ok);
  // Another engine (another signing key), same client.
  TokenAuthority other(Options());
  EXPECT_FALSE(other.VerifyToken(t.access_token).ok);
  for (const char* bad : {"", "fb1.", "fb1..", "x.y.z", "Bearer", "fb1.abc.def.ghi"}) {
    EXPECT_FALSE(authority_.VerifyToken(bad).ok) << bad;
  }
  EXPECT_FALSE(authority_.VerifyBearer(t.access_token).ok) << "no scheme";
  EXPECT_FALSE(authority_.VerifyBearer("Basic " + t.access_token).ok);
}

TEST_F(AuthTest, ClientCheckNeedsBothIdAndSecret) {
  EXPECT_TRUE(authority_.CheckClient("flytebox-abc", "a-secret-of-sufficient-length"));
  EXPECT_FALSE(authority_.CheckClient("flytebox-abc", "a-secret-of-sufficient-lengtH"));
  EXPECT_FALSE(authority_.CheckClient("flytebox-abd", "a-secret-of-sufficient-length"));
  EXPECT_FALSE(authority_.CheckClient("flytebox-abc", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST_F(AuthTest, TokenEndpointSpeaksOAuth2ClientCredentials) {
  const std::string form = "application/x-www-form-urlencoded";
  TokenReply ok =
      HandleTokenRequest(authority_, form, Basic("flytebox-abc", "a-secret-of-sufficient-length"),
                         "grant_type=client_credentials&scope=all");
  ASSERT_EQ(ok.status, 200) << ok.body;
  json doc = json::parse(ok.body);
  EXPECT_EQ(doc["token_type"], "Bearer");
  EXPECT_EQ(doc["expires_in"], 60);
  EXPECT_TRUE(authority_.VerifyToken(doc["access_token"].get<std::string>()).ok);

  // Secrets in the form (client_secret_post), percent-encoded.
  TokenReply post = HandleTokenRequest(
      authority_, form + "; charset=utf-8", "",
      "grant_type=client_credentials&client_id=flytebox-abc&client_secret=a%2Dsecret-of-"
      "sufficient-length");
  EXPECT_EQ(post.status, 200) << post.body;

  TokenReply wrong = HandleTokenRequest(authority_, form, Basic("flytebox-abc", "nope"),
                                        "grant_type=client_credentials");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(json::parse(wrong.body)["error"], "invalid_client");
  EXPECT_FALSE(wrong.www_authenticate.empty());
  EXPECT_EQ(HandleTokenRequest(authority_, form, "", "grant_type=client_credentials").status, 401);
  EXPECT_EQ(HandleTokenRequest(authority_, form, "Basic !!!!", "grant_type=x").status, 401);

  TokenReply grant =
      HandleTokenRequest(authority_, form, Basic("flytebox-abc", "a-secret-of-sufficient-length"),
                         "grant_type=password");
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(json::parse(grant.body)["error"], "unsupported_grant_type");
  EXPECT_EQ(HandleTokenRequest(authority_, "application/json",
                               Basic("flytebox-abc", "a-secret-of-sufficient-length"),
                               R"({"grant_type":"client_credentials"})")
                .status,
            400);
}

TEST_F(AuthTest, FormDecoding) {
  EXPECT_EQ(FormDecode("a+b%20c%2fd"), "a b c/d");
  EXPECT_EQ(FormDecode("%zz%4"), "%zz%4");
}

TEST_F(AuthTest, HttpRoutesNeedATokenExceptTheOpenOnes) {
  std::string bearer = "Bearer " + authority_.Issue().access_token;
  for (const char* path : {"/healthz", "/.well-known/oauth-authorization-server",
                           "/config/v1/flyte_client", "/login"}) {
    EXPECT_EQ(CheckHttpAccess(authority_, "GET", path, false, "", "").kind,
              HttpAccess::Kind::kAllow)
        << path;
  }
  EXPECT_EQ(CheckHttpAccess(authority_, "POST", kTokenPath, false, "", "").kind,
            HttpAccess::Kind::kAllow);
  for (const char* path : {"/api/v1/projects", "/logs/x", "/blobs/k", "/api/v1/notifications"}) {
    HttpAccess a = CheckHttpAccess(authority_, "GET", path, false, "", "");
    EXPECT_EQ(a.kind, HttpAccess::Kind::kUnauthorized) << path;
    EXPECT_FALSE(a.message.empty());
    EXPECT_EQ(CheckHttpAccess(authority_, "GET", path, false, "Bearer nope", "").kind,
              HttpAccess::Kind::kUnauthorized)
        << path;
    HttpAccess with = CheckHttpAccess(authority_, "GET", path, false, bearer, "");
    EXPECT_EQ(with.kind, HttpAccess::Kind::kAllow) << path;
    EXPECT_EQ(with.authorization, bearer);
  }
  // A presigned URL carries its own credential, checked by its route.
  EXPECT_EQ(CheckHttpAccess(authority_, "PUT", "/blobs/uploads/x", true, "", "").kind,
            HttpAccess::Kind::kAllow);
  EXPECT_EQ(CheckHttpAccess(authority_, "GET", "/console/", false, "", "").kind,
            HttpAccess::Kind::kRedirectToLogin);
}

TEST_F(AuthTest, TheConsoleSignsInWithTheSecretAndACookie) {
  LoginReply bad = HandleLogin(authority_, R"({"client_secret":"nope"})");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(bad.set_cookie.empty());
  EXPECT_EQ(HandleLogin(authority_, "not json").status, 400);
  LoginReply ok = HandleLogin(authority_, R"({"client_secret":"a-secret-of-sufficient-length"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(ok.set_cookie.find("SameSite=Strict"), std::string::npos);
  std::string cookie = "theme=dark; " + ok.set_cookie.substr(0, ok.set_cookie.find(';'));
  HttpAccess a = CheckHttpAccess(authority_, "GET", "/api/v1/projects", false, "", cookie);
  EXPECT_EQ(a.kind, HttpAccess::Kind::kAllow);
  EXPECT_EQ(a.authorization.rfind("Bearer fb1.", 0), 0u);
  EXPECT_EQ(CookieValue("a=1; flytebox_session=t; b=2", kSessionCookie), "t");
  EXPECT_EQ(CookieValue("a=1", kSessionCookie), "");
}

TEST(AuthGuardTest, OnlyTheTokenEndpointTakesAForm) {
  server::HttpGuardOptions o;
  o.ports = {30080};
  o.form_paths = {kTokenPath};
  server::HttpGuard guard(o);
  server::HttpRequestHead head{
      "POST", kTokenPath, "localhost:30080", "", "application/x-www-form-urlencoded", "29", "",
      "",     ""};
  EXPECT_FALSE(guard.Check(head).has_value());
  head.path = "/api/v1/tasks";
  auto refused = guard.Check(head);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 415);
  head.path = kTokenPath;
  head.origin = "http://evil.example";
  ASSERT_TRUE(guard.Check(head).has_value());
  EXPECT_EQ(guard.Check(head)->status, 403);
}

}  // namespace
}  // namespace flytebox::auth
