// The supervisor with real child processes (/bin/sh scripts) and a fake clock: every
// time-based decision (back-off, grace periods, probe schedule) waits for the test to move
// the clock; only process events are waited for in real time.
#include "sandbox/supervisor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

#include "sandbox/net.h"
#include "sandbox/proc_stats.h"
#include "tests/unit/sandbox/test_support.h"

namespace flytebox::sandbox {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;
using testing::ReadAll;
using testing::TempDir;

class SupervisorTest : public ::testing::Test {
 protected:
  ComponentSpec Sh(const std::string& name, const std::string& script) {
    ComponentSpec c;
    c.name = name;
    c.command = {"/bin/sh", "-c", script};
    c.backoff.initial = 100ms;
    c.backoff.crash_loop_exits = 100;
    c.grace_period = 1s;
    return c;
  }

  SupervisorConfig Config(std::vector<ComponentSpec> components) {
    SupervisorConfig config;
    config.log_dir = dir_ / "logs";
    config.components = std::move(components);
    return config;
  }

  std::unique_ptr<Supervisor> Make(SupervisorConfig config, SupervisorOptions options = {}) {
    options.clock = &clock_;
    auto s = Supervisor::Create(std::move(config), options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }

  static SupervisorOptions NoSignals() {
    SupervisorOptions o;
    o.handle_signals = false;
    return o;
  }

  // Steps until `done` holds, moving the fake clock by `tick` per step; false after 10 s
  // of real time.
  bool RunUntil(Supervisor* s, const std::function<bool()>& done, milliseconds tick = 10ms) {
    auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      s->Step(5ms);
      clock_.Advance(tick);
    }
    return true;
  }

  static ComponentStatus Get(const Supervisor& s, const std::string& name) {
    for (const auto& c : s.Snapshot().components) {
      if (c.name == name) return c;
    }
    return {};
  }

  TempDir dir_;
  FakeClock clock_;
};

TEST_F(SupervisorTest, StartsDependentsOnlyOnceTheirDependenciesAreReady) {
  std::string flag = dir_ / "db-ready";
  ComponentSpec db = Sh("db", "exec sleep 100");
  db.probe.kind = Probe::Kind::kExec;
  db.probe.argv = {"/bin/sh", "-c", "test -f " + flag};
  ComponentSpec app = Sh("app", "exec sleep 100");
  app.depends_on = {"db"};
  auto s = Make(Config({app, db}), NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "db").pid > 0; }));
  for (int i = 0; i < 20; ++i) {
    s->Step(5ms);
    clock_.Advance(50ms);
  }
  EXPECT_FALSE(Get(*s, "db").ready);
  EXPECT_EQ(Get(*s, "app").state, "pending");
  EXPECT_EQ(Get(*s, "app").pid, 0);

  std::ofstream(flag) << "ok";
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().ready; }));
  EXPECT_EQ(Get(*s, "db").state, "running");
  EXPECT_GT(Get(*s, "app").pid, 0);
}

TEST_F(SupervisorTest, RestartsAfterTheBackOffOnTheClock) {
  ComponentSpec c = Sh("flaky", "exit 3");
  c.backoff.initial = 200ms;
  auto s = Make(Config({c}), NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "flaky").state == "backoff"; }, 0ms));
  EXPECT_EQ(Get(*s, "flaky").last_exit, "exit code 3");
  for (int i = 0; i < 10; ++i) s->Step(1ms);  // real time passes, the clock does not
  EXPECT_EQ(Get(*s, "flaky").restarts, 0);
  clock_.Advance(199ms);
  s->Step(1ms);
  EXPECT_EQ(Get(*s, "flaky").restarts, 0);
  clock_.Advance(1ms);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "flaky").restarts == 1; }, 0ms));
  // Second exit: the delay doubles.
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "flaky").state == "backoff"; }, 0ms));
  clock_.Advance(399ms);
  s->Step(1ms);
  EXPECT_EQ(Get(*s, "flaky").restarts, 1);
  clock_.Advance(1ms);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "flaky").restarts == 2; }, 0ms));
}

TEST_F(SupervisorTest, AComponentThatKeepsCrashingIsReportedCrashLooping) {
  ComponentSpec c = Sh("broken", "exit 1");
  c.backoff.initial = 10ms;
  c.backoff.crash_loop_exits = 3;
  auto s = Make(Config({c}), NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "broken").state == "crash-looping"; }));
  ComponentStatus st = Get(*s, "broken");
  EXPECT_GE(st.restarts, 2);
  EXPECT_FALSE(st.ready);
  EXPECT_EQ(st.last_exit, "exit code 1");
  EXPECT_FALSE(s->Snapshot().ready);
}

