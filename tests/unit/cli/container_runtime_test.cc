// The container adapter's decisions with a recording command runner: which engine commands
// each `flytebox demo` command runs, in what order, and what it makes of their answers.
// The real engines are covered end to end (tests/e2e/test_sandbox_container.py).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/app.h"
#include "cli/container_runtime.h"
#include "sandbox/status.h"
#include "tests/unit/cli/recording_runner.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::cli {
namespace {

using flytebox::testing::TempDir;
using testing::RecordingRunner;

namespace fs = std::filesystem;
using Argv = std::vector<std::string>;
using json = nlohmann::json;

// Time moves only when someone sleeps, by exactly as much.
class SteppingClock : public Clock {
 public:
  WallTime Now() const override {
    return WallTime(std::chrono::seconds(1'700'000'000)) + (mono_ - MonoTime());
  }
  MonoTime Monotonic() const override { return mono_; }
  void SleepUntil(MonoTime deadline) override { mono_ = std::max(mono_, deadline); }
  void Wake() override {}

 private:
  MonoTime mono_{std::chrono::hours(1)};
};

// A port nothing listens on right now (the pre-flight checks the ports for real).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string InspectJson(const std::string& status, const std::map<std::string, std::string>& labels,
                        int exit_code = 0) {
  json doc = json::array({{{"Id", "c0ffee"},
                           {"State", {{"Status", status}, {"ExitCode", exit_code}}},
                           {"Config", {{"Labels", labels}}}}});
  return doc.dump();
}

// What the status reader prints inside the container.
std::string StatusReply(bool ready, int reloads = 0, const std::string& engine_state = "running") {
  sandbox::SupervisorStatus s;
  s.pid = 1;
  s.state = "running";
  s.ready = ready;
  s.reloads = reloads;
  s.config_generation = 1 + reloads;
  for (const char* name : {"s3", "engine"}) {
    sandbox::ComponentStatus c;
    c.name = name;
    c.state = std::string(name) == "engine" ? engine_state : "running";
    c.ready = ready;
    c.pid = 7;
    s.components.push_back(c);
  }
  std::string http = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" +
                     sandbox::StatusToJson(s);
  return json({{"reply", http},
               {"credentials",
                {{"s3_access_key", "fbAK"},
                 {"s3_secret_key", "sekret-s3-key"},
                 {"db_user", "flytebox"},
                 {"db_password", "pw"},
                 {"url_secret", "us"}}}})
      .dump();
}

class ContainerRuntimeTest : public ::testing::Test {
 protected:
  ContainerRuntimeTest() {
    env_.vars = {{"HOME", home_.path()}, {"PATH", "/usr/bin:/bin"}};
    env_.clock = &clock_;
    env_.exec_replace = [this](const Argv& argv, const std::map<std::string, std::string>& env) {
      exec_argv_ = argv;
      exec_env_ = env;
      errno = ENOENT;
    };
    runner_.On({"docker", "container", "inspect"}, {{1, "[]", "Error: No such container: fb"}});
    runner_.On({"docker", "image", "inspect"}, {{0, "sha256:abc\n", ""}});
    runner_.On({"docker", "volume", "inspect"}, {{1, "[]", "Error: no such volume"}});
    runner_.On({"docker", "network", "inspect"}, {{1, "[]", "Error: no such network"}});
    runner_.On({"docker", "exec", "fb", "python3"}, {{0, StatusReply(true), ""}});
  }

  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };

  Outcome Do(const std::function<int(Runtime&)>& command, const std::string& engine = "docker") {
    std::ostringstream out, err;
    DemoContext ctx{out, err, env_, home_ / "state", home_ / ".flyte/config-sandbox.yaml"};
    ContainerDeps deps;
    deps.runner = &runner_;
    deps.healthz = [this](const std::string& host, int port) {
      probed_ = host + ":" + std::to_string(port);
      return healthy_;
    };
    deps.limits = HostLimits{1024, 2048};
    deps.stdin_tty = false;
    ContainerRuntime runtime(ctx, *FindEngineProfile(engine), settings_, deps);
    int code = command(runtime);
    return {code, out.str(), err.str()};
  }

  StartOptions Options() {
    StartOptions o;
    o.port = port_;
    o.s3_port = s3_port_;
    o.wait_timeout_seconds = 5;
    return o;
  }
  std::string P(int port) const { return std::to_string(port); }

