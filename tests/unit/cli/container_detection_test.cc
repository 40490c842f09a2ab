// The container side of the command line without running any engine: names and images
// checked before anything runs, which runtime a command uses, and where the image build
// script is found.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/container_runtime.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::cli {
namespace {

using flytebox::testing::TempDir;

namespace fs = std::filesystem;

// Through the command line: names, images and runtimes are checked before anything runs.
class ContainerCommandLineTest : public ::testing::Test {
 protected:
  ContainerCommandLineTest() { env_.vars = {{"HOME", home_.path()}}; }
  int Run(const std::vector<std::string>& args, std::string* out_text = nullptr) {
    std::ostringstream out, err;
    int code = cli::Run(args, out, err, env_);
    if (out_text) *out_text = out.str() + err.str();
    return code;
  }
  TempDir home_;
  Environment env_;
};

TEST_F(ContainerCommandLineTest, DryRunNamesTheContainerImageAndPorts) {
  std::string out;
  EXPECT_EQ(Run({"demo", "start", "--runtime", "nerdctl", "--dry-run", "--name", "box-1", "--image",
                 "example/fb:2", "--port", "31999", "--env", "A=1"},
                &out),
            kExitOk);
  EXPECT_NE(out.find("nerdctl run -d --name box-1 --pull never"), std::string::npos) << out;
  EXPECT_NE(out.find("-v box-1:/var/lib/flytebox"), std::string::npos);
  EXPECT_NE(out.find("127.0.0.1:31999:30080"), std::string::npos);
  EXPECT_NE(out.find("-e A=1 example/fb:2"), std::string::npos);
  EXPECT_FALSE(fs::exists(home_ / ".flyte"));
}

TEST_F(ContainerCommandLineTest, BadNamesAndImagesAreUsageErrors) {
  EXPECT_EQ(Run({"demo", "start", "--runtime", "docker", "--dry-run", "--name", "a b"}),
            kExitUsage);
  EXPECT_EQ(Run({"demo", "status", "--name", "-x"}), kExitUsage);
  EXPECT_EQ(Run({"demo", "start", "--runtime", "docker", "--image", "--rm"}), kExitUsage);
  EXPECT_TRUE(ValidateContainerName("flytebox_2.test-x").ok());
  EXPECT_FALSE(ValidateContainerName("").ok());
  EXPECT_FALSE(ValidateContainerName("a/b").ok());
  EXPECT_TRUE(ValidateImageName("localhost/flytebox:0.1.0").ok());
  EXPECT_FALSE(ValidateImageName("a b").ok());
}

class FixedProber : public RuntimeProber {
 public:
  explicit FixedProber(std::vector<std::string> answering) : answering_(std::move(answering)) {}
  bool Answers(const std::string& runtime) override {
    asked.push_back(runtime);
    return std::find(answering_.begin(), answering_.end(), runtime) != answering_.end();
  }
  std::vector<std::string> asked;

 private:
  std::vector<std::string> answering_;
};

TEST(ContainerDetectionTest, StartPrefersTheRecordedEngineThenDockerPodmanNerdctl) {
  TempDir state;
  FixedProber both({"docker", "podman"});
  Environment env;
  env.prober = &both;
  std::string note;
  EXPECT_EQ(*ChooseRuntime("", env, &note, state.path()), "docker");
  EXPECT_NE(note.find("using docker (detected)"), std::string::npos) << note;
  ASSERT_TRUE(WriteContainerRecord(state.path(), {"podman", "mybox"}).ok());
  both.asked.clear();
  EXPECT_EQ(*ChooseRuntime("", env, &note, state.path()), "podman");
  EXPECT_EQ(both.asked, (std::vector<std::string>{"podman"}));
  EXPECT_EQ(*ChooseRuntime("nerdctl", env, &note, state.path()), "nerdctl");
  FixedProber none({});
  env.prober = &none;
  EXPECT_EQ(*ChooseRuntime("", env, &note, state.path()), "native");
  EXPECT_EQ(none.asked, (std::vector<std::string>{"podman", "docker", "nerdctl"}));
  EXPECT_NE(note.find("no container engine answers"), std::string::npos);
}

TEST(ContainerDetectionTest, TheOtherCommandsUseTheRecordWithoutAskingEngines) {
  TempDir state;
  FixedProber prober({"docker"});
  Environment env;
  env.prober = &prober;
  EXPECT_EQ(*RuntimeInUse("", env, state.path()), "native");
  ASSERT_TRUE(WriteContainerRecord(state.path(), {"podman", "mybox"}).ok());
  EXPECT_EQ(*RuntimeInUse("", env, state.path()), "podman");
  EXPECT_EQ(*RuntimeInUse("docker", env, state.path()), "docker");
  env.vars["FLYTEBOX_RUNTIME"] = "nerdctl";
  EXPECT_EQ(*RuntimeInUse("", env, state.path()), "nerdctl");
  env.vars["FLYTEBOX_RUNTIME"] = "lxc";
  EXPECT_EQ(RuntimeInUse("", env, state.path()).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(prober.asked.empty());
  RemoveContainerRecord(state.path());
  EXPECT_FALSE(fs::exists(state.path()));
}

TEST(ImageBuildScriptTest, FoundFromABuildTreeOnly) {
  TempDir tree;
  fs::create_directories(tree / "images");
  fs::create_directories(tree / "scripts");
  fs::create_directories(tree / "build/cli");
  std::ofstream(tree / "scripts/build-image.sh") << "#!/bin/sh\n";
  chmod((tree / "scripts/build-image.sh").c_str(), 0755);
  EXPECT_EQ(FindImageBuildScript(tree / "build/cli/flytebox"), tree / "scripts/build-image.sh");
  EXPECT_EQ(FindImageBuildScript("/usr/bin/flytebox"), "");
  EXPECT_EQ(FindImageBuildScript(""), "");
}

}  // namespace
}  // namespace flytebox::cli
