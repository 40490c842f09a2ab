#include "embedded/server/static_site.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace flytebox::server {
namespace {

namespace fs = std::filesystem;

constexpr char kIndex[] = "index.html";
constexpr char kAssets[] = "assets/";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A relative path with no "..", "." or empty segments and no backslashes: it cannot leave
// the root.
bool SafeRelative(const std::string& rel) {
  if (rel.empty() || rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) {
    return false;
  }
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    std::string seg = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

}  // namespace

StaticSite::StaticSite(std::string root, std::string prefix)
    : root_(std::move(root)), prefix_(std::move(prefix)) {}

bool StaticSite::available() const {
  std::error_code ec;
  return !root_.empty() && fs::is_regular_file(fs::path(root_) / kIndex, ec);
}

std::string StaticSite::ContentType(const std::string& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (EndsWith(file, ext)) return type;
  }
  return "application/octet-stream";
}

StaticSite::Reply StaticSite::ServeFile(const std::string& relative, bool immutable) const {
  Reply reply;
  if (!ReadFile(fs::path(root_) / relative, &reply.body)) {
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.body = "no such console file: " + relative + "\n";
    reply.cache_control = "no-cache";
    return reply;
  }
  reply.content_type = ContentType(relative);
  reply.cache_control = immutable ? "public, max-age=31536000, immutable" : "no-cache";
  return reply;
}

StaticSite::Reply StaticSite::Get(const std::string& path) const {
  if (!available()) {
    Reply reply;
    reply.status = 404;
    reply.content_type = "text/plain; charset=utf-8";
    reply.cache_control = "no-cache";
    reply.body =
        "The console is not installed: this engine was built without npm, or its files are "
        "missing (looked in '" + root_ + "'). Rebuild with npm installed, or pass --console-dir.\n";
    return reply;
  }
  if (path == prefix_) {
    Reply reply;
    reply.status = 308;
    reply.location = prefix_ + "/";
    return reply;
  }
  std::string rel = path.size() > prefix_.size() + 1 ? path.substr(prefix_.size() + 1) : "";
  // Hashed bundles: served as they are, or 404 (never the index: a stale page asking for an
  // old bundle must fail visibly, not parse HTML as JavaScript).
  if (rel.rfind(kAssets, 0) == 0) {
    if (!SafeRelative(rel)) return ServeFile("", false);
    return ServeFile(rel, true);
  }
  // Any other path is one of the app's routes (or a top-level file such as favicon.svg).
  if (!rel.empty() && rel.find('/') == std::string::npos && rel.find('.') != std::string::npos &&
      SafeRelative(rel) && rel != kIndex) {
    Reply file = ServeFile(rel, false);
    if (file.status == 200) return file;
  }
  return ServeFile(kIndex, false);
}

std::string FindConsoleDir(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  fs::path dir = exe.parent_path();
  for (const fs::path& candidate :
       {dir / ".." / "share" / "flytebox" / "console", dir / "console" / "dist"}) {
    if (fs::is_regular_file(candidate / kIndex, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return "";
}

}  // namespace flytebox::server
