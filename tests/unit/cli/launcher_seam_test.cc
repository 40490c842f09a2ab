// The CLI runs processes only through the launcher it is given: a recording launcher sees
// every command and answers it, and no real process starts.
#include <gtest/gtest.h>

#include <vector>

#include "cli/container_runner.h"
#include "common/subprocess.h"

namespace flytebox::cli {
namespace {

using namespace std::chrono_literals;

class RecordingLauncher : public ProcessLauncher {
 public:
  Result<std::unique_ptr<Process>> Launch(const ProcessSpec& spec) override {
    launched.push_back(spec.argv);
    return Status::Unavailable("no processes in this test");
  }
  Result<Captured> Capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                           size_t limit) override {
    captured.push_back(argv);
    timeouts.push_back(timeout);
    limits.push_back(limit);
    Captured answer;
    answer.status.code = 3;
    answer.out = "answer to " + argv[0];
    return answer;
  }
  std::vector<std::vector<std::string>> launched, captured;
  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<size_t> limits;
};

TEST(LauncherSeamTest, CommandRunnerCapturesThroughItsLauncher) {
  RecordingLauncher launcher;
  auto runner = CommandRunner::Real(&launcher);
  auto result = runner->Run({"no-such-engine", "ps", "-a"}, 7s);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->out, "answer to no-such-engine");
  EXPECT_EQ(result->status.code, 3);
  ASSERT_EQ(launcher.captured.size(), 1u);
  EXPECT_EQ(launcher.captured[0], (std::vector<std::string>{"no-such-engine", "ps", "-a"}));
  EXPECT_EQ(launcher.timeouts[0], 7s);
}

TEST(LauncherSeamTest, CommandRunnerStreamsThroughItsLauncher) {
  RecordingLauncher launcher;
  auto runner = CommandRunner::Real(&launcher);
  auto result = runner->Stream({"no-such-engine", "logs", "-f"}, [](std::string_view) {});
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  ASSERT_EQ(launcher.launched.size(), 1u);
  EXPECT_EQ(launcher.launched[0], (std::vector<std::string>{"no-such-engine", "logs", "-f"}));
}

TEST(LauncherSeamTest, CommandRunnerPipesThroughItsLauncher) {
  RecordingLauncher launcher;
  auto runner = CommandRunner::Real(&launcher);
  auto result = runner->Pipe({"no-such-engine", "save", "x"}, {"no-such-engine", "load"}, 7s);
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  ASSERT_EQ(launcher.launched.size(), 1u);  // the first launch failed: the second never ran
  EXPECT_EQ(launcher.launched[0], (std::vector<std::string>{"no-such-engine", "save", "x"}));
}

// Real processes: the producer's stdout reaches the consumer's stdin; each one's exit and
// words are told apart.
TEST(CommandRunnerPipeTest, RealProcessesPipeAndReportEachEnd) {
  auto runner = CommandRunner::Real(ProcessLauncher::Real());
  auto ok = runner->Pipe({"sh", "-c", "printf 'a\\nb\\n'; echo said >&2"},
                         {"sh", "-c", "wc -l; echo done >&2"}, 30s);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->producer.success());
  EXPECT_TRUE(ok->consumer.success());
  EXPECT_EQ(ok->producer_err, "said\n");
  EXPECT_EQ(ok->consumer_out, "2\ndone\n");

  auto failed = runner->Pipe({"sh", "-c", "exit 3"}, {"sh", "-c", "cat >/dev/null; exit 4"}, 30s);
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_EQ(failed->producer.code, 3);
  EXPECT_EQ(failed->consumer.code, 4);

  auto slow = runner->Pipe({"sleep", "30"}, {"cat"}, 200ms);
  EXPECT_EQ(slow.status().code(), Code::kDeadlineExceeded);
}

}  // namespace
}  // namespace flytebox::cli
