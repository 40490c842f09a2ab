#include "embedded/executor/msgpack.h"

#include <gtest/gtest.h>

namespace flytebox::executor {
namespace {

namespace fc = ::flyteidl::core;

// {"x": 3, "tags": ["a", "b"], "f": 1.5, "n": nil, "neg": -5, "big": 300}
const std::string kDoc = std::string("\x86", 1) + "\xa1x" + std::string("\x03", 1) +
                         "\xa4tags" + "\x92\xa1" "a" "\xa1" "b" + "\xa1" "f" +
                         std::string("\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00", 9) + "\xa1n" +
                         "\xc0" + "\xa3neg" + "\xfb" + "\xa3" "big" +
                         std::string("\xcd\x01\x2c", 3);

fc::PromiseAttribute Key(const std::string& k) {
  fc::PromiseAttribute a;
  a.set_string_value(k);
  return a;
}
fc::PromiseAttribute Index(int i) {
  fc::PromiseAttribute a;
  a.set_int_value(i);
  return a;
}

TEST(MsgpackTest, PrimitivesBecomePrimitiveLiterals) {
  EXPECT_EQ(MsgpackStep(kDoc, Key("x"))->scalar().primitive().integer(), 3);
  EXPECT_DOUBLE_EQ(MsgpackStep(kDoc, Key("f"))->scalar().primitive().float_value(), 1.5);
  EXPECT_TRUE(MsgpackStep(kDoc, Key("n"))->scalar().has_none_type());
  EXPECT_EQ(MsgpackStep(kDoc, Key("neg"))->scalar().primitive().integer(), -5);
  EXPECT_EQ(MsgpackStep(kDoc, Key("big"))->scalar().primitive().integer(), 300);
}

TEST(MsgpackTest, ContainersStayMsgpackAndCanBeStepped) {
  auto tags = MsgpackStep(kDoc, Key("tags"));
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  ASSERT_TRUE(tags->scalar().has_binary());
  EXPECT_EQ(tags->scalar().binary().tag(), "msgpack");
  EXPECT_EQ(tags->scalar().binary().value(), "\x92\xa1" "a" "\xa1" "b");
  EXPECT_EQ(MsgpackStep(tags->scalar().binary().value(), Index(1))->scalar().primitive().string_value(), "b");
}

TEST(MsgpackTest, MissingKeyOrIndexOrBadBytesAreClearErrors) {
  auto missing = MsgpackStep(kDoc, Key("nope"));
  EXPECT_EQ(missing.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  auto out_of_range = MsgpackStep("\x92\xa1" "a" "\xa1" "b", Index(2));
  EXPECT_NE(out_of_range.status().message().find("out of range"), std::string::npos);
  EXPECT_EQ(MsgpackStep(std::string("\x85\xa1", 2), Key("x")).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(MsgpackStep("\x03", Key("x")).status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace flytebox::executor
