#pragma once

#include <functional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "embedded/dataproxy/signer.h"
#include "embedded/dataproxy/url_minter.h"
#include "flyteidl/service/dataproxy.pb.h"

namespace flytebox::dataproxy {

struct DataProxyOptions {
  blob::BlobStore* blobs = nullptr;  // not owned
  // Makes the URLs handed out: EngineUrlMinter for the file store, S3UrlMinter for S3.
  const UrlMinter* minter = nullptr;  // not owned
  // Checks the URLs the engine serves at /blobs/ (those an EngineUrlMinter made with it).
  const UrlSigner* signer = nullptr;  // not owned
  Clock* clock = Clock::Real();
  // The URI of a node execution's deck (CreateDownloadLink); empty when it has none.
  std::function<Result<std::string>(const flyteidl::core::NodeExecutionIdentifier&)> deck_uri;
};

// The data proxy: hands out signed upload/download URLs that the HOST can use, and
// checks requests made with the engine-served ones. Thread-safe.
class DataProxy {
 public:
  explicit DataProxy(DataProxyOptions options) : options_(std::move(options)) {}

  Result<flyteidl::service::CreateUploadLocationResponse> CreateUploadLocation(
      const flyteidl::service::CreateUploadLocationRequest& req);
  Result<flyteidl::service::CreateDownloadLocationResponse> CreateDownloadLocation(
      const flyteidl::service::CreateDownloadLocationRequest& req);
  Result<flyteidl::service::CreateDownloadLinkResponse> CreateDownloadLink(
      const flyteidl::service::CreateDownloadLinkRequest& req);
  // A signed GET URL for `native_url`, an object of this engine's store.
  Result<std::string> DownloadUrl(const std::string& native_url,
                                  const google::protobuf::Duration& expires_in,
                                  int64_t* expires_unix);

  // Serving a signed URL: path is the object key; query values as received.
  Status Upload(const std::string& key, const std::string& expires, const std::string& md5,
                const std::string& signature, const std::string& content_md5_header,
                const std::string& body);
  Result<std::string> Download(const std::string& key, const std::string& expires,
                               const std::string& signature);

  static constexpr size_t kMaxUploadBytes = size_t{1} << 30;
  // Every upload location is under this prefix: never over metadata/, outputs or the cache.
  static constexpr char kUploadPrefix[] = "uploads/";

 private:
  DataProxyOptions options_;
};

}  // namespace flytebox::dataproxy
