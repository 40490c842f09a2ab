// The S3 store against a real versitygw, and the BlobStore contract on both stores.
#include "embedded/blob/s3_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/unit/blob/versitygw.h"

namespace flytebox::blob {
namespace {

namespace fs = std::filesystem;
using testing::Versitygw;

// One versitygw for the whole binary (stopped at exit); each test uses its own bucket.
Versitygw* SharedServer() {
  static std::unique_ptr<Versitygw> gw = [] {
    auto started = Versitygw::Start();
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    return started.ok() ? std::move(started).value() : nullptr;
  }();
  return gw.get();
}

std::string BucketForTest() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string out = "t-";
  for (char c : name) {
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '-';
  }
  out = out.substr(0, 50) + "-" + testing::RandomHex(3);
  return out;
}

std::unique_ptr<S3Store> OpenOnServer(const std::string& bucket) {
  Versitygw* gw = SharedServer();
  if (gw == nullptr) return nullptr;
  auto store = OpenS3Store(gw->Config(bucket));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  Status st = (*store)->EnsureBucket();
  EXPECT_TRUE(st.ok()) << st.ToString();
  return std::move(store).value();
}

// ---- The contract, on the file store and on S3 ----

enum class Kind { kFile, kS3 };

class BlobContractTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kFile) {
      root_ = fs::temp_directory_path() / ("flytebox-blob-" + testing::RandomHex(6));
      store_ = std::move(OpenFileStore(root_.string(), "my-s3-bucket")).value();
    } else {
      auto s3 = OpenOnServer(BucketForTest());
      ASSERT_NE(s3, nullptr);
      store_ = std::move(s3);
    }
  }
  void TearDown() override {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  fs::path root_;
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobContractTest, PutGetExistsSize) {
  std::string data("binary\0data\xff", 12);
  ASSERT_TRUE(store_->Put("metadata/a/inputs.pb", data).ok());
  EXPECT_EQ(store_->Get("metadata/a/inputs.pb").value_or("?"), data);
  EXPECT_TRUE(store_->Exists("metadata/a/inputs.pb").value_or(false));
  EXPECT_EQ(store_->Size("metadata/a/inputs.pb").value_or(-1), 12);
  // Overwrite.
  ASSERT_TRUE(store_->Put("metadata/a/inputs.pb", "").ok());
  EXPECT_EQ(store_->Size("metadata/a/inputs.pb").value_or(-1), 0);
  EXPECT_EQ(store_->Get("metadata/a/inputs.pb").value_or("?"), "");
}

TEST_P(BlobContractTest, MissingObjects) {
  auto got = store_->Get("no/such/key.pb");
  EXPECT_EQ(got.status().code(), Code::kNotFound);
  EXPECT_NE(got.status().message().find(store_->Uri("no/such/key.pb")), std::string::npos)
      << got.status().message();
  EXPECT_EQ(store_->Exists("no/such/key.pb").value_or(true), false);
  EXPECT_EQ(store_->Size("no/such/key.pb").status().code(), Code::kNotFound);
  // A "folder" is not an object.
  ASSERT_TRUE(store_->Put("dir/child.pb", "x").ok());
  EXPECT_EQ(store_->Exists("dir").value_or(true), false);
}

