// `flytebox demo image load IMAGE` with a recording command runner: the engine's `save`
// streamed into the cluster's containerd inside the sandbox, and a clear error, with nothing
// run, when no sandbox with Kubernetes runs or the image is missing.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/app.h"
#include "cli/container_runtime.h"
#include "tests/unit/cli/recording_runner.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::cli {
namespace {

using flytebox::testing::TempDir;
using testing::RecordingRunner;
using Argv = std::vector<std::string>;

std::string Inspect(const std::string& status, bool kubernetes) {
  std::string labels = kubernetes
                           ? R"({"org.flytebox.sandbox": "1", "org.flytebox.kubernetes": "1"})"
                           : R"({"org.flytebox.sandbox": "1"})";
  return R"([{"Id": "c0ffee", "State": {"Status": ")" + status + R"(", "ExitCode": 0},
             "Config": {"Labels": )" +
         labels + "}}]";
}

const Argv kImport = {
    "docker", "exec",   "-i",     "fb",     "ctr", "--address", "/run/flytebox-k8s/containerd.sock",
    "-n",     "k8s.io", "images", "import", "-"};

class ImageLoadTest : public ::testing::Test {
 protected:
  ImageLoadTest() {
    env_.vars = {{"HOME", home_.path()}, {"PATH", "/usr/bin:/bin"}};
    runner_.On({"docker", "container", "inspect"}, {{0, Inspect("running", true), ""}});
    runner_.On({"docker", "image", "inspect"}, {{0, "sha256:abc\n", ""}});
    runner_.On(kImport, {{0, "unpacking docker.io/library/mine:1 (sha256:0123)...done\n", ""}});
  }

  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };
  Outcome Load(const std::string& image) {
    std::ostringstream out, err;
    DemoContext ctx{out, err, env_, home_ / "state", home_ / ".flyte/config-sandbox.yaml"};
    ContainerDeps deps;
    deps.runner = &runner_;
    deps.limits = HostLimits{1024, 2048};
    deps.stdin_tty = false;
    ContainerRuntime runtime(ctx, *FindEngineProfile("docker"), {"fb", ""}, deps);
    int code = runtime.LoadImage(image);
    return {code, out.str(), err.str()};
  }

  TempDir home_;
  Environment env_;
  RecordingRunner runner_;
};

TEST_F(ImageLoadTest, StreamsTheEngineSaveIntoTheClustersContainerd) {
  Outcome got = Load("mine:1");
  ASSERT_EQ(got.code, kExitOk) << got.err;
  EXPECT_EQ(runner_.Count({"docker", "image", "inspect", "--format", "{{.Id}}", "mine:1"}), 1);
  ASSERT_GE(runner_.calls.size(), 2u);
  EXPECT_EQ(runner_.calls[runner_.calls.size() - 2], (Argv{"docker", "save", "mine:1"}));
  EXPECT_EQ(runner_.calls.back(), kImport);
  EXPECT_NE(got.out.find("as docker.io/library/mine:1"), std::string::npos) << got.out;
}

TEST_F(ImageLoadTest, NoSandboxRunningSaysHowToStartOne) {
  runner_.On({"docker", "container", "inspect"}, {{1, "[]", "Error: No such container: fb"}});
  Outcome got = Load("mine:1");
  EXPECT_EQ(got.code, kExitFailure);
  EXPECT_NE(got.err.find("no sandbox is running"), std::string::npos) << got.err;
  EXPECT_NE(got.err.find("--kubernetes"), std::string::npos) << got.err;
  EXPECT_EQ(runner_.Count({"docker", "save"}), 0);
}

TEST_F(ImageLoadTest, ASandboxWithoutKubernetesIsRefused) {
  runner_.On({"docker", "container", "inspect"}, {{0, Inspect("running", false), ""}});
  Outcome got = Load("mine:1");
  EXPECT_EQ(got.code, kExitFailure);
  EXPECT_NE(got.err.find("started without --kubernetes"), std::string::npos) << got.err;
  EXPECT_EQ(runner_.Count({"docker", "save"}), 0);
}

TEST_F(ImageLoadTest, AMissingImageIsNamed) {
  runner_.On({"docker", "image", "inspect"}, {{1, "", "Error: No such image: nope:1"}});
  Outcome got = Load("nope:1");
  EXPECT_EQ(got.code, kExitFailure);
  EXPECT_NE(got.err.find("image nope:1 is not in docker"), std::string::npos) << got.err;
  EXPECT_EQ(runner_.Count({"docker", "save"}), 0);
}

TEST_F(ImageLoadTest, AFailedImportIsToldBeforeTheBrokenSave) {
  runner_.On({"docker", "save"}, {{1, "", "write /dev/stdout: broken pipe"}});
  runner_.On(kImport, {{1, "ctr: failed to connect: connection refused\n", ""}});
  Outcome got = Load("mine:1");
  EXPECT_EQ(got.code, kExitFailure);
  EXPECT_NE(got.err.find("importing mine:1 into the cluster failed"), std::string::npos) << got.err;
  EXPECT_NE(got.err.find("connection refused"), std::string::npos) << got.err;
}

TEST_F(ImageLoadTest, TheCommandLineChecksTheImageNameAndNativeHasNoCluster) {
  std::ostringstream out, err;
  Environment env;
  env.vars = {{"HOME", home_.path()}, {"PATH", "/usr/bin:/bin"}};
  EXPECT_EQ(cli::Run({"demo", "image", "load"}, out, err, env), kExitUsage);
  EXPECT_EQ(cli::Run({"demo", "image", "load", "-bad"}, out, err, env), kExitUsage);
  EXPECT_EQ(cli::Run({"demo", "image", "load", "mine:1", "--runtime", "native", "--state-dir",
                      home_ / "state"},
                     out, err, env),
            kExitFailure);
  EXPECT_NE(err.str().find("no sandbox with Kubernetes runs here"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace flytebox::cli