TEST_F(SupervisorTest, RestartPolicyDecidesWhatAnExitMeans) {
  ComponentSpec fails = Sh("fails", "exit 2");
  fails.restart = RestartPolicy::kNever;
  ComponentSpec done = Sh("done", "exit 0");
  done.restart = RestartPolicy::kOnFailure;
  auto s = Make(Config({fails, done}), NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] {
    return Get(*s, "fails").state == "failed" && Get(*s, "done").state == "exited";
  }));
  clock_.Advance(10s);
  s->Step(5ms);
  EXPECT_EQ(Get(*s, "fails").restarts, 0);
  EXPECT_EQ(Get(*s, "done").restarts, 0);
}

TEST_F(SupervisorTest, KilledComponentIsRestartedAndReadyAgain) {
  auto s = Make(Config({Sh("svc", "exec sleep 100")}), NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "svc").ready; }));
  pid_t first = Get(*s, "svc").pid;
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(RunUntil(s.get(), [&] {
    ComponentStatus c = Get(*s, "svc");
    return c.ready && c.restarts == 1;
  }));
  ComponentStatus c = Get(*s, "svc");
  EXPECT_NE(c.pid, first);
  EXPECT_EQ(c.last_exit, "killed by signal 9");
  EXPECT_EQ(c.state, "running");
}

TEST_F(SupervisorTest, CapturesStdoutAndStderrIntoTheComponentLog) {
  auto s = Make(Config({Sh("talker", "echo to-stdout; echo to-stderr >&2; exec sleep 100")}),
                NoSignals());
  std::string log = dir_ / "logs/talker.log";
  ASSERT_TRUE(RunUntil(s.get(), [&] {
    std::string text = ReadAll(log);
    return text.find("to-stdout") != std::string::npos &&
           text.find("to-stderr") != std::string::npos;
  }));
  EXPECT_EQ(Get(*s, "talker").log, log);
}

TEST_F(SupervisorTest, TellsItsComponentsWhereItsStatusIsRead) {
  // The engine serves this document to the console (embedded/server/supervisor_status.h).
  SupervisorConfig config =
      Config({Sh("reader", "echo \"status at $FLYTEBOX_SUPERVISOR_STATUS\"; exec sleep 100")});
  config.status_listen = "unix:" + (dir_ / "status.sock");
  auto s = Make(config, NoSignals());
  std::string log = dir_ / "logs/reader.log";
  ASSERT_TRUE(RunUntil(s.get(), [&] {
    return ReadAll(log).find("status at " + config.status_listen) != std::string::npos;
  })) << ReadAll(log);
}

TEST_F(SupervisorTest, ReapsOrphansHandedToIt) {
  SupervisorOptions options = NoSignals();
  options.subreaper = true;
  // The subshell exits at once, so its `sleep` is orphaned and handed to us.
  auto s = Make(Config({Sh("parent", "(setsid sleep 0.2 &); exec sleep 100")}), options);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().orphans_reaped >= 1; }));
  for (pid_t child : ChildrenOf(getpid())) {
    auto stats = ReadProcStats(child);
    EXPECT_TRUE(!stats || stats->state != 'Z') << "zombie " << child;
  }
}

