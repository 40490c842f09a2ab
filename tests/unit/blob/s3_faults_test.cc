// The S3 store against a real versitygw with faults put between them: an HttpClientWrapper
// that forwards to the real libcurl client except where a test breaks it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "embedded/blob/http_client.h"
#include "embedded/blob/s3_store.h"
#include "tests/unit/blob/versitygw.h"

namespace flytebox::blob {
namespace {

using namespace std::chrono_literals;
using testing::Versitygw;

// S3 down: while `down`, every request fails the way an unreachable server does (no answer)
// or, with `busy_status`, gets that status with an S3 error body (an overloaded server).
class DownHttpClient : public HttpClientWrapper {
 public:
  explicit DownHttpClient(HttpClient* target) : HttpClientWrapper(target) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (!down_) return HttpClientWrapper::Send(request);
    ++failed_;
    if (busy_status_ == 0) return Status::Unavailable("Couldn't connect to server");
    HttpResponse response;
    response.status = busy_status_;
    response.body =
        "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
        "</Message></Error>";
    return response;
  }
  void set_down(bool down, long busy_status = 0) {
    down_ = down;
    busy_status_ = busy_status;
  }
  int failed() const { return failed_; }

 private:
  std::atomic<bool> down_{false};
  std::atomic<long> busy_status_{0};
  std::atomic<int> failed_{0};
};

// A slow server: each request waits `delay` on `clock` before it reaches the server.
class SlowHttpClient : public HttpClientWrapper {
 public:
  SlowHttpClient(HttpClient* target, Clock* clock, std::chrono::milliseconds delay)
      : HttpClientWrapper(target), clock_(clock), delay_(delay) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    clock_->SleepUntil(clock_->Monotonic() + delay_);
    return HttpClientWrapper::Send(request);
  }

 private:
  Clock* clock_;
  std::chrono::milliseconds delay_;
};

class S3FaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = Versitygw::Start();
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // A store on the real server whose requests go through `http`, with its bucket made.
  std::unique_ptr<S3Store> Open(std::shared_ptr<HttpClient> http) {
    if (server_ == nullptr) {
      ADD_FAILURE() << "versitygw did not start";
      return nullptr;
    }
    std::string bucket = "faults-" + testing::RandomHex(4);
    auto store = OpenS3Store(server_->Config(bucket), {Clock::Real(), std::move(http)});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    Status made = (*store)->EnsureBucket();
    EXPECT_TRUE(made.ok()) << made.ToString();
    return std::move(store).value();
  }

  static Versitygw* server_;
  std::unique_ptr<HttpClient> real_ = HttpClient::NewCurl();
};

Versitygw* S3FaultsTest::server_ = nullptr;

TEST_F(S3FaultsTest, S3DownIsUnavailableNamingTheEndpointAndRecovers) {
  auto faults = std::make_shared<DownHttpClient>(real_.get());
  auto store = Open(faults);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("metadata/kept.pb", "before").ok());

  faults->set_down(true);
  for (Status st : {store->Put("metadata/new.pb", "x"), store->Get("metadata/kept.pb").status(),
                    store->Exists("metadata/kept.pb").status(),
                    store->Size("metadata/kept.pb").status(), store->Delete("metadata/kept.pb"),
                    store->List("metadata/").status(), store->EnsureBucket()}) {
    EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
    EXPECT_NE(st.message().find(server_->endpoint()), std::string::npos) << st.ToString();
    EXPECT_NE(st.message().find("is it running?"), std::string::npos) << st.ToString();
  }
  EXPECT_EQ(faults->failed(), 7);

  // Back up: nothing was lost or changed while it was down.
  faults->set_down(false);
  EXPECT_EQ(store->Get("metadata/kept.pb").value_or("?"), "before");
  EXPECT_FALSE(store->Exists("metadata/new.pb").value_or(true));
}

TEST_F(S3FaultsTest, OverloadedServerIsUnavailableWithItsReason) {
  auto faults = std::make_shared<DownHttpClient>(real_.get());
  auto store = Open(faults);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("a.pb", "v").ok());
  faults->set_down(true, 503);
  Status put = store->Put("a.pb", "w");
  EXPECT_EQ(put.code(), Code::kUnavailable) << put.ToString();
  EXPECT_NE(put.message().find("SlowDown: Please reduce your request rate."), std::string::npos)
      << put.ToString();
  EXPECT_EQ(store->Get("a.pb").status().code(), Code::kUnavailable);
  faults->set_down(false);
  EXPECT_EQ(store->Get("a.pb").value_or("?"), "v");
}

TEST_F(S3FaultsTest, SlowServerRequestsOverlapAndAllComplete) {
  FakeClock clock;
  auto slow = std::make_shared<SlowHttpClient>(real_.get(), &clock, 2s);
  auto fast = Open(std::shared_ptr<HttpClient>(real_.get(), [](HttpClient*) {}));
  ASSERT_NE(fast, nullptr);
  auto store = OpenS3Store(fast->config(), {Clock::Real(), slow});
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  constexpr int kWriters = 4;
  std::atomic<int> done{0};
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[i] = (*store)->Put("slow/" + std::to_string(i), "v" + std::to_string(i));
      ++done;
    });
  }
  // Every request is in flight at once: the store does not serialize them behind one
  // connection, and none finishes before the server answers.
  while (clock.sleepers() < kWriters) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(done.load(), 0);
  clock.Advance(2s);
  for (auto& t : writers) t.join();
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_TRUE(results[i].ok()) << results[i].ToString();
    EXPECT_EQ(fast->Get("slow/" + std::to_string(i)).value_or("?"), "v" + std::to_string(i));
  }
}

}  // namespace
}  // namespace flytebox::blob
