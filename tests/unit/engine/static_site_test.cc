// The console's file server: content types, caching headers, SPA fallback, no escapes.
#include "embedded/server/static_site.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/temp_dir.h"

namespace flytebox::server {
namespace {

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(dir_ / "index.html", "<html>app</html>");
    Write(dir_ / "assets/app-ABC.js", "console.log(1)");
    Write(dir_ / "assets/app-ABC.css", "body{}");
    Write(dir_ / "robots.txt", "no");
    Write(dir_ / "../secret.txt", "secret");
  }
  testing::TempDir dir_;
  StaticSite site_{dir_.path(), "/console"};
};

TEST_F(StaticSiteTest, AppRoutesFallBackToTheIndexWhichIsRevalidated) {
  for (const char* path : {"/console/", "/console/projects/flytesnacks/domains/development/executions/abc",
                           "/console/projects/p/domains/d/workflow/wf/version/v1.2", "/console/status"}) {
    StaticSite::Reply r = site_.Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<html>app</html>") << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.cache_control, "no-cache") << path;
  }
}

TEST_F(StaticSiteTest, HashedAssetsAreImmutableWithTheirType) {
  StaticSite::Reply js = site_.Get("/console/assets/app-ABC.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(site_.Get("/console/assets/app-ABC.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(site_.Get("/console/robots.txt").body, "no");
}

TEST_F(StaticSiteTest, MissingAssetsAndEscapesAre404NotTheIndex) {
  EXPECT_EQ(site_.Get("/console/assets/app-OLD.js").status, 404);
  EXPECT_EQ(site_.Get("/console/assets/../../secret.txt").status, 404);
  EXPECT_EQ(site_.Get("/console/assets/./app-ABC.js").status, 404);
  StaticSite::Reply r = site_.Get("/console/../secret.txt");  // a route: the index, never the file
  EXPECT_EQ(r.body, "<html>app</html>");
}

TEST_F(StaticSiteTest, ThePrefixRedirectsToItsFolder) {
  StaticSite::Reply r = site_.Get("/console");
  EXPECT_EQ(r.status, 308);
  EXPECT_EQ(r.location, "/console/");
}

TEST(StaticSite, WithoutBuiltFilesEveryPathSaysHowToGetThem) {
  testing::TempDir empty;
  StaticSite site(empty.path(), "/console");
  EXPECT_FALSE(site.available());
  StaticSite::Reply r = site.Get("/console/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("npm"), std::string::npos);
  EXPECT_NE(r.body.find("--console-dir"), std::string::npos);
}

TEST(StaticSite, ContentTypes) {
  EXPECT_EQ(StaticSite::ContentType("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticSite::ContentType("a.json"), "application/json");
  EXPECT_EQ(StaticSite::ContentType("a.bin"), "application/octet-stream");
}

TEST(StaticSite, AConfiguredFolderIsUsedAsGiven) {
  EXPECT_EQ(FindConsoleDir("/some/where"), "/some/where");
}

}  // namespace
}  // namespace flytebox::server
