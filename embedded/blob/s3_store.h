#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "embedded/blob/blob_store.h"

namespace flytebox::blob {

class HttpClient;
struct HttpResponse;

// How to reach an S3 server (versitygw in the sandbox). Path-style addressing:
// `<endpoint>/<bucket>/<key>`.
struct S3Config {
  // Where the engine and its task processes reach S3, e.g. "http://127.0.0.1:30002".
  std::string endpoint;
  // Where the HOST reaches the same S3; signed URLs point here. Empty: `endpoint`.
  std::string public_endpoint;
  std::string region = "us-east-1";
  std::string bucket = "my-s3-bucket";
  std::string access_key;
  std::string secret_key;  // never logged
};

// The environment a flytekit process needs to read and write this S3:
// FLYTE_AWS_ENDPOINT, FLYTE_AWS_ACCESS_KEY_ID, FLYTE_AWS_SECRET_ACCESS_KEY.
std::map<std::string, std::string> FlytekitEnv(const S3Config& config);

// What S3Store takes from outside besides its configuration: the OS seams, real by default.
struct S3StoreOptions {
  Clock* clock = Clock::Real();  // request dates
  // Every request goes through it; null: a libcurl client of the store's own
  // (HttpClient::NewCurl()). Tests pass a fault-injecting HttpClientWrapper.
  std::shared_ptr<HttpClient> http;
};

// An http(s) base URL split the way requests and signatures need it.
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string authority;  // host, plus ":port" unless the scheme's default: the Host header
  std::string Base() const { return scheme + "://" + authority; }
};
// INVALID_ARGUMENT unless `url` is http(s)://host[:port] with nothing after but a '/'.
Result<Endpoint> ParseEndpoint(const std::string& url);

// The object store over S3's REST API with Signature V4. Thread-safe; connections are kept
// in a pool and reused.
//
// Errors: UNAVAILABLE naming the endpoint when it does not answer (or answers 5xx);
// PERMISSION_DENIED when it refuses the credentials; NOT_FOUND naming the object.
class S3Store final : public BlobStore {
 public:
  static constexpr int64_t kMaxPresignSeconds = 3600;

  ~S3Store() override;

  std::string UriPrefix() const override { return "s3://" + config_.bucket; }
  Status Put(const std::string& key, const std::string& data) override;
  Result<std::string> Get(const std::string& key) override;
  Result<bool> Exists(const std::string& key) override;
  Result<int64_t> Size(const std::string& key) override;
  Status Delete(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;

  // Creates the bucket unless it exists. Also the first contact with the server: the
  // errors above tell whether it is reachable and accepts the credentials.
  Status EnsureBucket();

  // Whether these credentials may use the bucket: a HEAD on it answered 200 (true) or
  // 403/404 (false: refused, no such bucket, or an access key the server does not know).
  // Other answers: the errors above.
  Result<bool> BucketAllowed();

  // Lets `principal` (another access key of the same server) read, write, list and delete
  // the bucket's objects and nothing else, with a bucket policy that replaces any other.
  Status GrantObjectAccess(const std::string& principal);

  // A presigned URL on the PUBLIC endpoint for one `method` ("GET" or "PUT") on `key`,
  // valid from `now` for `expires_seconds` (1..kMaxPresignSeconds). `headers` (e.g.
  // Content-MD5, x-amz-meta-*) are signed in: the client must send them with these values.
  Result<std::string> PresignedUrl(const std::string& method, const std::string& key,
                                   Clock::WallTime now, int64_t expires_seconds,
                                   const std::vector<std::pair<std::string, std::string>>&
                                       headers) const;

  const S3Config& config() const { return config_; }

 private:
  friend Result<std::unique_ptr<S3Store>> OpenS3Store(const S3Config& config,
                                                      S3StoreOptions options);
  struct Call;
  S3Store(S3Config config, Endpoint endpoint, Endpoint public_endpoint, S3StoreOptions options);

  Result<HttpResponse> Send(const Call& call);
  Status ErrorFor(const Call& call, const HttpResponse& response) const;
  std::string ObjectPath(const std::string& key) const;

  S3Config config_;
  Endpoint endpoint_;
  Endpoint public_endpoint_;
  Clock* clock_;
  std::shared_ptr<HttpClient> http_;
};

// Checks the configuration (endpoints, bucket name, credentials present) without contacting
// the server; INVALID_ARGUMENT saying what to fix.
Result<std::unique_ptr<S3Store>> OpenS3Store(const S3Config& config,
                                             S3StoreOptions options = {});

// Makes sure the credentials of `task` (the tasks' account: same server and bucket as
// `owner`) reach the bucket: when a HEAD with them is refused, `owner` creates the bucket
// unless it exists (EnsureBucket), grants them its objects (GrantObjectAccess) and they are
// tried again. When the grant is already there this is the one request of a start (in place
// of EnsureBucket's). FAILED_PRECONDITION naming the server and the access key when they are
// still refused.
Status EnsureTaskAccess(S3Store& owner, const S3Config& task, S3StoreOptions options = {});

}  // namespace flytebox::blob
