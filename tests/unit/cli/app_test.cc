#include "cli/app.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/version.h"

namespace flytebox::cli {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome RunArgs(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  int code = Run(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(CliTest, VersionNamesBothVersions) {
  Outcome o = RunArgs({"--version"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, std::string("flytebox ") + kVersion + " (Flyte IDL " + kFlyteIdlVersion + ")\n");
}

TEST(CliTest, HelpDocumentsExitCodes) {
  Outcome o = RunArgs({"--help"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("Exit codes"), std::string::npos);
}

TEST(CliTest, UnknownFlagIsAUsageError) {
  Outcome o = RunArgs({"--no-such-flag"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("--no-such-flag"), std::string::npos);
}

}  // namespace
}  // namespace flytebox::cli
