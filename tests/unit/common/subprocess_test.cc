#include "common/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace flytebox {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "flytebox-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RunCaptureTest, CapturesOutputsAndExitCode) {
  auto r = RunCapture({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->status.success());
  EXPECT_EQ(r->status.code, 3);
}

TEST(RunCaptureTest, MissingCommandIsNotFound) {
  auto r = RunCapture({"flytebox-no-such-command"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST(RunCaptureTest, TimeoutKillsTheChild) {
  auto start = std::chrono::steady_clock::now();
  auto r = RunCapture({"sh", "-c", "sleep 30"}, 200ms);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(RunCaptureTest, LimitsCapturedBytes) {
  auto r = RunCapture({"sh", "-c", "yes | head -c 100000"}, 10s, 1000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->status.success());
}

TEST(LauncherTest, EnvironmentWorkingDirAndFileOutput) {
  TempDir dir;
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo \"$FLYTEBOX_T $(pwd)\"; echo oops >&2"};
  spec.env_overrides["FLYTEBOX_T"] = "hello";
  spec.working_dir = dir.path().string();
  spec.out = Output::File((dir.path() / "out.log").string());
  spec.err = Output::File((dir.path() / "err.log").string());
  auto proc = ProcessLauncher::Real()->Launch(spec);
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  EXPECT_TRUE((*proc)->Wait().success());
  EXPECT_EQ(ReadFile(dir.path() / "out.log"), "hello " + fs::canonical(dir.path()).string() + "\n");
  EXPECT_EQ(ReadFile(dir.path() / "err.log"), "oops\n");
}

TEST(LauncherTest, ExplicitEnvironmentReplacesParents) {
  TempDir dir;
  setenv("FLYTEBOX_PARENT_ONLY", "1", 1);
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo \"[$FLYTEBOX_PARENT_ONLY][$A]\""};
  spec.env = std::map<std::string, std::string>{{"A", "b"}};
  spec.out = Output::File((dir.path() / "out").string());
  auto proc = ProcessLauncher::Real()->Launch(spec);
  ASSERT_TRUE(proc.ok());
  EXPECT_TRUE((*proc)->Wait().success());
  EXPECT_EQ(ReadFile(dir.path() / "out"), "[][b]\n");
}

// A task that starts children of its own must be stopped whole on abort.
TEST(LauncherTest, SignalReachesTheWholeProcessGroup) {
  TempDir dir;
  auto pidfile = dir.path() / "grandchild.pid";
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 60 & echo $! > " + pidfile.string() + "; wait"};
  auto proc = ProcessLauncher::Real()->Launch(spec);
  ASSERT_TRUE(proc.ok());
  for (int i = 0; i < 500 && ReadFile(pidfile).empty(); ++i) std::this_thread::sleep_for(10ms);
  pid_t grandchild = std::stoi(ReadFile(pidfile));
  EXPECT_FALSE((*proc)->Poll().has_value());
  (*proc)->Signal(SIGTERM);
  ExitStatus st = (*proc)->Wait();
  EXPECT_TRUE(st.signaled);
  EXPECT_EQ(st.signal, SIGTERM);
  // The grandchild was signalled too; it is reparented, so poll until it is gone.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string all((std::istreambuf_iterator<char>(stat)), {});
    gone = all.empty() || all.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(gone);
}

TEST(FindOnPathTest, FindsShell) {
  EXPECT_FALSE(FindOnPath("sh").empty());
  EXPECT_TRUE(FindOnPath("flytebox-no-such-command").empty());
}

}  // namespace
}  // namespace flytebox
