#include "sandbox/config.h"

#include <gtest/gtest.h>

namespace flytebox::sandbox {
namespace {

constexpr const char* kFull = R"({
  "status_listen": "unix:/tmp/x.sock",
  "log_dir": "/tmp/logs",
  "log_max_bytes": 8192,
  "log_keep": 2,
  "components": [
    {"name": "engine", "command": ["/bin/engine", "--port", "1"], "env": {"A": "b"},
     "probe": {"http": "http://127.0.0.1:1/healthz"}, "depends_on": ["db", "s3"],
     "restart": "on-failure", "backoff": {"initial_ms": 10, "max_ms": 80, "stable_after_ms": 500,
     "crash_loop_exits": 3, "crash_loop_window_ms": 1000}, "grace_period_ms": 250,
     "ports": [1], "version": "1.0"},
    {"name": "db", "command": ["/bin/db"], "probe": {"exec": ["/bin/true"]}},
    {"name": "s3", "command": ["/bin/s3"], "probe": {"tcp": "127.0.0.1:2"}, "restart": "never"}
  ]})";

TEST(ConfigTest, ParsesEveryField) {
  auto config = ParseConfig(kFull);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->status_listen, "unix:/tmp/x.sock");
  EXPECT_EQ(config->log_max_bytes, 8192);
  EXPECT_EQ(config->log_keep, 2);
  ASSERT_EQ(config->components.size(), 3u);
  const ComponentSpec& e = config->components[0];
  EXPECT_EQ(e.command, (std::vector<std::string>{"/bin/engine", "--port", "1"}));
  EXPECT_EQ(e.env.at("A"), "b");
  EXPECT_EQ(e.probe.kind, Probe::Kind::kHttp);
  EXPECT_EQ(e.restart, RestartPolicy::kOnFailure);
  EXPECT_EQ(e.backoff.initial, std::chrono::milliseconds(10));
  EXPECT_EQ(e.backoff.crash_loop_exits, 3);
  EXPECT_EQ(e.grace_period, std::chrono::milliseconds(250));
  EXPECT_EQ(config->components[1].probe.kind, Probe::Kind::kExec);
  EXPECT_EQ(config->components[2].probe.host, "127.0.0.1");
  EXPECT_EQ(config->components[2].probe.port, 2);
  EXPECT_EQ(config->components[2].restart, RestartPolicy::kNever);
}

TEST(ConfigTest, JsonRoundTripKeepsEverything) {
  auto config = ParseConfig(kFull);
  ASSERT_TRUE(config.ok());
  auto again = ParseConfig(ConfigToJson(*config));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *config);
}

TEST(ConfigTest, StartOrderPutsDependenciesFirst) {
  auto config = ParseConfig(kFull);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(StartOrder(config->components), (std::vector<std::string>{"db", "s3", "engine"}));
}

void ExpectInvalid(const std::string& json, const std::string& mentions) {
  auto config = ParseConfig(json);
  ASSERT_FALSE(config.ok()) << json;
  EXPECT_EQ(config.status().code(), Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find(mentions), std::string::npos)
      << config.status().message();
}

TEST(ConfigTest, RejectsWhatCannotRun) {
  ExpectInvalid("not json", "not valid JSON");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a"}]})", "no command");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "A b", "command": ["x"]}]})",
                "must be 1-64 characters");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "restarts": 1}]})", "unknown key 'restarts'");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "depends_on": ["b"]}]})", "unknown 'b'");
  ExpectInvalid(R"({"log_dir": "/l", "components": [
                {"name": "a", "command": ["x"], "depends_on": ["b"]},
                {"name": "b", "command": ["x"], "depends_on": ["a"]}]})", "cycle");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"]},
                {"name": "a", "command": ["y"]}]})", "defined twice");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "probe": {"tcp": "nohost"}}]})", "HOST:PORT");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "probe": {"http": "ftp://x"}}]})", "http://");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "restart": "sometimes"}]})", "always, on-failure or never");
  ExpectInvalid(R"({"log_dir": "/l", "components": [{"name": "a", "command": ["x"],
                "backoff": {"initial_ms": -1}}]})", "initial_ms");
  ExpectInvalid(R"({"components": []})", "log_dir");
}

}  // namespace
}  // namespace flytebox::sandbox
