#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "embedded/blob/blob_store.h"

namespace flytebox::blob {
namespace fs = std::filesystem;

Status ValidateKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("empty object key");
  if (key.size() > 1024) return Status::InvalidArgument("object key longer than 1024 bytes");
  if (key.front() == '/') return Status::InvalidArgument("object key '" + key + "' is absolute");
  if (key.find('\0') != std::string::npos || key.find('\\') != std::string::npos) {
    return Status::InvalidArgument("object key contains a NUL or backslash");
  }
  std::stringstream ss(key);
  std::string seg;
  size_t pos = 0;
  while (pos <= key.size()) {
    size_t end = key.find('/', pos);
    if (end == std::string::npos) end = key.size();
    seg = key.substr(pos, end - pos);
    if (seg.empty() || seg == "." || seg == "..") {
      return Status::InvalidArgument("object key '" + key + "' has an empty, '.' or '..' segment");
    }
    pos = end + 1;
  }
  return Status::Ok();
}

Result<std::string> BlobStore::KeyOf(const std::string& uri) const {
  std::string prefix = UriPrefix() + "/";
  if (uri.rfind(prefix, 0) != 0 && prefix.rfind("file://", 0) == 0 && !uri.empty() &&
      uri[0] == '/') {
    prefix.erase(0, 7);  // a plain path into the local store
  }
  if (uri.rfind(prefix, 0) != 0) {
    return Status::InvalidArgument("'" + uri + "' is not inside " + UriPrefix());
  }
  std::string key = uri.substr(prefix.size());
  FB_RETURN_IF_ERROR(ValidateKey(key));
  return key;
}

namespace {

constexpr char kTmpMarker[] = ".tmp-";

// A Put in progress writes "<key>.tmp-<digits>" first.
bool IsPartialWrite(const std::string& key) {
  size_t at = key.rfind(kTmpMarker);
  if (at == std::string::npos) return false;
  size_t digits = at + sizeof(kTmpMarker) - 1;
  return digits < key.size() &&
         key.find_first_not_of("0123456789", digits) == std::string::npos;
}

class FileStore : public BlobStore {
 public:
  explicit FileStore(fs::path dir) : dir_(std::move(dir)) {}

  std::string UriPrefix() const override { return "file://" + dir_.string(); }

  Status Put(const std::string& key, const std::string& data) override {
    FB_RETURN_IF_ERROR(ValidateKey(key));
    fs::path target = dir_ / key;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Status::Internal("cannot create " + target.parent_path().string() + ": " + ec.message());
    // Write then rename, so readers never see half an object.
    fs::path tmp = target;
    tmp += kTmpMarker + std::to_string(std::random_device{}());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(data.data(), static_cast<std::streamsize>(data.size()));
      if (!out) return Status::Internal("cannot write " + tmp.string());
    }
    fs::rename(tmp, target, ec);
    if (ec) {
      fs::remove(tmp, ec);
      return Status::Internal("cannot write " + target.string());
    }
    return Status::Ok();
  }

  Result<std::string> Get(const std::string& key) override {
    FB_RETURN_IF_ERROR(ValidateKey(key));
    std::ifstream in(dir_ / key, std::ios::binary);
    if (!in) return Status::NotFound("no object at " + Uri(key));
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  Result<bool> Exists(const std::string& key) override {
    FB_RETURN_IF_ERROR(ValidateKey(key));
    std::error_code ec;
    return fs::is_regular_file(dir_ / key, ec);
  }

  Result<int64_t> Size(const std::string& key) override {
    FB_RETURN_IF_ERROR(ValidateKey(key));
    std::error_code ec;
    auto size = fs::file_size(dir_ / key, ec);
    if (ec) return Status::NotFound("no object at " + Uri(key));
    return static_cast<int64_t>(size);
  }

  Status Delete(const std::string& key) override {
    FB_RETURN_IF_ERROR(ValidateKey(key));
    std::error_code ec;
    fs::remove(dir_ / key, ec);
    if (ec) return Status::Internal("cannot delete " + Uri(key) + ": " + ec.message());
    return Status::Ok();
  }

  Result<std::vector<std::string>> List(const std::string& prefix) override {
    std::vector<std::string> keys;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      std::string key = it->path().lexically_relative(dir_).generic_string();
      if (IsPartialWrite(key)) continue;
      if (key.rfind(prefix, 0) == 0) keys.push_back(std::move(key));
    }
    if (ec) return Status::Internal("cannot list " + dir_.string() + ": " + ec.message());
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  fs::path dir_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFileStore(const std::string& root, const std::string& bucket) {
  FB_RETURN_IF_ERROR(ValidateKey(bucket));
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(root) / bucket, ec);
  fs::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create blob folder " + dir.string() + ": " + ec.message());
  return std::unique_ptr<BlobStore>(new FileStore(dir));
}

}  // namespace flytebox::blob
