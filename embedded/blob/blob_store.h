#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace flytebox::blob {

// Object storage as Flyte sees it: a bucket of keys. URIs are `<scheme>://<bucket>/<key>`.
// Implementations: the local filesystem (native mode) and S3. Thread-safe.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // "s3://my-s3-bucket" or "file:///var/lib/flytebox/blobs/my-s3-bucket": what URIs start with.
  virtual std::string UriPrefix() const = 0;
  virtual Status Put(const std::string& key, const std::string& data) = 0;
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Result<bool> Exists(const std::string& key) = 0;
  virtual Result<int64_t> Size(const std::string& key) = 0;
  // Removing a missing object is not an error.
  virtual Status Delete(const std::string& key) = 0;
  // Keys that start with `prefix` (any string, "" for all), sorted.
  virtual Result<std::vector<std::string>> List(const std::string& prefix) = 0;

  std::string Uri(const std::string& key) const { return UriPrefix() + "/" + key; }
  // The URI handed to flytekit for data it reads as files (uploads, raw outputs): a plain
  // absolute path for the local store, since flytekit refuses file:// files and folders.
  std::string NativeUri(const std::string& key) const {
    std::string uri = Uri(key);
    return uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri;
  }
  // The key of a URI (or, for the local store, a plain path) inside this store;
  // INVALID_ARGUMENT when it points elsewhere.
  Result<std::string> KeyOf(const std::string& uri) const;
};

// Object keys are relative paths: no empty segment, no "." or "..", no leading '/', no NUL
// or backslash, at most 1024 bytes. INVALID_ARGUMENT naming the key otherwise.
Status ValidateKey(const std::string& key);

// Keeps objects as plain files under `root/<bucket>/`, so `ls` shows a user their data.
Result<std::unique_ptr<BlobStore>> OpenFileStore(const std::string& root, const std::string& bucket);

}  // namespace flytebox::blob
