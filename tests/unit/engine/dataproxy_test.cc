#include "embedded/dataproxy/dataproxy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/digest.h"
#include "embedded/blob/blob_store.h"

namespace flytebox::dataproxy {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using digest::Md5;

class DataProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("flytebox-dp-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    blobs_ = std::move(blob::OpenFileStore(root_.string(), "my-s3-bucket")).value();
    minter_ = std::make_unique<EngineUrlMinter>("http://localhost:30080", &signer_);
    proxy_ = std::make_unique<DataProxy>(
        DataProxyOptions{blobs_.get(), minter_.get(), &signer_, &clock_, nullptr});
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::string Unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  // Splits a signed URL into key and query values, decoded as the HTTP server does.
  struct Parsed {
    std::string key, expires, md5, signature;
  };
  static Parsed Parse(const std::string& url) {
    Parsed p;
    std::string rest = url.substr(std::string("http://localhost:30080/blobs/").size());
    p.key = Unescape(rest.substr(0, rest.find('?')));
    std::string query = rest.substr(rest.find('?') + 1);
    size_t pos = 0;
    while (pos < query.size()) {
      size_t end = query.find('&', pos);
      if (end == std::string::npos) end = query.size();
      std::string kv = query.substr(pos, end - pos);
      std::string k = kv.substr(0, kv.find('=')), v = kv.substr(kv.find('=') + 1);
      if (k == "expires") p.expires = v;
      if (k == "md5") p.md5 = Unescape(v);
      if (k == "signature") p.signature = v;
      pos = end + 1;
    }
    return p;
  }

  fs::path root_;
  FakeClock clock_;
  UrlSigner signer_{"test-secret"};
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<EngineUrlMinter> minter_;
  std::unique_ptr<DataProxy> proxy_;
};

TEST_F(DataProxyTest, UploadLocationFromMd5) {
  flyteidl::service::CreateUploadLocationRequest req;
  req.set_project("flytesnacks");
  req.set_domain("development");
  std::string body = "archive bytes";
  req.set_content_md5(Md5(body));
  req.set_filename("fastabc.tar.gz");
  req.set_add_content_md5_metadata(true);
  auto resp = proxy_->CreateUploadLocation(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  // The MD5 of "archive bytes" in base32 and base64, worked out apart from the engine.
  const std::string folder = "PBOYQ62DFRXJB6FMDLBRXI6YIU======";
  const std::string md5_b64 = "eF2Ie0MsbpD4rBrDG6PYRQ==";
  // The local store hands out plain paths: flytekit refuses file:// files.
  EXPECT_EQ(resp->native_url(), blobs_->NativeUri("uploads/flytesnacks/development/" + folder +
                                                  "/fastabc.tar.gz"));
  EXPECT_EQ(resp->native_url().rfind("file://", 0), std::string::npos);
  EXPECT_EQ(resp->headers().at("Content-MD5"), md5_b64);
  EXPECT_EQ(resp->headers().at("x-amz-meta-flytecontentmd5"), md5_b64);

  Parsed p = Parse(resp->signed_url());
  EXPECT_EQ(p.md5, md5_b64);
  ASSERT_TRUE(proxy_->Upload(p.key, p.expires, p.md5, p.signature, "", body).ok());
  EXPECT_EQ(blobs_->Get(p.key).value_or(""), body);
  // Another body than the one the URL was made for is refused.
  EXPECT_EQ(proxy_->Upload(p.key, p.expires, md5_b64, p.signature, "", "other").code(),
            Code::kInvalidArgument);
}

TEST_F(DataProxyTest, SignedUrlIsScopedAndExpires) {
  flyteidl::service::CreateUploadLocationRequest req;
  req.set_project("flytesnacks");
  req.set_domain("development");
  req.set_filename_root("root");
  req.set_filename("f.txt");
  auto resp = proxy_->CreateUploadLocation(req);
  ASSERT_TRUE(resp.ok());
  Parsed p = Parse(resp->signed_url());
  EXPECT_EQ(proxy_->Upload("uploads/flytesnacks/development/root/other.txt", p.expires, "", p.signature,
                           "", "x").code(),
            Code::kPermissionDenied);
  clock_.Advance(3601s);
  EXPECT_EQ(proxy_->Upload(p.key, p.expires, "", p.signature, "", "x").code(),
            Code::kPermissionDenied);
}

// Even a correctly signed URL cannot write outside uploads/: never over metadata/, outputs
// or the cache.
TEST_F(DataProxyTest, UploadsOnlyUnderTheUploadPrefix) {
  int64_t expires = std::chrono::duration_cast<std::chrono::seconds>(
                        clock_.Now().time_since_epoch()).count() + 60;
  for (std::string key : {"metadata/flytesnacks/development/e1/inputs", "cache/x/outputs.pb"}) {
    std::string signature = signer_.Sign("PUT", key, expires, "");
    Status st = proxy_->Upload(key, std::to_string(expires), "", signature, "", "x");
    EXPECT_EQ(st.code(), Code::kPermissionDenied) << key << ": " << st.ToString();
    EXPECT_FALSE(blobs_->Get(key).ok()) << key;
  }
  flyteidl::service::CreateUploadLocationRequest req;
  req.set_project("metadata");
  req.set_domain("flytesnacks");
  req.set_filename_root("development");
  req.set_filename("inputs");
  auto resp = proxy_->CreateUploadLocation(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->native_url(), blobs_->NativeUri("uploads/metadata/flytesnacks/development/inputs"));
}

TEST_F(DataProxyTest, RejectsBadRequests) {
  flyteidl::service::CreateUploadLocationRequest req;
  req.set_project("flytesnacks");
  EXPECT_EQ(proxy_->CreateUploadLocation(req).status().code(), Code::kInvalidArgument);
  req.set_domain("development");
  EXPECT_EQ(proxy_->CreateUploadLocation(req).status().code(), Code::kInvalidArgument);
  req.set_filename_root("../escape");
  EXPECT_EQ(proxy_->CreateUploadLocation(req).status().code(), Code::kInvalidArgument);
}

TEST_F(DataProxyTest, DownloadLinkForADeck) {
  ASSERT_TRUE(blobs_->Put("metadata/propeller/x/n0/data/0/deck.html", "<html>deck</html>").ok());
  std::map<std::string, std::string> decks = {
      {"n0", blobs_->Uri("metadata/propeller/x/n0/data/0/deck.html")}, {"n1", ""}};
  DataProxyOptions options{blobs_.get(), minter_.get(), &signer_, &clock_,
                           [&](const flyteidl::core::NodeExecutionIdentifier& id)
                               -> Result<std::string> {
                             auto it = decks.find(id.node_id());
                             if (it == decks.end()) return Status::NotFound("no " + id.node_id());
                             return it->second;
                           }};
  DataProxy proxy(options);
  flyteidl::service::CreateDownloadLinkRequest req;
  req.set_artifact_type(flyteidl::service::ARTIFACT_TYPE_DECK);
  req.mutable_node_execution_id()->set_node_id("n0");
  auto link = proxy.CreateDownloadLink(req);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  ASSERT_EQ(link->pre_signed_urls().signed_url_size(), 1);
  Parsed p = Parse(link->pre_signed_urls().signed_url(0));
  EXPECT_EQ(proxy.Download(p.key, p.expires, p.signature).value_or(""), "<html>deck</html>");
  EXPECT_EQ(link->pre_signed_urls().expires_at().seconds(), std::stoll(p.expires));

  req.mutable_node_execution_id()->set_node_id("n1");
  EXPECT_EQ(proxy.CreateDownloadLink(req).status().code(), Code::kNotFound);
  req.mutable_node_execution_id()->set_node_id("n9");
  EXPECT_EQ(proxy.CreateDownloadLink(req).status().code(), Code::kNotFound);
  req.set_artifact_type(flyteidl::service::ARTIFACT_TYPE_UNDEFINED);
  EXPECT_EQ(proxy.CreateDownloadLink(req).status().code(), Code::kInvalidArgument);
}

TEST_F(DataProxyTest, DownloadUrlIsForOneObjectAndMethod) {
  ASSERT_TRUE(blobs_->Put("a/b.pb", "bytes").ok());
  flyteidl::service::CreateDownloadLocationRequest req;
  req.set_native_url(blobs_->Uri("a/b.pb"));
  auto resp = proxy_->CreateDownloadLocation(req);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  Parsed p = Parse(resp->signed_url());
  EXPECT_EQ(proxy_->Download(p.key, p.expires, p.signature).value_or(""), "bytes");
  EXPECT_EQ(proxy_->Download("a/c.pb", p.expires, p.signature).status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(proxy_->Upload(p.key, p.expires, "", p.signature, "", "x").code(),
            Code::kPermissionDenied);
  req.set_native_url("s3://elsewhere/a/b.pb");
  EXPECT_EQ(proxy_->CreateDownloadLocation(req).status().code(), Code::kInvalidArgument);
}

TEST(BlobKeyTest, Validation) {
  EXPECT_TRUE(blob::ValidateKey("a/b/c.pb").ok());
  for (const char* bad : {"", "/abs", "a//b", "a/../b", "..", "a/./b", "a/"}) {
    EXPECT_EQ(blob::ValidateKey(bad).code(), Code::kInvalidArgument) << bad;
  }
}

// RFC 4648's test vectors (section 10).
TEST(EncodingTest, Base64Rfc4648Vectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(EncodingTest, Base32Rfc4648Vectors) {
  EXPECT_EQ(Base32WithPadding(""), "");
  EXPECT_EQ(Base32WithPadding("f"), "MY======");
  EXPECT_EQ(Base32WithPadding("fo"), "MZXQ====");
  EXPECT_EQ(Base32WithPadding("foo"), "MZXW6===");
  EXPECT_EQ(Base32WithPadding("foob"), "MZXW6YQ=");
  EXPECT_EQ(Base32WithPadding("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32WithPadding("foobar"), "MZXW6YTBOI======");
}

TEST(EncodingTest, Md5AsFlytekitSendsIt) {
  // RFC 1321's "abc": raw bytes, in base64 as Content-MD5 carries them.
  EXPECT_EQ(Base64(Md5("abc")), "kAFQmDzST7DWlj99KOF/cg==");
}

}  // namespace
}  // namespace flytebox::dataproxy