  // The labels `start` gives a container for Options(), read off its `run` command.
  std::map<std::string, std::string> LabelsOfRun() {
    for (const auto& a : runner_.calls) {
      if (a.size() < 2 || a[1] != "run") continue;
      std::map<std::string, std::string> labels;
      for (size_t i = 0; i + 1 < a.size(); ++i) {
        if (a[i] != "--label") continue;
        size_t eq = a[i + 1].find('=');
        labels[a[i + 1].substr(0, eq)] = a[i + 1].substr(eq + 1);
      }
      return labels;
    }
    return {};
  }

  TempDir home_;
  SteppingClock clock_;
  Environment env_;
  RecordingRunner runner_;
  ContainerSettings settings_{"fb", ""};
  int port_ = FreePort();
  int s3_port_ = FreePort();
  bool healthy_ = true;
  std::string probed_;
  Argv exec_argv_;
  std::map<std::string, std::string> exec_env_;
};

TEST_F(ContainerRuntimeTest, FreshStartCreatesVolumeAndContainerThenWritesTheConfig) {
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(runner_.Verbs(),
            (std::vector<std::string>{"container inspect", "image inspect", "volume inspect",
                                      "volume create", "network inspect", "network create", "run",
                                      "exec"}));
  EXPECT_EQ(runner_.calls[2], (Argv{"docker", "volume", "inspect", "fb"}));
  EXPECT_EQ(runner_.calls[3],
            (Argv{"docker", "volume", "create", "--label", "org.flytebox.sandbox=1", "fb"}));
  EXPECT_EQ(runner_.calls[5], (Argv{"docker", "network", "create", "--driver", "bridge", "--label",
                                    "org.flytebox.sandbox=1", "fb-net"}));
  const Argv& run = runner_.calls[6];
  auto net = std::find(run.begin(), run.end(), "--network");
  ASSERT_NE(net, run.end());
  EXPECT_EQ(*(net + 1), "fb-net");
  EXPECT_EQ(Argv(run.begin(), run.begin() + 7),
            (Argv{"docker", "run", "-d", "--name", "fb", "--pull", "never"}));
  EXPECT_EQ(run.back(), DefaultImage());
  for (const std::string& word :
       {std::string("fb:/var/lib/flytebox"), "127.0.0.1:" + P(port_) + ":30080",
        "127.0.0.1:" + P(s3_port_) + ":30002", "FLYTEBOX_PUBLIC_PORT=" + P(port_),
        "FLYTEBOX_S3_PUBLIC_PORT=" + P(s3_port_), std::string("FLYTEBOX_DB=sqlite"),
        std::string("FLYTEBOX_PUBLIC_HOST=localhost")}) {
    EXPECT_NE(std::find(run.begin(), run.end(), word), run.end()) << word;
  }
  EXPECT_EQ(std::find(run.begin(), run.end(), "--privileged"), run.end());
  auto labels = LabelsOfRun();
  EXPECT_EQ(labels["org.flytebox.sandbox"], "1");
  EXPECT_EQ(labels["org.flytebox.image-id"], "sha256:abc");
  EXPECT_EQ(labels["org.flytebox.port"], P(port_));
  EXPECT_EQ(labels["org.flytebox.spec"].size(), 16u);
  EXPECT_EQ(probed_, "127.0.0.1:" + P(port_));

  std::string config_path = home_ / ".flyte/config-sandbox.yaml";
  struct stat st{};
  ASSERT_EQ(stat(config_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string config = *ReadFile(config_path);
  EXPECT_NE(config.find("endpoint: dns:///localhost:" + P(port_)), std::string::npos) << config;
  EXPECT_NE(config.find("endpoint: http://localhost:" + P(s3_port_)), std::string::npos) << config;
  EXPECT_NE(config.find("access-key: fbAK"), std::string::npos);
  EXPECT_NE(config.find("secret-key: sekret-s3-key"), std::string::npos);
  EXPECT_NE(o.out.find("export FLYTECTL_CONFIG=" + config_path), std::string::npos) << o.out;
  auto record = ReadContainerRecord(home_ / "state");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->runtime, "docker");
  EXPECT_EQ(record->name, "fb");
}

TEST_F(ContainerRuntimeTest, ARunningSandboxIsExitThreeUnlessForced) {
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitRunning);
  EXPECT_NE(o.err.find("already running"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.calls.size(), 1u);

  runner_.calls.clear();
  StartOptions forced = Options();
  forced.force = true;
  o = Do([&](Runtime& r) { return r.Start(forced); });
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(runner_.calls[1], (Argv{"docker", "rm", "-f", "-v", "fb"}));
  EXPECT_EQ(runner_.Count({"docker", "run"}), 1);
}

TEST_F(ContainerRuntimeTest, AStoppedSandboxWithTheSameOptionsAndImageIsResumed) {
  Do([&](Runtime& r) { return r.Start(Options()); });
  auto labels = LabelsOfRun();
  runner_.calls.clear();
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("exited", labels), ""}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(runner_.Count({"docker", "start", "fb"}), 1);
  EXPECT_EQ(runner_.Count({"docker", "run"}), 0);
  EXPECT_EQ(runner_.Count({"docker", "rm"}), 0);
  EXPECT_EQ(runner_.Count({"docker", "volume"}), 0);

  // Another port, or a rebuilt image: the container is made again over the same volume.
  for (int variant = 0; variant < 2; ++variant) {
    runner_.calls.clear();
    StartOptions other = Options();
    if (variant == 0) other.port = FreePort();
    if (variant == 1) runner_.On({"docker", "image", "inspect"}, {{0, "sha256:new\n", ""}});
    o = Do([&](Runtime& r) { return r.Start(other); });
    EXPECT_EQ(o.code, kExitOk) << o.err;
    EXPECT_EQ(runner_.Count({"docker", "rm", "-f", "-v", "fb"}), 1) << variant;
    EXPECT_EQ(runner_.Count({"docker", "run"}), 1) << variant;
    EXPECT_EQ(runner_.Count({"docker", "start"}), 0) << variant;
    EXPECT_NE(o.err.find("recreating"), std::string::npos) << o.err;
  }
}

TEST_F(ContainerRuntimeTest, AnEngineThatDoesNotAnswerIsNamedAndNothingElseRuns) {
  runner_.On({"docker", "container", "inspect"},
             {{1, "", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("docker does not answer"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("Cannot connect"), std::string::npos);
  EXPECT_EQ(runner_.calls.size(), 1u);
  EXPECT_EQ(Do([&](Runtime& r) { return r.ShowStatus(false); }).code, kExitFailure);
  EXPECT_EQ(Do([&](Runtime& r) { return r.Stop(); }).code, kExitFailure);
}

TEST_F(ContainerRuntimeTest, AMissingImageSaysHowToGetIt) {
  runner_.On({"docker", "image", "inspect"}, {{1, "", "Error: No such image: my:img"}});
  settings_.image = "my:img";
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("image my:img is not in docker"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.Count({"docker", "run"}), 0);

  runner_.On({"nerdctl", "container", "inspect"}, {{1, "", "no such container"}});
  runner_.On({"nerdctl", "image", "inspect"}, {{1, "", "no such image"}});
  settings_.image = "";
  o = Do([&](Runtime& r) { return r.Start(Options()); }, "nerdctl");
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("nerdctl load"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.Count({"nerdctl", "run"}), 0);
}

TEST_F(ContainerRuntimeTest, ATakenPortIsExitFourBeforeAnythingIsCreated) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(fd, 1);
  StartOptions o = Options();
  o.s3_port = ntohs(addr.sin_port);
  Outcome out = Do([&](Runtime& r) { return r.Start(o); });
  close(fd);
  EXPECT_EQ(out.code, kExitPortBusy);
  EXPECT_NE(out.err.find("--s3-port"), std::string::npos) << out.err;
  EXPECT_EQ(runner_.Count({"docker", "run"}), 0);
  EXPECT_EQ(runner_.Count({"docker", "volume", "create"}), 0);

  o.s3_port = o.port;
  EXPECT_EQ(Do([&](Runtime& r) { return r.Start(o); }).code, kExitUsage);
}

TEST_F(ContainerRuntimeTest, ARunThatLosesAPortRaceLeavesNothingBehind) {
  runner_.On({"docker", "run"},
             {{125, "", "docker: Error response from daemon: driver failed programming external "
                        "connectivity: Bind for 127.0.0.1:1 failed: port is already allocated."}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitPortBusy);
  EXPECT_NE(o.err.find("port is already allocated"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.Verbs(),
            (std::vector<std::string>{"container inspect", "image inspect", "volume inspect",
                                      "volume create", "network inspect", "network create", "run",
                                      "rm", "network rm", "volume rm"}));
  EXPECT_FALSE(ReadContainerRecord(home_ / "state"));

  // A volume that was there before (the data of an earlier sandbox) stays.
  runner_.calls.clear();
  runner_.On({"docker", "volume", "inspect"}, {{0, "[{}]", ""}});
  Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(runner_.Count({"docker", "volume", "rm"}), 0);
}

TEST_F(ContainerRuntimeTest, NotReadyInTimeIsExitFiveAndStopsTheContainer) {
  healthy_ = false;
  runner_.On({"docker", "container", "inspect"},
             {{1, "[]", "Error: No such container: fb"}, {0, InspectJson("running", {}), ""}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitTimeout) << o.err;
  EXPECT_NE(o.err.find("not ready within 5 s"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.Count({"docker", "stop", "-t", "10", "fb"}), 1);
  EXPECT_FALSE(fs::exists(home_ / ".flyte/config-sandbox.yaml"));
}

TEST_F(ContainerRuntimeTest, AContainerThatDiesWhileStartingShowsItsLog) {
  healthy_ = false;
  runner_.On({"docker", "container", "inspect"},
             {{1, "[]", "Error: No such container: fb"}, {0, InspectJson("exited", {}, 2), ""}});
  runner_.On({"docker", "logs"}, {{0, "", "flytebox-entrypoint: error: FLYTEBOX_DB='x'\n"}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("stopped while starting (exited, exit code 2)"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("  | flytebox-entrypoint: error"), std::string::npos) << o.err;
}

TEST_F(ContainerRuntimeTest, AFailedComponentEndsTheWaitAtOnce) {
  runner_.On({"docker", "exec", "fb", "python3"},
             {{0, StatusReply(false, 0, "crash-looping"), ""}});
  Outcome o = Do([&](Runtime& r) { return r.Start(Options()); });
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("engine is crash-looping"), std::string::npos) << o.err;
  EXPECT_EQ(runner_.Count({"docker", "exec"}), 1);
}

TEST_F(ContainerRuntimeTest, PythonIsNativeOnlyAndDryRunRunsNothing) {
  StartOptions o = Options();
  o.python = "/usr/bin/python3";
  EXPECT_EQ(Do([&](Runtime& r) { return r.Start(o); }).code, kExitUsage);
  o.python.clear();
  o.dry_run = true;
  o.db = "postgres";
  o.db_port = FreePort();
  Outcome out = Do([&](Runtime& r) { return r.Start(o); }, "podman");
  EXPECT_EQ(out.code, kExitOk);
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_NE(out.out.find("podman run -d --name fb"), std::string::npos) << out.out;
  EXPECT_NE(out.out.find("-p 127.0.0.1:" + P(o.db_port) + ":30001"), std::string::npos);
  EXPECT_NE(out.out.find("--ulimit nofile=1024:1024"), std::string::npos);
  EXPECT_NE(out.out.find("FLYTEBOX_DB=postgres"), std::string::npos);
  EXPECT_FALSE(fs::exists(home_ / ".flyte"));
  EXPECT_FALSE(fs::exists(home_ / "state"));
}

TEST_F(ContainerRuntimeTest, StopKeepsTheVolume) {
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  Outcome o = Do([](Runtime& r) { return r.Stop(); });
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(runner_.calls.back(), (Argv{"docker", "stop", "-t", "30", "fb"}));
  EXPECT_NE(o.out.find("state kept in volume fb"), std::string::npos);

  runner_.calls.clear();
  runner_.On({"docker", "container", "inspect"}, {{1, "", "Error: No such container: fb"}});
  o = Do([](Runtime& r) { return r.Stop(); });
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("no sandbox is running"), std::string::npos);
  EXPECT_EQ(runner_.calls.size(), 1u);
}

TEST_F(ContainerRuntimeTest, StatusComesFromInsideTheContainer) {
  runner_.On({"docker", "container", "inspect"},
             {{0, InspectJson("running", {{"org.flytebox.port", "31080"},
                                          {"org.flytebox.s3-port", "31002"},
                                          {"org.flytebox.image", "flytebox:9"}}),
               ""}});
  Outcome o = Do([](Runtime& r) { return r.ShowStatus(true); });
  ASSERT_EQ(o.code, kExitOk) << o.err;
  json doc = json::parse(o.out);
  EXPECT_TRUE(doc["running"].get<bool>());
  EXPECT_EQ(doc["runtime"], "docker");
  EXPECT_EQ(doc["container"]["name"], "fb");
  EXPECT_EQ(doc["container"]["state"], "running");
  EXPECT_EQ(doc["container"]["image"], "flytebox:9");
  EXPECT_EQ(doc["endpoint"], "localhost:31080");
  EXPECT_EQ(doc["s3_endpoint"], "http://localhost:31002");
  EXPECT_EQ(doc["components"].size(), 2u);
  EXPECT_EQ(doc.dump().find("sekret"), std::string::npos);  // no secret in the status

  Outcome text = Do([](Runtime& r) { return r.ShowStatus(false); });
  EXPECT_NE(text.out.find("Flytebox sandbox (docker container fb): ready"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("state in volume fb"), std::string::npos);

  runner_.On({"docker", "exec", "fb", "python3"}, {{0, StatusReply(false, 0, "backoff"), ""}});
  EXPECT_EQ(Do([](Runtime& r) { return r.ShowStatus(false); }).code, kExitFailure);

  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("exited", {}), ""}});
  Outcome stopped = Do([](Runtime& r) { return r.ShowStatus(true); });
  EXPECT_EQ(stopped.code, kExitFailure);
  EXPECT_FALSE(json::parse(stopped.out)["running"].get<bool>());
}

TEST_F(ContainerRuntimeTest, TeardownVolumeRemovesOnlyWhatFlyteboxMade) {
  Do([&](Runtime& r) { return r.Start(Options()); });
  ASSERT_TRUE(fs::exists(home_ / ".flyte/config-sandbox.yaml"));
  runner_.calls.clear();
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  runner_.On({"docker", "volume", "inspect"},
             {{0, R"([{"Name": "fb", "Labels": {"org.flytebox.sandbox": "1"}}])", ""}});
  Outcome kept = Do([](Runtime& r) { return r.Teardown(false); });
  EXPECT_EQ(kept.code, kExitOk) << kept.err;
  EXPECT_EQ(runner_.Count({"docker", "rm", "-f", "-v", "fb"}), 1);
  EXPECT_EQ(runner_.Count({"docker", "volume", "rm"}), 0);
  EXPECT_FALSE(fs::exists(home_ / ".flyte/config-sandbox.yaml"));
  EXPECT_TRUE(ReadContainerRecord(home_ / "state"));  // it stays with the data

  Outcome gone = Do([](Runtime& r) { return r.Teardown(true); });
  EXPECT_EQ(gone.code, kExitOk) << gone.err;
  EXPECT_EQ(runner_.calls.back(), (Argv{"docker", "volume", "rm", "fb"}));
  EXPECT_FALSE(ReadContainerRecord(home_ / "state"));
  EXPECT_FALSE(fs::exists(home_ / "state"));

  runner_.calls.clear();
  runner_.On({"docker", "volume", "inspect"}, {{0, R"([{"Name": "fb", "Labels": null}])", ""}});
  Outcome refused = Do([](Runtime& r) { return r.Teardown(true); });
  EXPECT_EQ(refused.code, kExitFailure);
  EXPECT_NE(refused.err.find("flytebox did not make it"), std::string::npos);
  EXPECT_EQ(runner_.Count({"docker", "volume", "rm"}), 0);
}

TEST_F(ContainerRuntimeTest, LogsOfTheSupervisorAComponentAndAStoppedSandbox) {
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  runner_.On({"docker", "logs"}, {{0, "supervisor line\n", ""}});
  Outcome o = Do([](Runtime& r) { return r.Logs("supervisor", true); });
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, "supervisor line\n");
  EXPECT_EQ(runner_.calls.back(), (Argv{"docker", "logs", "-f", "fb"}));

  runner_.On({"docker", "exec", "fb", "tail"}, {{0, "engine line\n", ""}});
  o = Do([](Runtime& r) { return r.Logs("", true); });
  EXPECT_EQ(o.out, "engine line\n");
  EXPECT_EQ(runner_.calls.back(), (Argv{"docker", "exec", "fb", "tail", "-n", "+1", "-F",
                                        "/var/lib/flytebox/logs/engine.log"}));

  runner_.On({"docker", "exec", "fb", "test"}, {{1, "", ""}});
  runner_.On({"docker", "exec", "fb", "ls"}, {{0, "engine.log\ns3.log\n", ""}});
  o = Do([](Runtime& r) { return r.Logs("postgres", false); });
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("(logs: supervisor, engine, s3)"), std::string::npos) << o.err;
  EXPECT_EQ(Do([](Runtime& r) { return r.Logs("../x", false); }).code, kExitUsage);

  runner_.On({"docker", "container", "inspect"},
             {{0, InspectJson("exited", {{"org.flytebox.image", "flytebox:7"}}), ""}});
  o = Do([](Runtime& r) { return r.Logs("engine", true); });
  EXPECT_EQ(runner_.calls.back(),
            (Argv{"docker", "run", "--rm", "--pull", "never", "--network", "none", "-v",
                  "fb:/var/lib/flytebox:ro", "flytebox:7", "cat",
                  "/var/lib/flytebox/logs/engine.log"}));
}

TEST_F(ContainerRuntimeTest, ExecRunsInsideAsTheSandboxUserWithSecretsByName) {
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  Outcome o = Do([](Runtime& r) { return r.Exec({"pyflyte", "--help"}); });
  EXPECT_EQ(o.code, 127);  // the recorded exec_replace "fails" with ENOENT
  ASSERT_GE(exec_argv_.size(), 4u);
  EXPECT_EQ(Argv(exec_argv_.begin(), exec_argv_.begin() + 7),
            (Argv{"docker", "exec", "-i", "-u", "flytebox", "-w", "/home/flytebox"}));
  EXPECT_EQ(Argv(exec_argv_.end() - 3, exec_argv_.end()), (Argv{"fb", "pyflyte", "--help"}));
  std::string line = ShellJoin(exec_argv_);
  EXPECT_EQ(line.find("sekret"), std::string::npos) << line;  // the secret only in the environment
  EXPECT_NE(line.find("-e FLYTE_AWS_SECRET_ACCESS_KEY"), std::string::npos) << line;
  EXPECT_EQ(exec_env_["FLYTE_AWS_SECRET_ACCESS_KEY"], "sekret-s3-key");
  EXPECT_EQ(exec_env_["FLYTE_PLATFORM_URL"], "localhost:30080");
  EXPECT_EQ(exec_env_["HOME"], home_.path());

  runner_.On({"docker", "container", "inspect"}, {{1, "", "No such container"}});
  exec_argv_.clear();
  EXPECT_EQ(Do([](Runtime& r) { return r.Exec({"true"}); }).code, kExitFailure);
  EXPECT_TRUE(exec_argv_.empty());
  EXPECT_EQ(Do([](Runtime& r) { return r.Exec({}); }).code, kExitUsage);
}

TEST_F(ContainerRuntimeTest, ReloadSignalsTheSupervisorAndWaitsForItsWord) {
  runner_.On({"docker", "container", "inspect"}, {{0, InspectJson("running", {}), ""}});
  runner_.On({"docker", "exec", "fb", "python3"},
             {{0, StatusReply(true, 0), ""},
              {0, StatusReply(true, 0), ""},
              {0, StatusReply(true, 1), ""}});
  Outcome o = Do([](Runtime& r) { return r.Reload(); });
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(runner_.Count({"docker", "kill", "-s", "HUP", "fb"}), 1);
  EXPECT_NE(o.out.find("configuration 2"), std::string::npos) << o.out;
}

TEST_F(ContainerRuntimeTest, ImageImportLoadsTheArchiveAndChecksTheImageIsThere) {
  fs::path archive = home_ / "flytebox.tar";
  std::ofstream(archive) << "archive";
  Outcome got = Do([&](Runtime& r) { return r.ImportImage(archive.string()); });
  EXPECT_EQ(got.code, kExitOk) << got.err;
  EXPECT_EQ(runner_.Verbs(), (std::vector<std::string>{"load", "image inspect"}));
  EXPECT_EQ(runner_.calls[0], (Argv{"docker", "load", "-i", archive.string()}));
  EXPECT_NE(got.out.find(DefaultImage() + " is in docker"), std::string::npos) << got.out;

  runner_.On({"docker", "image", "inspect"}, {{1, "[]", "Error: No such image"}});
  got = Do([&](Runtime& r) { return r.ImportImage(archive.string()); });
  EXPECT_EQ(got.code, kExitFailure);
  EXPECT_NE(got.err.find("holds no " + DefaultImage()), std::string::npos) << got.err;
}

TEST_F(ContainerRuntimeTest, ImageImportOfAMissingFileRunsNothing) {
  Outcome got = Do([&](Runtime& r) { return r.ImportImage(home_ / "nope.tar"); });
  EXPECT_EQ(got.code, kExitUsage);
  EXPECT_NE(got.err.find("not a readable file"), std::string::npos) << got.err;
  EXPECT_TRUE(runner_.calls.empty());
}

}  // namespace
}  // namespace flytebox::cli
