#include "embedded/engine_main.h"

#include <gtest/gtest.h>

#include <map>

namespace flytebox::engine {
namespace {

class EngineCommandLineTest : public ::testing::Test {
 protected:
  EngineCommandLine Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "flytebox-engine");
    return ParseEngineCommandLine(args, [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }
  std::map<std::string, std::string> env_;
};

TEST_F(EngineCommandLineTest, DefaultsPutEverythingUnderTheDataDir) {
  EngineCommandLine line = Parse({});
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_EQ(line.data_dir, "./flytebox-data");
  EXPECT_EQ(line.options.bind_address, "127.0.0.1");
  EXPECT_EQ(line.options.port, 30080);
  EXPECT_EQ(line.options.database, "sqlite:./flytebox-data/flytebox.db");
  EXPECT_EQ(line.options.blob_root, "./flytebox-data/blobs");
  EXPECT_EQ(line.options.work_dir, "./flytebox-data/work");
  EXPECT_EQ(line.options.storage, EngineOptions::Storage::kFile);
  EXPECT_EQ(line.options.bucket, "my-s3-bucket");
  EXPECT_EQ(line.options.python, "python3");
  EXPECT_EQ(line.options.max_parallel_tasks, 8);
  EXPECT_TRUE(line.options.run_executions);
  EXPECT_EQ(line.options.url_secret, "");
  EXPECT_EQ(line.options.supervisor_status, "");
  EXPECT_EQ(line.log_level, log::Level::kInfo);
}

TEST_F(EngineCommandLineTest, FlagsOverrideDefaults) {
  env_["FLYTEBOX_URL_SECRET"] = "s3cret";
  env_["FLYTEBOX_SUPERVISOR_STATUS"] = "unix:/run/fb/supervisor.sock";
  EngineCommandLine line = Parse(
      {"--bind", "0.0.0.0", "--port", "0", "--data-dir", "/tmp/fb", "--database",
       "postgres:host=db", "--python", "/venv/bin/python", "--max-parallel-tasks", "3",
       "--log-level", "debug", "--no-executions", "--bucket", "b", "--public-url", "http://h:1"});
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_EQ(line.options.bind_address, "0.0.0.0");
  EXPECT_EQ(line.options.port, 0);
  EXPECT_EQ(line.data_dir, "/tmp/fb");
  EXPECT_EQ(line.options.database, "postgres:host=db");
  EXPECT_EQ(line.options.blob_root, "/tmp/fb/blobs");
  EXPECT_EQ(line.options.work_dir, "/tmp/fb/work");
  EXPECT_EQ(line.options.python, "/venv/bin/python");
  EXPECT_EQ(line.options.max_parallel_tasks, 3);
  EXPECT_EQ(line.log_level, log::Level::kDebug);
  EXPECT_FALSE(line.options.run_executions);
  EXPECT_EQ(line.options.bucket, "b");
  EXPECT_EQ(line.options.public_url, "http://h:1");
  EXPECT_EQ(line.options.url_secret, "s3cret");
  EXPECT_EQ(line.options.supervisor_status, "unix:/run/fb/supervisor.sock");
}

TEST_F(EngineCommandLineTest, S3TakesCredentialsFromTheEnvironment) {
  env_["FLYTEBOX_S3_ACCESS_KEY"] = "ak";
  env_["FLYTEBOX_S3_SECRET_KEY"] = "sk";
  EngineCommandLine line = Parse(
      {"--storage", "s3", "--s3-endpoint", "http://127.0.0.1:9000", "--s3-region", "eu-west-1"});
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_EQ(line.options.storage, EngineOptions::Storage::kS3);
  EXPECT_EQ(line.options.s3.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(line.options.s3.region, "eu-west-1");
  EXPECT_EQ(line.options.s3.access_key, "ak");
  EXPECT_EQ(line.options.s3.secret_key, "sk");
  EXPECT_TRUE(line.options.s3_task_access_key.empty());
}

TEST_F(EngineCommandLineTest, S3TasksAccountTakesBothKeysOrNone) {
  env_["FLYTEBOX_S3_ACCESS_KEY"] = "ak";
  env_["FLYTEBOX_S3_SECRET_KEY"] = "sk";
  env_["FLYTEBOX_S3_TASK_ACCESS_KEY"] = "tak";
  std::vector<std::string> args = {"--storage", "s3", "--s3-endpoint", "http://127.0.0.1:9000"};
  EngineCommandLine half = Parse(args);
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("FLYTEBOX_S3_TASK_SECRET_KEY"), std::string::npos) << half.err;
  env_["FLYTEBOX_S3_TASK_SECRET_KEY"] = "tsk";
  EngineCommandLine line = Parse(args);
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_EQ(line.options.s3_task_access_key, "tak");
  EXPECT_EQ(line.options.s3_task_secret_key, "tsk");
  EXPECT_EQ(line.options.s3.access_key, "ak");
}

TEST_F(EngineCommandLineTest, S3WithoutCredentialsIsAUsageError) {
  EngineCommandLine line = Parse({"--storage", "s3", "--s3-endpoint", "http://127.0.0.1:9000"});
  EXPECT_EQ(line.exit_code, 2);
  EXPECT_NE(line.err.find("FLYTEBOX_S3_ACCESS_KEY"), std::string::npos) << line.err;
  env_["FLYTEBOX_S3_ACCESS_KEY"] = "ak";
  env_["FLYTEBOX_S3_SECRET_KEY"] = "sk";
  line = Parse({"--storage", "s3"});
  EXPECT_EQ(line.exit_code, 2);
  EXPECT_NE(line.err.find("--s3-endpoint"), std::string::npos) << line.err;
}

TEST_F(EngineCommandLineTest, AuthTakesTheClientSecretFromTheEnvironment) {
  EXPECT_FALSE(Parse({}).options.auth.enabled);
  EngineCommandLine missing = Parse({"--auth", "--auth-client-id", "c"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("FLYTEBOX_AUTH_CLIENT_SECRET"), std::string::npos) << missing.err;
  env_["FLYTEBOX_AUTH_CLIENT_SECRET"] = "0123456789abcdef0123";
  EngineCommandLine line = Parse({"--auth", "--auth-client-id", "c", "--auth-token-ttl", "7"});
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_TRUE(line.options.auth.enabled);
  EXPECT_EQ(line.options.auth.client_id, "c");
  EXPECT_EQ(line.options.auth.client_secret, "0123456789abcdef0123");
  EXPECT_EQ(line.options.auth.token_ttl_seconds, 7);
  EngineCommandLine zero = Parse({"--auth", "--auth-client-id", "c", "--auth-token-ttl", "0"});
  EXPECT_NE(zero.exit_code.value_or(0), 0);
  EXPECT_NE(zero.err.find("--auth-token-ttl"), std::string::npos) << zero.err;
}

TEST_F(EngineCommandLineTest, BadInputSaysWhatToFix) {
  EngineCommandLine line = Parse({"--log-level", "loud"});
  EXPECT_EQ(line.exit_code, 2);
  EXPECT_NE(line.err.find("unknown log level 'loud'"), std::string::npos) << line.err;
  line = Parse({"--storage", "ftp"});
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("--storage"), std::string::npos) << line.err;
  line = Parse({"--max-parallel-tasks", "0"});
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("--max-parallel-tasks"), std::string::npos) << line.err;
  line = Parse({"--no-such-flag"});
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("--no-such-flag"), std::string::npos) << line.err;
}

