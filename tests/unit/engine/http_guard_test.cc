#include "embedded/server/http_guard.h"

#include <gtest/gtest.h>

namespace flytebox::server {
namespace {

HttpGuard Guard() {
  HttpGuardOptions o;
  o.ports = {30080, 8088};
  o.hosts = {"sandbox.example"};
  o.max_api_body = 1000;
  return HttpGuard(o);
}

HttpRequestHead Get(std::string host, std::string path = "/api/v1/projects") {
  HttpRequestHead h;
  h.method = "GET";
  h.path = std::move(path);
  h.host = std::move(host);
  return h;
}

HttpRequestHead Post(std::string type, std::string length = "10") {
  HttpRequestHead h = Get("localhost:30080", "/api/v1/tasks");
  h.method = "POST";
  h.content_type = std::move(type);
  h.content_length = std::move(length);
  return h;
}

int StatusOf(const std::optional<HttpRefusal>& r) { return r ? r->status : 0; }

TEST(HttpGuardTest, HostMustNameTheSandboxWithItsPort) {
  HttpGuard g = Guard();
  for (const char* ok : {"localhost:30080", "127.0.0.1:30080", "[::1]:30080", "LOCALHOST:30080",
                         "sandbox.example:8088", " localhost:30080 ", "127.0.0.1", "localhost"}) {
    EXPECT_EQ(StatusOf(g.Check(Get(ok))), 0) << ok;
  }
  for (const char* bad : {"attacker.example:30080", "localhost:30081", "attacker.example", "",
                          "localhost.:30080", "127.0.0.1.nip.io:30080", "localhost:30080x",
                          "[::2]:30080", "localhost:-1"}) {
    EXPECT_EQ(StatusOf(g.Check(Get(bad))), 421) << bad;
  }
}

TEST(HttpGuardTest, OnlyTheSandboxsOwnOriginMayCall) {
  HttpGuard g = Guard();
  HttpRequestHead h = Get("localhost:30080");
  for (const char* ok : {"http://localhost:30080", "http://127.0.0.1:30080", "http://[::1]:8088",
                         "http://sandbox.example:30080"}) {
    h.origin = ok;
    EXPECT_EQ(StatusOf(g.Check(h)), 0) << ok;
  }
  for (const char* bad : {"http://evil.example", "null", "http://localhost:3000",
                          "https://localhost:30080", "http://localhost", "file://",
                          "http://localhost:30080.evil.example"}) {
    h.origin = bad;
    auto r = g.Check(h);
    EXPECT_EQ(StatusOf(r), 403) << bad;
    if (r) {
      EXPECT_NE(r->message.find(bad), std::string::npos) << r->message;
    }
  }
}

TEST(HttpGuardTest, CrossSiteSubresourcesAreRefusedNavigationsAllowed) {
  HttpGuard g = Guard();
  HttpRequestHead h = Get("localhost:30080", "/console");
  h.sec_fetch_site = "cross-site";
  h.sec_fetch_mode = "no-cors";
  EXPECT_EQ(StatusOf(g.Check(h)), 403);
  h.sec_fetch_site = "same-site";
  EXPECT_EQ(StatusOf(g.Check(h)), 403);
  h.sec_fetch_mode = "navigate";
  EXPECT_EQ(StatusOf(g.Check(h)), 0);
  h.method = "POST";
  EXPECT_EQ(StatusOf(g.Check(h)), 403);
  h = Get("localhost:30080");
  h.sec_fetch_site = "same-origin";
  EXPECT_EQ(StatusOf(g.Check(h)), 0);
  h.sec_fetch_site = "none";
  EXPECT_EQ(StatusOf(g.Check(h)), 0);
}

TEST(HttpGuardTest, BodiesNeedAnExactApiType) {
  HttpGuard g = Guard();
  for (const char* ok : {"application/json", "application/json; charset=utf-8",
                         "Application/JSON", "application/octet-stream"}) {
    EXPECT_EQ(StatusOf(g.Check(Post(ok))), 0) << ok;
  }
  for (const char* bad : {"", "text/plain", "text/plain;charset=UTF-8",
                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                          "text/plain; application/json", "application/jsonx",
                          "application/json-patch+json"}) {
    auto r = g.Check(Post(bad));
    EXPECT_EQ(StatusOf(r), 415) << bad;
    if (r) {
      EXPECT_EQ(r->grpc_code, 3);
      EXPECT_NE(r->JsonBody().find("application/json or application/octet-stream"),
                std::string::npos);
    }
  }
  EXPECT_EQ(StatusOf(g.Check(Post("", "0"))), 0);  // no body, no type needed
  HttpRequestHead upload = Post("", "5000");
  upload.method = "PUT";
  upload.path = "/blobs/uploads/p/d/x";
  EXPECT_EQ(StatusOf(g.Check(upload)), 0);  // presigned uploads carry no type
  upload.path = "/api/v1/blobs/x";
  EXPECT_EQ(StatusOf(g.Check(upload)), 415);
}

TEST(HttpGuardTest, ApiBodiesAreLimitedBeforeTheyAreRead) {
  HttpGuard g = Guard();
  EXPECT_EQ(StatusOf(g.Check(Post("application/json", "1000"))), 0);
  auto r = g.Check(Post("application/json", "1001"));
  EXPECT_EQ(StatusOf(r), 413);
  EXPECT_EQ(StatusOf(g.Check(Post("application/json", "abc"))), 400);
  HttpRequestHead chunked = Post("application/json", "");
  chunked.transfer_encoding = "chunked";
  EXPECT_EQ(StatusOf(g.Check(chunked)), 411);
}

TEST(HttpGuardTest, MediaTypeIgnoresParametersAndCase) {
  EXPECT_EQ(MediaType(" Application/JSON ; charset=utf-8"), "application/json");
  EXPECT_FALSE(IsApiBodyType("application/jsonp"));
  EXPECT_TRUE(IsApiBodyType("application/octet-stream;x=y"));
}

}  // namespace
}  // namespace flytebox::server
