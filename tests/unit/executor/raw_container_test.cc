// Raw-container outputs read back from the container's files: links are never followed.
#include "embedded/executor/raw_container.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/proto_text.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;
namespace fs = std::filesystem;
using flytebox::testing::ParseText;
using flytebox::testing::TempDir;

class RawOutputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = blob::OpenFileStore(dir_ / "store", "bucket");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    blobs_ = std::move(store).value();
    io_.dir = dir_ / "io";
    fs::create_directories(io_.outputs());
  }

  void Write(const std::string& rel, const std::string& text) {
    fs::path p = fs::path(io_.outputs()) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

  Result<fc::LiteralMap> Collect(const std::string& iface) {
    return CollectRawOutputs(ParseText<fc::TypedInterface>(iface), *blobs_, io_,
                             blobs_->NativeUri("out"));
  }

  TempDir dir_;
  std::unique_ptr<blob::BlobStore> blobs_;
  RawIo io_;
};

constexpr char kDirOut[] = R"pb(
  outputs { variables { key: "d" value { type { blob { dimensionality: MULTIPART } } } } })pb";
constexpr char kIntOut[] = R"pb(
  outputs { variables { key: "n" value { type { simple: INTEGER } } } })pb";

TEST_F(RawOutputsTest, FolderOutputIsStoredFileByFile) {
  Write("d/a.txt", "A");
  Write("d/sub/b.txt", "B");
  auto out = Collect(kDirOut);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*blobs_->Get("out/d/a.txt"), "A");
  EXPECT_EQ(*blobs_->Get("out/d/sub/b.txt"), "B");
}

TEST_F(RawOutputsTest, LinkLoopInAFolderIsTheTasksErrorNotACrash) {
  Write("d/a.txt", "A");
  fs::create_directory_symlink("loop", fs::path(io_.outputs()) / "d" / "loop");
  auto out = Collect(kDirOut);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(out.status().message().find("symbolic link"), std::string::npos);
}

TEST_F(RawOutputsTest, LinkToAHostFileIsRefused) {
  std::ofstream(dir_ / "secret") << "host secret";
  fs::create_directories(io_.outputs());
  fs::create_symlink(dir_ / "secret", fs::path(io_.outputs()) / "n");
  auto out = Collect(kIntOut);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(out.status().message().find("host secret"), std::string::npos);

  fs::create_directories(fs::path(io_.outputs()) / "d");
  fs::create_symlink(dir_ / "secret", fs::path(io_.outputs()) / "d" / "s");
  auto folder = Collect(kDirOut);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), Code::kFailedPrecondition);
  EXPECT_FALSE(blobs_->Get("out/d/s").ok());
}

TEST_F(RawOutputsTest, MissingOutputIsNotFound) {
  auto out = Collect(kIntOut);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace flytebox::executor