TEST_P(BlobContractTest, KeysAreValidatedBeforeAnyRequest) {
  for (const char* bad : {"", "/abs", "a//b", "a/../b", "..", "a/./b", "a/"}) {
    EXPECT_EQ(store_->Put(bad, "x").code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Get(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Exists(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Size(bad).status().code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(bad).code(), Code::kInvalidArgument) << bad;
  }
}

TEST_P(BlobContractTest, KeysWithCharactersThatNeedEncoding) {
  for (std::string key : {"sp ace/x+y=z&w.txt", "unicode/\xc3\xbc\xc3\xb1\xc3\xaf.pb",
                          "tilde~/per%cent/semi;colon,comma'quote(1).txt"}) {
    ASSERT_TRUE(store_->Put(key, "v:" + key).ok()) << key;
    EXPECT_EQ(store_->Get(key).value_or("?"), "v:" + key);
    EXPECT_EQ(store_->Size(key).value_or(-1), static_cast<int64_t>(key.size() + 2));
  }
  auto keys = store_->List("sp ace/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(*keys, std::vector<std::string>{"sp ace/x+y=z&w.txt"});
}

TEST_P(BlobContractTest, ListAndDelete) {
  for (const char* key : {"p/b.pb", "p/a.pb", "p/sub/c.pb", "q/d.pb", "pp.pb"}) {
    ASSERT_TRUE(store_->Put(key, key).ok());
  }
  EXPECT_EQ(store_->List("p/").value_or({}),
            (std::vector<std::string>{"p/a.pb", "p/b.pb", "p/sub/c.pb"}));
  EXPECT_EQ(store_->List("p").value_or({}).size(), 4u);
  EXPECT_EQ(store_->List("").value_or({}).size(), 5u);
  EXPECT_EQ(store_->List("none/").value_or({"?"}), std::vector<std::string>{});
  ASSERT_TRUE(store_->Delete("p/a.pb").ok());
  EXPECT_TRUE(store_->Delete("p/a.pb").ok());  // already gone
  EXPECT_FALSE(store_->Exists("p/a.pb").value_or(true));
  EXPECT_EQ(store_->List("p/").value_or({}), (std::vector<std::string>{"p/b.pb", "p/sub/c.pb"}));
}

TEST_P(BlobContractTest, UrisRoundTrip) {
  std::string uri = store_->Uri("a/b.pb");
  EXPECT_EQ(store_->KeyOf(uri).value_or(""), "a/b.pb");
  EXPECT_EQ(store_->KeyOf("s3://other-bucket/a/b.pb").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->KeyOf(store_->UriPrefix() + "/../x").status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobContractTest, ::testing::Values(Kind::kFile, Kind::kS3),
                         [](const auto& param) {
                           return param.param == Kind::kFile ? "File" : "S3";
                         });

// ---- S3 only ----

TEST(S3StoreTest, UriIsS3AndObjectsArePlainFiles) {
  std::string bucket = BucketForTest();
  auto store = OpenOnServer(bucket);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->UriPrefix(), "s3://" + bucket);
  ASSERT_TRUE(store->Put("metadata/x/outputs.pb", "hello").ok());
  // versitygw's posix backend: a user sees their data with ls.
  EXPECT_TRUE(
      fs::is_regular_file(SharedServer()->dir() / "data" / bucket / "metadata/x/outputs.pb"));
}

TEST(S3StoreTest, EnsureBucketCreatesOnceAndIsIdempotent) {
  std::string bucket = BucketForTest();
  Versitygw* gw = SharedServer();
  ASSERT_NE(gw, nullptr);
  auto store = std::move(OpenS3Store(gw->Config(bucket))).value();
  EXPECT_EQ(store->Put("k", "v").code(), Code::kNotFound);  // no bucket yet
  EXPECT_FALSE(fs::exists(gw->dir() / "data" / bucket));
  ASSERT_TRUE(store->EnsureBucket().ok());
  EXPECT_TRUE(fs::is_directory(gw->dir() / "data" / bucket));
  ASSERT_TRUE(store->EnsureBucket().ok());
  ASSERT_TRUE(store->Put("k", "v").ok());
}

TEST(S3StoreTest, WrongCredentialsArePermissionDenied) {
  std::string bucket = BucketForTest();
  ASSERT_NE(OpenOnServer(bucket), nullptr);
  S3Config config = SharedServer()->Config(bucket);
  config.secret_key = "wrong-secret-value-12345";
  auto store = std::move(OpenS3Store(config)).value();
  for (Status st : {store->Put("k", "v"), store->Get("k").status(), store->EnsureBucket(),
                    store->Size("k").status(), store->List("").status()}) {
    EXPECT_EQ(st.code(), Code::kPermissionDenied) << st.ToString();
    EXPECT_NE(st.message().find("check the access key/secret"), std::string::npos) << st.ToString();
    EXPECT_EQ(st.message().find(config.secret_key), std::string::npos);
  }
  config = SharedServer()->Config(bucket);
  config.access_key = "NOSUCHKEY";
  store = std::move(OpenS3Store(config)).value();
  EXPECT_EQ(store->Put("k", "v").code(), Code::kPermissionDenied);
}

TEST(S3StoreTest, EndpointDownIsUnavailableNamingIt) {
  Versitygw* gw = SharedServer();
  ASSERT_NE(gw, nullptr);
  S3Config config = gw->Config("down-bucket");
  int port = testing::FreePort();
  config.endpoint = "http://127.0.0.1:" + std::to_string(port);
  auto store = std::move(OpenS3Store(config)).value();
  for (Status st : {store->EnsureBucket(), store->Put("k", "v"), store->Get("k").status(),
                    store->Exists("k").status()}) {
    EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
    EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << st.ToString();
  }
}

TEST(S3StoreTest, ServerStoppingMidwayIsUnavailable) {
  auto gw = std::move(Versitygw::Start()).value();
  auto store = std::move(OpenS3Store(gw->Config("b-stop"))).value();
  ASSERT_TRUE(store->EnsureBucket().ok());
  ASSERT_TRUE(store->Put("k", "v").ok());  // leaves a pooled connection behind
  gw->Stop();
  EXPECT_EQ(store->Get("k").status().code(), Code::kUnavailable);
}

TEST(S3StoreTest, ConfigIsCheckedWithoutContactingTheServer) {
  S3Config good{"http://127.0.0.1:1", "", "us-east-1", "my-s3-bucket", "ak", "sk"};
  EXPECT_TRUE(OpenS3Store(good).ok());
  auto with = [&](auto change) {
    S3Config c = good;
    change(c);
    return OpenS3Store(c).status().code();
  };
  EXPECT_EQ(with([](S3Config& c) { c.endpoint = "127.0.0.1:9000"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.endpoint = "ftp://h:1"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.endpoint = "http://h:1/path"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.endpoint = "http://h:99999"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.public_endpoint = "localhost:30002"; }),
            Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.bucket = "My_Bucket"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.bucket = "ab"; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.secret_key = ""; }), Code::kInvalidArgument);
  EXPECT_EQ(with([](S3Config& c) { c.access_key = ""; }), Code::kInvalidArgument);
}

TEST(S3StoreTest, EndpointParsing) {
  EXPECT_EQ(ParseEndpoint("http://localhost:30002/").value().Base(), "http://localhost:30002");
  EXPECT_EQ(ParseEndpoint("HTTP://h:80").value().authority, "h");
  EXPECT_EQ(ParseEndpoint("https://h:443").value().authority, "h");
  EXPECT_EQ(ParseEndpoint("https://h:8443").value().authority, "h:8443");
  EXPECT_EQ(ParseEndpoint("http://[::1]:9000").value().authority, "[::1]:9000");
  EXPECT_EQ(ParseEndpoint("http://h").value().authority, "h");
  EXPECT_FALSE(ParseEndpoint("http://user@h:1").ok());
  EXPECT_FALSE(ParseEndpoint("http://:1").ok());
}

TEST(S3StoreTest, FlytekitEnvironment) {
  S3Config c{"http://127.0.0.1:30002", "http://localhost:30002", "us-east-1", "b", "ak", "sk"};
  auto env = FlytekitEnv(c);
  EXPECT_EQ(env.at("FLYTE_AWS_ENDPOINT"), "http://127.0.0.1:30002");
  EXPECT_EQ(env.at("FLYTE_AWS_ACCESS_KEY_ID"), "ak");
  EXPECT_EQ(env.at("FLYTE_AWS_SECRET_ACCESS_KEY"), "sk");
}

// Many small objects from several threads over pooled connections: all land intact.
TEST(S3StoreTest, ManySmallObjectsConcurrently) {
  auto store = OpenOnServer(BucketForTest());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4, kPerThread = 150;
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "small/" + std::to_string(t) + "/" + std::to_string(i) + ".pb";
        if (!store->Put(key, key + std::string(100, 'x')).ok()) ++failures;
        auto got = store->Get(key);
        if (!got.ok() || *got != key + std::string(100, 'x')) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  EXPECT_EQ(failures.load(), 0);
  auto keys = store->List("small/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), static_cast<size_t>(kThreads * kPerThread));
  RecordProperty("put_get_pairs", kThreads * kPerThread);
  RecordProperty("elapsed_ms", static_cast<int>(elapsed.count()));
  std::printf("%d put+get pairs in %lld ms\n", kThreads * kPerThread,
              static_cast<long long>(elapsed.count()));
}

// ListObjectsV2 pages hold 1000 keys: more than that needs the continuation token.
TEST(S3StoreTest, ListFollowsContinuationTokens) {
  auto store = OpenOnServer(BucketForTest());
  ASSERT_NE(store, nullptr);
  constexpr int kCount = 1105;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCount; i += 4) {
        EXPECT_TRUE(store->Put("many/" + std::to_string(100000 + i), "").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto keys = store->List("many/");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), static_cast<size_t>(kCount));
  EXPECT_EQ(keys->front(), "many/100000");
  EXPECT_EQ(keys->back(), "many/" + std::to_string(100000 + kCount - 1));
}

}  // namespace
}  // namespace flytebox::blob