TEST_F(SupervisorTest, ShutdownStopsInReverseOrderAndKillsAfterTheGracePeriod) {
  std::string order = dir_ / "order";
  // Ready once the trap is set, so that SIGTERM finds it.
  auto armed = [&](ComponentSpec c) {
    c.probe.kind = Probe::Kind::kExec;
    c.probe.argv = {"/bin/sh", "-c", "test -f " + dir_ / c.name + ".armed"};
    return c;
  };
  auto polite = [&](const std::string& name) {
    return armed(Sh(name, "trap 'echo " + name + " >> " + order + "; exit 0' TERM; touch " +
                              dir_ / name + ".armed; while :; do sleep 0.01; done"));
  };
  ComponentSpec base = polite("base");
  ComponentSpec top = polite("top");
  top.depends_on = {"base"};
  ComponentSpec stubborn = armed(Sh("stubborn", "trap '' TERM; touch " + dir_ / "stubborn.armed" +
                                                    "; sleep 100 & exec sleep 100"));
  stubborn.grace_period = 300ms;
  SupervisorOptions options = NoSignals();
  options.subreaper = true;  // as in native mode: the group's orphans come back to be reaped
  auto s = Make(Config({base, top, stubborn}), options);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().ready; }));
  pid_t stubborn_group = Get(*s, "stubborn").pid;

  s->RequestShutdown();
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "stubborn").state == "stopping"; }, 0ms));
  for (int i = 0; i < 20; ++i) s->Step(5ms);  // TERM is ignored; no time passes
  EXPECT_EQ(Get(*s, "stubborn").state, "stopping");
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->finished(); }, 50ms));

  EXPECT_EQ(ReadAll(order), "top\nbase\n");
  EXPECT_EQ(Get(*s, "stubborn").last_exit, "killed by signal 9");
  EXPECT_EQ(kill(-stubborn_group, 0), -1) << "a process of the group survived";
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(SupervisorTest, SigtermShutsDownAndSighupReloads) {
  std::string path = dir_ / "sup.json";
  SupervisorConfig config = Config({Sh("one", "exec sleep 100")});
  std::ofstream(path) << ConfigToJson(config);
  SupervisorOptions options;
  options.handle_signals = true;
  options.config_path = path;
  auto s = Make(config, options);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().ready; }));

  config.components.push_back(Sh("two", "exec sleep 100"));
  std::ofstream(path) << ConfigToJson(config);
  ASSERT_EQ(kill(getpid(), SIGHUP), 0);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return Get(*s, "two").ready; }));
  EXPECT_EQ(s->Snapshot().config_generation, 2);

  pid_t one = Get(*s, "one").pid;
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->finished(); }));
  EXPECT_EQ(kill(one, 0), -1);
}

TEST_F(SupervisorTest, ReloadAppliesTheDifferencesAndRefusesABadFile) {
  std::string path = dir_ / "sup.json";
  SupervisorConfig config = Config({Sh("keep", "exec sleep 100"), Sh("change", "exec sleep 100"),
                                    Sh("drop", "exec sleep 100")});
  SupervisorOptions options = NoSignals();
  options.config_path = path;
  auto s = Make(config, options);
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().ready; }));
  pid_t keep = Get(*s, "keep").pid;
  pid_t change = Get(*s, "change").pid;
  pid_t drop = Get(*s, "drop").pid;

  SupervisorConfig next = Config({Sh("keep", "exec sleep 100"), Sh("change", "exec sleep 101"),
                                  Sh("add", "exec sleep 100")});
  std::ofstream(path) << ConfigToJson(next);
  s->Reload();
  ASSERT_TRUE(RunUntil(s.get(), [&] {
    auto snap = s->Snapshot();
    return snap.ready && snap.components.size() == 3 && Get(*s, "change").pid != change;
  }));
  EXPECT_EQ(Get(*s, "keep").pid, keep);
  EXPECT_TRUE(Get(*s, "drop").name.empty());
  EXPECT_EQ(kill(drop, 0), -1);
  EXPECT_EQ(Get(*s, "change").restarts, 0);
  EXPECT_EQ(s->Snapshot().config_generation, 2);

  std::ofstream(path) << "{\"components\": [{\"name\": \"x\"}]}";
  s->Reload();
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().reloads == 2; }));
  auto snap = s->Snapshot();
  EXPECT_NE(snap.reload_error, "");
  EXPECT_EQ(snap.config_generation, 2);
  EXPECT_EQ(snap.components.size(), 3u);
}

TEST_F(SupervisorTest, ServesStatusAndHealthOverItsSocket) {
  SupervisorConfig config = Config({Sh("svc", "exec sleep 100")});
  config.status_listen = "unix:" + (dir_ / "status.sock");
  auto s = Make(config, NoSignals());
  ASSERT_TRUE(RunUntil(s.get(), [&] { return s->Snapshot().ready; }));

  // The supervisor answers from its own loop, so the client runs on a thread.
  auto get = [&](const std::string& path) {
    Result<HttpReply> reply = Status::Unavailable("not asked");
    std::atomic<bool> done{false};
    std::thread client([&] {
      reply = HttpGet(config.status_listen, path, 5s);
      done = true;
    });
    while (!done) s->Step(5ms);
    client.join();
    return reply;
  };
  auto status = get("/status");
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->status, 200);
  auto parsed = ParseStatusJson(status->body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->components.size(), 1u);
  EXPECT_EQ(parsed->components[0].name, "svc");
  EXPECT_TRUE(parsed->components[0].ready);
  EXPECT_GT(parsed->components[0].pid, 0);
  EXPECT_GT(parsed->components[0].rss_bytes, 0);
  EXPECT_EQ(parsed->pid, getpid());

  auto health = get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto missing = get("/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace flytebox::sandbox
