#pragma once

#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "embedded/blob/blob_store.h"
#include "embedded/dataproxy/signer.h"
#include "flyteidl/service/dataproxy.pb.h"

namespace flytebox::dataproxy {

struct DataProxyOptions {
  blob::BlobStore* blobs = nullptr;  // not owned
  const UrlSigner* signer = nullptr;  // not owned
  Clock* clock = Clock::Real();
  // Where the host reaches the engine's HTTP side, e.g. "http://localhost:30080".
  std::string public_url;
};

// The data proxy: hands out signed upload/download URLs that the HOST can use, and
// checks requests made with them. Thread-safe.
class DataProxy {
 public:
  explicit DataProxy(DataProxyOptions options) : options_(std::move(options)) {}

  Result<flyteidl::service::CreateUploadLocationResponse> CreateUploadLocation(
      const flyteidl::service::CreateUploadLocationRequest& req);
  Result<flyteidl::service::CreateDownloadLocationResponse> CreateDownloadLocation(
      const flyteidl::service::CreateDownloadLocationRequest& req);

  // Serving a signed URL: path is the object key; query values as received.
  Status Upload(const std::string& key, const std::string& expires, const std::string& md5,
                const std::string& signature, const std::string& content_md5_header,
                const std::string& body);
  Result<std::string> Download(const std::string& key, const std::string& expires,
                               const std::string& signature);

  static constexpr size_t kMaxUploadBytes = size_t{1} << 30;

 private:
  std::string SignedUrl(const std::string& method, const std::string& key, int64_t expires,
                        const std::string& md5_b64) const;

  DataProxyOptions options_;
};

}  // namespace flytebox::dataproxy
