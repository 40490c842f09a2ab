#pragma once

#include <string>

namespace flytebox::server {

// A single-page app's built files served under one URL prefix (the console at /console).
// Files are read from `root` on every request (no cache in the engine); the app's routes
// that name no file fall back to index.html. Hashed assets (under assets/) never change,
// so browsers may keep them for a year; index.html must be revalidated.
class StaticSite {
 public:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::string cache_control;
    std::string body;
    std::string location;  // set for redirects
  };

  // `prefix` is the URL path the site lives at, without a trailing slash ("/console").
  StaticSite(std::string root, std::string prefix);

  // True when `root` holds an index.html.
  bool available() const;
  const std::string& root() const { return root_; }

  // The reply for a GET of `path` (a URL path that starts with the prefix).
  Reply Get(const std::string& path) const;

  // The content type for a file name, by its extension.
  static std::string ContentType(const std::string& file);

 private:
  Reply ServeFile(const std::string& relative, bool immutable) const;

  std::string root_;
  std::string prefix_;
};

// Where the console's built files are: `configured` when not empty, else the first of
// <dir of the running program>/../share/flytebox/console (installed, and in the image) and
// <dir of the running program>/console/dist (the build tree) that holds an index.html;
// empty when none does.
std::string FindConsoleDir(const std::string& configured);

}  // namespace flytebox::server
