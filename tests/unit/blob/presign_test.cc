// The data proxy over S3: presigned URLs handed to the host, used by the curl command line
// with the headers flytekit sends, against a real versitygw.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "common/digest.h"
#include "common/subprocess.h"
#include "embedded/blob/s3_store.h"
#include "embedded/dataproxy/dataproxy.h"
#include "embedded/dataproxy/url_minter.h"
#include "tests/unit/blob/versitygw.h"

namespace flytebox::dataproxy {
namespace {

namespace fs = std::filesystem;
namespace fsvc = flyteidl::service;
using namespace std::chrono_literals;
using digest::Md5;

struct HttpResult {
  int status = 0;
  std::string body;
};

class PresignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = blob::testing::Versitygw::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    gw_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete gw_;
    gw_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(gw_, nullptr);
    blob::S3Config config = gw_->Config("presign-" + blob::testing::RandomHex(4));
    // The host reaches S3 by another name than the engine does.
    config.public_endpoint = "http://localhost:" + std::to_string(gw_->port());
    auto store = blob::OpenS3Store(config);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->EnsureBucket().ok());
    minter_ = std::make_unique<S3UrlMinter>(store_.get());
    proxy_ = std::make_unique<DataProxy>(
        DataProxyOptions{store_.get(), minter_.get(), nullptr, &clock_, nullptr});
    tmp_ = fs::temp_directory_path() / ("flytebox-presign-" + blob::testing::RandomHex(4));
    fs::create_directories(tmp_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // The curl command line, as an independent client: PUT `body` (when given) or GET.
  HttpResult Curl(const std::string& url, const std::vector<std::string>& headers,
                  const std::string* body = nullptr) {
    std::vector<std::string> argv = {"curl", "-sS", "-o", "-", "-w", "\n%{http_code}"};
    for (const auto& h : headers) argv.insert(argv.end(), {"-H", h});
    if (body) {
      fs::path file = tmp_ / "body";
      std::ofstream(file, std::ios::binary) << *body;
      argv.insert(argv.end(), {"-T", file.string()});
    }
    argv.push_back(url);
    auto run = RunCapture(argv, std::chrono::seconds(30));
    EXPECT_TRUE(run.ok()) << run.status().ToString();
    if (!run.ok()) return {};
    std::string& out = run->out;
    size_t nl = out.rfind('\n');
    return {std::atoi(out.c_str() + nl + 1), out.substr(0, nl)};
  }

  fsvc::CreateUploadLocationResponse UploadLocation(const std::string& body,
                                                    const std::string& filename) {
    fsvc::CreateUploadLocationRequest req;
    req.set_project("flytesnacks");
    req.set_domain("development");
    req.set_content_md5(Md5(body));
    req.set_filename(filename);
    req.set_add_content_md5_metadata(true);
    auto resp = proxy_->CreateUploadLocation(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? *resp : fsvc::CreateUploadLocationResponse();
  }

  std::string DownloadUrl(const std::string& native_url, int64_t seconds = 0) {
    fsvc::CreateDownloadLocationRequest req;
    req.set_native_url(native_url);
    req.mutable_expires_in()->set_seconds(seconds);
    auto resp = proxy_->CreateDownloadLocation(req);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    return resp.ok() ? resp->signed_url() : "";
  }

  // What flytekit sends beside Content-Length: the response's headers.
  static std::vector<std::string> FlytekitHeaders(const fsvc::CreateUploadLocationResponse& r) {
    std::vector<std::string> out;
    for (const auto& [name, value] : r.headers()) out.push_back(name + ": " + value);
    return out;
  }

  static blob::testing::Versitygw* gw_;
  FakeClock clock_{Clock::Real()->Now()};
  std::unique_ptr<blob::S3Store> store_;
  std::unique_ptr<S3UrlMinter> minter_;
  std::unique_ptr<DataProxy> proxy_;
  fs::path tmp_;
};

blob::testing::Versitygw* PresignTest::gw_ = nullptr;

TEST_F(PresignTest, UploadWithFlytekitHeadersThenDownload) {
  std::string body = "fast register archive\n" + std::string(5000, 'z');
  auto loc = UploadLocation(body, "fastabc.tar.gz");
  // The body's MD5 in base32 and base64, worked out apart from the engine.
  std::string key = "uploads/flytesnacks/development/ZFVMWWIFHWYX5N7LGHEBJ3TCCA======/fastabc.tar.gz";
  const std::string md5_b64 = "yWrLWQU9sX636zHIFO5iEA==";
  EXPECT_EQ(loc.native_url(), store_->Uri(key));
  EXPECT_EQ(loc.signed_url().rfind("http://localhost:" + std::to_string(gw_->port()) + "/", 0), 0u)
      << loc.signed_url();
  EXPECT_NE(loc.signed_url().find("X-Amz-Expires=3600"), std::string::npos);
  EXPECT_NE(loc.signed_url().find(
                "X-Amz-SignedHeaders=content-md5%3Bhost%3Bx-amz-meta-flytecontentmd5"),
            std::string::npos)
      << loc.signed_url();
  EXPECT_EQ(loc.headers().at("Content-MD5"), md5_b64);
  EXPECT_EQ(loc.headers().at("x-amz-meta-flytecontentmd5"), md5_b64);

  HttpResult put = Curl(loc.signed_url(), FlytekitHeaders(loc), &body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(store_->Get(key).value_or("?"), body);

  HttpResult get = Curl(DownloadUrl(loc.native_url()), {});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, body);
}

TEST_F(PresignTest, TamperedUploadsAreRefused) {
  std::string body = "the real content";
  auto loc = UploadLocation(body, "f.bin");
  std::string key = *store_->KeyOf(loc.native_url());
  std::vector<std::string> headers = FlytekitHeaders(loc);

  // Another body with the signed Content-MD5: the server checks the digest.
  std::string other = "other content!!!";
  EXPECT_NE(Curl(loc.signed_url(), headers, &other).status, 200);
  // Another body with its own Content-MD5: that header is signed.
  std::vector<std::string> other_md5 = {"Content-MD5: " + Base64(Md5(other)),
                                        "x-amz-meta-flytecontentmd5: " + Base64(Md5(body))};
  EXPECT_EQ(Curl(loc.signed_url(), other_md5, &other).status, 403);
  // Without the signed headers.
  EXPECT_EQ(Curl(loc.signed_url(), {}, &body).status, 403);
  // Another object, a longer life, or another signature.
  std::string url = loc.signed_url();
  std::string other_key = url;
  other_key.replace(other_key.find("/f.bin?"), 7, "/g.bin?");
  EXPECT_EQ(Curl(other_key, headers, &body).status, 403);
  std::string longer = url;
  longer.replace(longer.find("X-Amz-Expires=3600"), 18, "X-Amz-Expires=3599");
  EXPECT_EQ(Curl(longer, headers, &body).status, 403);
  std::string resigned = url;
  resigned.back() = resigned.back() == '0' ? '1' : '0';
  EXPECT_EQ(Curl(resigned, headers, &body).status, 403);
  EXPECT_FALSE(store_->Exists(key).value_or(true));
  EXPECT_FALSE(store_->Exists(key.substr(0, key.size() - 5) + "g.bin").value_or(true));

  // A GET URL does not allow a PUT.
  ASSERT_TRUE(store_->Put(key, "seed").ok());
  EXPECT_EQ(Curl(DownloadUrl(loc.native_url()), {}, &body).status, 403);
  EXPECT_EQ(store_->Get(key).value_or("?"), "seed");
}

TEST_F(PresignTest, ExpiredUrlsAreRefused) {
  std::string body = "expiring";
  auto key = "flytesnacks/development/exp/obj.txt";
  ASSERT_TRUE(store_->Put(key, body).ok());
  // URLs minted two hours ago, for one minute.
  FakeClock past(Clock::Real()->Now() - 2h);
  DataProxy old_proxy(DataProxyOptions{store_.get(), minter_.get(), nullptr, &past, nullptr});
  fsvc::CreateDownloadLocationRequest get;
  get.set_native_url(store_->Uri(key));
  get.mutable_expires_in()->set_seconds(60);
  fsvc::CreateUploadLocationRequest put;
  put.set_project("flytesnacks");
  put.set_domain("development");
  put.set_content_md5(Md5(body));
  put.mutable_expires_in()->set_seconds(60);
  auto get_url = old_proxy.CreateDownloadLocation(get);
  auto put_url = old_proxy.CreateUploadLocation(put);
  ASSERT_TRUE(get_url.ok() && put_url.ok());
  EXPECT_EQ(Curl(get_url->signed_url(), {}).status, 403);
  EXPECT_EQ(Curl(put_url->signed_url(), FlytekitHeaders(*put_url), &body).status, 403);
  // The same requests minted now work.
  EXPECT_EQ(Curl(DownloadUrl(store_->Uri(key), 60), {}).body, body);
}

TEST_F(PresignTest, UploadWithoutMd5AcceptsAnyBody) {
  fsvc::CreateUploadLocationRequest req;
  req.set_project("flytesnacks");
  req.set_domain("development");
  req.set_filename_root("root");
  req.set_filename("data.json");
  auto loc = proxy_->CreateUploadLocation(req);
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_TRUE(loc->headers().empty());
  std::string body = "{\"a\": 1}";
  HttpResult put = Curl(loc->signed_url(), {}, &body);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(store_->Get("uploads/flytesnacks/development/root/data.json").value_or("?"), body);
}

TEST_F(PresignTest, MissingObjectAndForeignUris) {
  EXPECT_EQ(Curl(DownloadUrl(store_->Uri("no/such.pb")), {}).status, 404);
  fsvc::CreateDownloadLocationRequest req;
  req.set_native_url("s3://another-bucket/a.pb");
  EXPECT_EQ(proxy_->CreateDownloadLocation(req).status().code(), Code::kInvalidArgument);
  req.set_native_url(store_->UriPrefix() + "/a/../../etc/passwd");
  EXPECT_EQ(proxy_->CreateDownloadLocation(req).status().code(), Code::kInvalidArgument);
}

TEST_F(PresignTest, LifetimeIsBounded) {
  auto now = Clock::Real()->Now();
  EXPECT_EQ(store_->PresignedUrl("GET", "a", now, 0, {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->PresignedUrl("GET", "a", now, 3601, {}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->PresignedUrl("DELETE", "a", now, 60, {}).status().code(),
            Code::kInvalidArgument);
  // The data proxy caps what a client asks for at one hour.
  std::string url = DownloadUrl(store_->Uri("a"), 86400);
  EXPECT_NE(url.find("X-Amz-Expires=3600"), std::string::npos) << url;
}

TEST_F(PresignTest, EngineServedUrlsAreRefusedWhenObjectsAreInS3) {
  EXPECT_EQ(proxy_->Upload("a", "1", "", "sig", "", "x").code(), Code::kFailedPrecondition);
  EXPECT_EQ(proxy_->Download("a", "1", "sig").status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace flytebox::dataproxy