TEST_F(EngineCommandLineTest, PodDefaultResourcesAreQuantitiesWithLimitsNotBelowRequests) {
  EngineCommandLine line = Parse({"--kube-default-cpu", "500m", "--kube-default-cpu-limit", "500m",
                                  "--kube-default-memory-limit", "none"});
  ASSERT_FALSE(line.exit_code) << line.err;
  EXPECT_EQ(line.options.kube_default_cpu, "500m");
  EXPECT_EQ(line.options.kube_default_memory_limit, "none");
  EXPECT_FALSE(line.options.kube_default_memory);
  line = Parse({"--kube-default-cpu", "half"});
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("--kube-default-cpu 'half' is not a Kubernetes quantity"),
            std::string::npos)
      << line.err;
  line = Parse({"--kube-default-memory", "2Gi"});  // above the default limit, 1Gi
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("raise --kube-default-memory-limit"), std::string::npos) << line.err;
  line = Parse({"--kube-default-cpu-limit", "lots"});
  EXPECT_NE(line.exit_code.value_or(0), 0);
  EXPECT_NE(line.err.find("--kube-default-cpu-limit 'lots'"), std::string::npos) << line.err;
}

TEST_F(EngineCommandLineTest, HelpAndVersionExitZeroOnStdout) {
  EngineCommandLine line = Parse({"--version"});
  EXPECT_EQ(line.exit_code, 0);
  EXPECT_NE(line.out.find("flytebox-engine "), std::string::npos) << line.out;
  line = Parse({"--help"});
  EXPECT_EQ(line.exit_code, 0);
  EXPECT_NE(line.out.find("--data-dir"), std::string::npos) << line.out;
}

}  // namespace
}  // namespace flytebox::engine
