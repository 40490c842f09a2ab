#include "sandbox/rotating_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/unit/sandbox/test_support.h"

namespace flytebox::sandbox {
namespace {

using testing::ReadAll;
using testing::TempDir;

TEST(RotatingLogTest, RotatesBySizeKeepingLinesWhole) {
  TempDir dir;
  RotatingLog log(dir / "c.log", 20, 2);
  ASSERT_TRUE(log.Append("line-one\nline-two\n").ok());  // 18 bytes
  ASSERT_TRUE(log.Append("line-three\n").ok());          // does not fit: rotate first
  EXPECT_EQ(ReadAll(dir / "c.log.1"), "line-one\nline-two\n");
  EXPECT_EQ(ReadAll(dir / "c.log"), "line-three\n");
}

TEST(RotatingLogTest, KeepsOnlyTheConfiguredNumberOfOldFiles) {
  TempDir dir;
  RotatingLog log(dir / "c.log", 10, 2);
  for (char c = 'a'; c <= 'e'; ++c) ASSERT_TRUE(log.Append(std::string(8, c) + "\n").ok());
  EXPECT_EQ(ReadAll(dir / "c.log"), "eeeeeeee\n");
  EXPECT_EQ(ReadAll(dir / "c.log.1"), "dddddddd\n");
  EXPECT_EQ(ReadAll(dir / "c.log.2"), "cccccccc\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "c.log.3"));
}

TEST(RotatingLogTest, SplitsAWriteLargerThanAFile) {
  TempDir dir;
  RotatingLog log(dir / "c.log", 10, 5);
  ASSERT_TRUE(log.Append("0123456789abcdefghij").ok());  // no line break at all
  EXPECT_EQ(ReadAll(dir / "c.log.1"), "0123456789");
  EXPECT_EQ(ReadAll(dir / "c.log"), "abcdefghij");
}

TEST(RotatingLogTest, ContinuesAnExistingFileAndCreatesOwnerOnly) {
  TempDir dir;
  {
    RotatingLog log(dir / "c.log", 100, 1);
    ASSERT_TRUE(log.Append("first\n").ok());
  }
  RotatingLog again(dir / "c.log", 100, 1);
  ASSERT_TRUE(again.Append("second\n").ok());
  EXPECT_EQ(ReadAll(dir / "c.log"), "first\nsecond\n");
  struct stat st{};
  ASSERT_EQ(stat((dir / "c.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace flytebox::sandbox
