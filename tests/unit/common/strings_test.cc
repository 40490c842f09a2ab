#include "common/strings.h"

#include <gtest/gtest.h>

namespace flytebox::strings {
namespace {

TEST(StringsTest, TrimSpaceBothEnds) {
  EXPECT_EQ(TrimSpace(""), "");
  EXPECT_EQ(TrimSpace(" \t\r\n"), "");
  EXPECT_EQ(TrimSpace("abc"), "abc");
  EXPECT_EQ(TrimSpace(" \ta b\r\n"), "a b");
  EXPECT_EQ(TrimSpace("3f2a9c\n"), "3f2a9c");
}

TEST(StringsTest, AsciiLowerLeavesOtherBytes) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_EQ(AsciiLower("\xc3\x9c-Z9"), "\xc3\x9c-z9");
}

// RFC 3986 section 2.3: the unreserved characters stay, everything else is %XX upper case.
TEST(StringsTest, PercentEncodeRfc3986) {
  EXPECT_EQ(PercentEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(PercentEncode("a b/c~d-e_f.g", true), "a%20b/c~d-e_f.g");
  EXPECT_EQ(PercentEncode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(PercentEncode("x+y=z&\xc3\xbc", true), "x%2By%3Dz%26%C3%BC");
  EXPECT_EQ(PercentEncode("test$file.text", true), "test%24file.text");
  EXPECT_EQ(PercentEncode(std::string_view("\x00\xff", 2), false), "%00%FF");
}

}  // namespace
}  // namespace flytebox::strings
