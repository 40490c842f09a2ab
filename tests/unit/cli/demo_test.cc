// The parts of `flytebox demo` that decide things without a running sandbox: paths, the
// lock, port pre-flight, runtime choice, generated configuration, and the answers of the
// commands when nothing runs. Running sandboxes are covered end to end
// (tests/e2e/test_sandbox_native.py).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/app.h"
#include "cli/native_config.h"
#include "cli/native_postgres.h"
#include "cli/paths.h"
#include "cli/preflight.h"
#include "cli/progress.h"
#include "cli/runtime.h"
#include "cli/state_lock.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::cli {
namespace {

using flytebox::testing::TempDir;

namespace fs = std::filesystem;

class FakeProber : public RuntimeProber {
 public:
  explicit FakeProber(std::set<std::string> answering) : answering_(std::move(answering)) {}
  bool Answers(const std::string& runtime) override {
    asked.push_back(runtime);
    return answering_.count(runtime) > 0;
  }
  std::vector<std::string> asked;

 private:
  std::set<std::string> answering_;
};

// A bound, listening loopback socket on a free port.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 1);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_;
};

TEST(StateDirTest, FlagThenFlyteboxHomeThenXdgThenHome) {
  Environment env;
  env.vars = {{"HOME", "/h"}, {"XDG_DATA_HOME", "/x"}, {"FLYTEBOX_HOME", "/f"}};
  EXPECT_EQ(*StateDir("/given/", env), "/given");
  EXPECT_EQ(*StateDir("", env), "/f");
  env.vars.erase("FLYTEBOX_HOME");
  EXPECT_EQ(*StateDir("", env), "/x/flytebox");
  env.vars.erase("XDG_DATA_HOME");
  EXPECT_EQ(*StateDir("", env), "/h/.local/share/flytebox");
  env.vars.clear();
  EXPECT_EQ(StateDir("", env).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(StateDir("relative", env)->front() == '/');
}

TEST(FindProgramTest, EnvironmentVariableWinsAndMustBeExecutable) {
  TempDir dir;
  std::string fake = dir / "engine";
  std::ofstream(fake) << "#!/bin/sh\n";
  Environment env;
  env.vars["FLYTEBOX_ENGINE"] = fake;
  EXPECT_EQ(FindProgram("flytebox-engine", "FLYTEBOX_ENGINE", env).status().code(),
            Code::kNotFound);
  chmod(fake.c_str(), 0755);
  EXPECT_EQ(*FindProgram("flytebox-engine", "FLYTEBOX_ENGINE", env), fake);
}

TEST(FindProgramTest, FindsTheBuildTreeLayout) {
  TempDir dir;
  fs::create_directories(dir / "build/cli");
  fs::create_directories(dir / "build/sandbox");
  std::string sup = dir / "build/sandbox/flytebox-sandbox";
  std::ofstream(sup) << "#!/bin/sh\n";
  chmod(sup.c_str(), 0755);
  Environment env;
  env.self_exe = dir / "build/cli/flytebox";
  EXPECT_EQ(*FindProgram("flytebox-sandbox", "FLYTEBOX_SUPERVISOR", env), sup);
}

TEST(StateLockTest, OneHolderAtATime) {
  TempDir dir;
  std::string path = dir / "lock";
  EXPECT_FALSE(StateLock::IsHeld(path));
  {
    auto first = StateLock::TryAcquire(path);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_TRUE(StateLock::IsHeld(path));
    auto second = StateLock::TryAcquire(path);
    EXPECT_EQ(second.status().code(), Code::kAlreadyExists);
  }
  EXPECT_FALSE(StateLock::IsHeld(path));
  EXPECT_TRUE(StateLock::TryAcquire(path).ok());
}

TEST(PreflightTest, NamesTheBusyPortAndItsHolder) {
  Listener busy;
  Status st = CheckPortFree("127.0.0.1", busy.port(), "Flyte API", "--port");
  ASSERT_EQ(st.code(), Code::kAlreadyExists);
  EXPECT_NE(st.message().find("port " + std::to_string(busy.port()) + " (Flyte API)"),
            std::string::npos) << st.message();
  EXPECT_NE(st.message().find("by pid " + std::to_string(getpid())), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("--port"), std::string::npos);
  EXPECT_EQ(FindListener(busy.port()), getpid());
}

TEST(PreflightTest, AFreePortPassesAndABadAddressIsAUsageError) {
  int port;
  {
    Listener l;
    port = l.port();
  }
  EXPECT_TRUE(CheckPortFree("127.0.0.1", port, "Flyte API", "--port").ok());
  EXPECT_EQ(CheckPortFree("not-an-ip", port, "Flyte API", "--port").code(),
            Code::kInvalidArgument);
}

TEST(ChooseRuntimeTest, ExplicitChoices) {
  FakeProber prober({"docker"});
  Environment env;
  env.prober = &prober;
  std::string note;
  EXPECT_EQ(*ChooseRuntime("native", env, &note), "native");
  EXPECT_EQ(*ChooseRuntime("docker", env, &note), "docker");
  EXPECT_EQ(ChooseRuntime("lxc", env, &note).status().code(), Code::kInvalidArgument);
  env.vars["FLYTEBOX_RUNTIME"] = "native";
  EXPECT_EQ(*ChooseRuntime("", env, &note), "native");
  env.vars["FLYTEBOX_RUNTIME"] = "podman";
  EXPECT_EQ(*ChooseRuntime("", env, &note), "podman");
  env.vars["FLYTEBOX_RUNTIME"] = "lxc";
  auto bad = ChooseRuntime("", env, &note);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("FLYTEBOX_RUNTIME"), std::string::npos);
  EXPECT_TRUE(prober.asked.empty());
}

TEST(ChooseRuntimeTest, DetectionFallsBackToNativeWithAClearLine) {
  std::string note;
  FakeProber podman_only({"podman"});
  Environment env;
  env.prober = &podman_only;
  EXPECT_EQ(*ChooseRuntime("", env, &note), "podman");
  EXPECT_EQ(podman_only.asked, (std::vector<std::string>{"docker", "podman"}));
  EXPECT_NE(note.find("using podman (detected)"), std::string::npos) << note;

  FakeProber none({});
  env.prober = &none;
  EXPECT_EQ(*ChooseRuntime("", env, &note), "native");
  EXPECT_EQ(none.asked, (std::vector<std::string>{"docker", "podman", "nerdctl"}));
  EXPECT_NE(note.find("no container engine answers"), std::string::npos);
}

TEST(NativeConfigTest, DefaultSandboxIsTheEngineAlone) {
  StartOptions o;
  o.port = 31080;
  Credentials creds{"ak", "sk", "flytebox", "pw", "urlsecret", "id", "sec", "tak", "tsk"};
  Programs programs;
  programs.engine = "/bin/engine";
  auto config = BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{});
  ASSERT_TRUE(sandbox::Validate(config).ok());
  ASSERT_EQ(config.components.size(), 1u);
  const auto& engine = config.components[0];
  EXPECT_EQ(engine.name, "engine");
  EXPECT_EQ(engine.command,
            (std::vector<std::string>{"/bin/engine", "--bind", "127.0.0.1", "--port", "31080",
                                      "--data-dir", "/state/engine", "--log-level", "info"}));
  EXPECT_EQ(engine.probe.url, "http://127.0.0.1:31080/healthz");
  EXPECT_EQ(engine.env.at("FLYTEBOX_URL_SECRET"), "urlsecret");
  EXPECT_EQ(config.status_listen, "unix:/state/supervisor.sock");
  EXPECT_EQ(config.log_dir, "/state/logs");
}

TEST(NativeConfigTest, PostgresAndS3ComeFirstAndSecretsStayOutOfArgv) {
  StartOptions o;
  o.db = "postgres";
  o.s3 = true;
  o.python = "/venv/bin/python";
  o.env = {"EXTRA=1"};
  Credentials creds{"ak", "sk", "flytebox", "pw", "urlsecret", "id", "sec", "tak", "tsk"};
  Programs programs;
  programs.engine = "/bin/engine";
  programs.versitygw = "/bin/versitygw";
  programs.postgres = "/pg/postgres";
  programs.pg_isready = "/pg/pg_isready";
  programs.initdb = "/pg/initdb";
  auto config = BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs,
                                      EngineFeatures{true, true});
  ASSERT_TRUE(sandbox::Validate(config).ok()) << sandbox::Validate(config).ToString();
  EXPECT_EQ(sandbox::StartOrder(config.components),
            (std::vector<std::string>{"postgres", "s3", "engine"}));
  const auto& engine = config.components[2];
  EXPECT_EQ(engine.depends_on, (std::vector<std::string>{"postgres", "s3"}));
  EXPECT_EQ(engine.env.at("PGPASSWORD"), "pw");
  EXPECT_EQ(engine.env.at("FLYTEBOX_S3_SECRET_KEY"), "sk");
  EXPECT_EQ(engine.env.at("EXTRA"), "1");
  for (const auto& c : config.components) {
    for (const auto& arg : c.command) {
      EXPECT_EQ(arg.find("pw"), std::string::npos) << c.name << ": " << arg;
      EXPECT_EQ(arg.find("sk"), std::string::npos) << c.name << ": " << arg;
    }
  }
  std::string joined;
  for (const auto& arg : engine.command) joined += arg + " ";
  EXPECT_NE(joined.find("--python /venv/bin/python"), std::string::npos) << joined;
  EXPECT_NE(joined.find("--storage s3 --s3-endpoint http://127.0.0.1:30002"), std::string::npos)
      << joined;
  // The engine connects as its own role, never as the superuser initdb made.
  EXPECT_NE(joined.find("postgres:host=127.0.0.1 port=30001 user=flytebox_engine dbname=postgres"),
            std::string::npos)
      << joined;
  EXPECT_EQ(config.components[0].probe.kind, sandbox::Probe::Kind::kExec);
  EXPECT_EQ(config.components[1].probe.port, 30002);
  // The console's uploads (a PUT from the API port's origin to a signed S3 URL) may cross over.
  std::string s3;
  for (const auto& arg : config.components[1].command) s3 += arg + " ";
  EXPECT_NE(s3.find("--cors-allow-origin http://localhost:30080 "), std::string::npos) << s3;

  // Pods: the engine gets the kubeconfig and its context.
  o.kubeconfig = "/k/config";
  o.kube_context = "ctx";
  auto kube =
      BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{true, true});
  joined.clear();
  for (const auto& arg : kube.components[2].command) joined += arg + " ";
  EXPECT_NE(joined.find("--kubeconfig /k/config --kube-context ctx"), std::string::npos) << joined;
  // ... and the pod settings asked for, only those.
  EXPECT_EQ(joined.find("--kube-pod-ttl"), std::string::npos) << joined;
  o.kube_pod_ttl = 0;
  o.kube_interruptible_tolerations = {"spot=true:NoSchedule", "gpu:NoExecute"};
  o.kube_interruptible_node_selector = {"pool=spot"};
  o.kube_namespace_template = "fb-{{project}}";
  o.kube_default_cpu = "250m";
  o.kube_default_memory = "300Mi";
  kube = BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{true, true});
  joined.clear();
  for (const auto& arg : kube.components[2].command) joined += arg + " ";
  EXPECT_NE(joined.find("--kube-pod-ttl 0 --kube-interruptible-toleration spot=true:NoSchedule "
                        "--kube-interruptible-toleration gpu:NoExecute "
                        "--kube-interruptible-node-selector pool=spot "
                        "--kube-namespace-template fb-{{project}} --kube-default-cpu 250m "
                        "--kube-default-memory 300Mi"),
            std::string::npos)
      << joined;
  o.kube_pod_ttl = -1;
  o.kube_interruptible_tolerations.clear();
  o.kube_interruptible_node_selector.clear();
  o.kube_namespace_template.clear();
  o.kube_default_cpu.clear();
  o.kube_default_memory.clear();
  o.kubeconfig.clear();
  o.kube_context.clear();

  // An engine without those flags gets neither.
  auto older = BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{});
  joined.clear();
  for (const auto& arg : older.components[2].command) joined += arg + " ";
  EXPECT_EQ(joined.find("--python"), std::string::npos);
  EXPECT_EQ(joined.find("--storage"), std::string::npos);
}

TEST(NativeConfigTest, FlyteConfigNamesTheEndpointAndTheStore) {
  StartOptions o;
  o.port = 31080;
  Credentials creds{"ak", "sk", "flytebox", "pw", "u", "id", "sec", "tak", "tsk"};
  std::string plain = FlyteConfigYaml(o, creds);
  EXPECT_NE(plain.find("  endpoint: dns:///localhost:31080\n"), std::string::npos) << plain;
  EXPECT_NE(plain.find("  insecure: true\n"), std::string::npos);
  EXPECT_EQ(plain.find("storage:"), std::string::npos);
  o.s3 = true;
  std::string with_s3 = FlyteConfigYaml(o, creds);
  EXPECT_NE(with_s3.find("    endpoint: http://localhost:30002\n"), std::string::npos) << with_s3;
  EXPECT_NE(with_s3.find("    access-key: ak\n"), std::string::npos);
  EXPECT_NE(with_s3.find("  container: my-s3-bucket\n"), std::string::npos);
}

TEST(NativeConfigTest, WithAuthTheConfigUsesClientSecretAndTheEngineGetsTheClient) {
  StartOptions o;
  o.port = 31080;
  o.auth = true;
  o.auth_token_ttl = 5;
  Credentials creds{"ak", "sk", "flytebox", "pw", "u", "flytebox-abc", "s3cr3t", "tak", "tsk"};
  std::string yaml = FlyteConfigYaml(o, creds, "/home/u/.flyte/sandbox-client-secret");
  EXPECT_NE(yaml.find("  authType: ClientSecret\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  clientId: flytebox-abc\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  clientSecretLocation: /home/u/.flyte/sandbox-client-secret\n"),
            std::string::npos)
      << yaml;
  EXPECT_EQ(yaml.find("s3cr3t"), std::string::npos) << "the secret belongs in its file";
  EXPECT_EQ(ClientSecretPath("/home/u/.flyte/config-sandbox.yaml"),
            "/home/u/.flyte/sandbox-client-secret");
  Programs programs;
  programs.engine = "/bin/flytebox-engine";
  auto config = BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{});
  const auto& engine = config.components.back();
  std::string joined;
  for (const auto& arg : engine.command) joined += arg + " ";
  EXPECT_NE(joined.find("--auth --auth-client-id flytebox-abc --auth-token-ttl 5 "),
            std::string::npos)
      << joined;
  EXPECT_EQ(joined.find("s3cr3t"), std::string::npos) << "never on the command line";
  EXPECT_EQ(engine.env.at("FLYTEBOX_AUTH_CLIENT_SECRET"), "s3cr3t");
  o.auth = false;
  EXPECT_EQ(FlyteConfigYaml(o, creds, "/x").find("authType"), std::string::npos);
}

TEST(NativeConfigTest, CredentialsAreMadeOnceAndOwnerOnly) {
  TempDir dir;
  std::string path = dir / "credentials.json";
  auto first = LoadOrCreateCredentials(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_GE(first->db_password.size(), 20u);
  EXPECT_NE(first->s3_secret_key, first->url_secret);
  struct stat st{};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateCredentials(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->db_password, first->db_password);
  EXPECT_EQ(again->s3_access_key, first->s3_access_key);
  EXPECT_EQ(again->client_secret, first->client_secret);
  EXPECT_GE(first->client_secret.size(), 32u);
  EXPECT_EQ(first->client_id.rfind("flytebox-", 0), 0u) << first->client_id;
}

TEST(NativeConfigTest, CredentialsFromBeforeAuthGainAClientAndKeepTheRest) {
  TempDir dir;
  std::string path = dir / "credentials.json";
  ASSERT_TRUE(WriteFileAtomic(path,
                              R"({"s3_access_key":"ak","s3_secret_key":"sk","db_user":"flytebox",)"
                              R"("db_password":"pw","url_secret":"u"})",
                              0600)
                  .ok());
  auto c = LoadOrCreateCredentials(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->db_password, "pw");
  EXPECT_FALSE(c->client_secret.empty());
  EXPECT_EQ(c->s3_access_key, "ak");
  EXPECT_EQ(c->s3_task_access_key.rfind("fbtask", 0), 0u) << c->s3_task_access_key;
  EXPECT_GE(c->s3_task_secret_key.size(), 32u);
  auto again = LoadOrCreateCredentials(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->client_secret, c->client_secret);
  EXPECT_EQ(again->s3_task_access_key, c->s3_task_access_key);
  EXPECT_EQ(again->s3_task_secret_key, c->s3_task_secret_key);
}

TEST(NativeConfigTest, TasksGetTheirOwnS3AccountWrittenForVersitygwBeforeItStarts) {
  StartOptions o;
  o.s3 = true;
  Credentials creds{"ak", "sk", "flytebox", "pw", "urlsecret", "id", "sec", "tak", "tsk"};
  Programs programs;
  programs.engine = "/bin/engine";
  programs.versitygw = "/bin/versitygw";
  auto config =
      BuildSupervisorConfig(o, StatePaths{"/state"}, creds, programs, EngineFeatures{true, true});
  const auto& s3 = config.components[0];
  const auto& engine = config.components[1];
  auto iam = std::find(s3.command.begin(), s3.command.end(), "--iam-dir");
  ASSERT_NE(iam, s3.command.end());
  EXPECT_EQ(*(iam + 1), "/state/s3-iam");
  EXPECT_LT(iam - s3.command.begin(),
            std::find(s3.command.begin(), s3.command.end(), "posix") - s3.command.begin());
  EXPECT_EQ(s3.env.at("ROOT_ACCESS_KEY_ID"), "ak");
  EXPECT_EQ(engine.env.at("FLYTEBOX_S3_ACCESS_KEY"), "ak");
  EXPECT_EQ(engine.env.at("FLYTEBOX_S3_TASK_ACCESS_KEY"), "tak");
  EXPECT_EQ(engine.env.at("FLYTEBOX_S3_TASK_SECRET_KEY"), "tsk");

  auto users = nlohmann::json::parse(VersitygwAccountsJson(creds));
  EXPECT_EQ(users, nlohmann::json::parse(
                       R"({"accessAccounts":{"tak":{"access":"tak","secret":"tsk","role":"user",)"
                       R"("userID":0,"groupID":0,"projectID":0}}})"));
  TempDir dir;
  std::string iam_dir = dir / "s3-iam";
  ASSERT_TRUE(WriteVersitygwAccounts(iam_dir, creds).ok());
  struct stat st {};
  ASSERT_EQ(stat((iam_dir + "/users.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(iam_dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(ReadFile(iam_dir + "/users.json").value_or(""), VersitygwAccountsJson(creds));
  EXPECT_TRUE(IsStateEntry("s3-iam"));
}

TEST(ProgressTest, PlainLinesWithoutATerminal) {
  FakeClock clock;
  std::ostringstream out;
  {
    Progress p(out, false, &clock);
    p.Begin("pre-flight");
    clock.Advance(std::chrono::milliseconds(3));
    p.End(true);
    p.Begin("engine ready");
    p.End(false, "exit code 1");
  }
  EXPECT_EQ(out.str(), "pre-flight: ok (3 ms)\nengine ready: failed (0 ms, exit code 1)\n");
}

TEST(ProgressTest, RewritesTheLineOnATerminal) {
  FakeClock clock;
  std::ostringstream out;
  Progress p(out, true, &clock);
  p.Begin("pre-flight");
  p.End(true);
  EXPECT_EQ(out.str(), "  \u2026 pre-flight\r\033[K  \u2713 pre-flight (0 ms)\n");
}

// The commands when nothing runs, through the real command line.
class DemoCommandTest : public ::testing::Test {
 protected:
  DemoCommandTest() : prober_({}) {
    env_.vars = {{"HOME", home_.path()}, {"PATH", "/usr/bin:/bin"}};
    env_.prober = &prober_;
    env_.exec_replace = [this](const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>&) {
      exec_calls_.push_back(argv);
      errno = ENOENT;
    };
  }

  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };
  Outcome Run(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = cli::Run(args, out, err, env_);
    return {code, out.str(), err.str()};
  }

  TempDir home_;
  FakeProber prober_;
  Environment env_;
  std::vector<std::vector<std::string>> exec_calls_;
};

TEST_F(DemoCommandTest, StatusWhenNothingRunsSaysSoAndFails) {
  Outcome text = Run({"demo", "status"});
  EXPECT_EQ(text.code, kExitFailure);
  EXPECT_NE(text.out.find("no sandbox is running"), std::string::npos);
  EXPECT_NE(text.out.find(home_ / ".local/share/flytebox"), std::string::npos) << text.out;
  Outcome json = Run({"demo", "status", "-o", "json"});
  EXPECT_EQ(json.code, kExitFailure);
  EXPECT_NE(json.out.find("\"running\": false"), std::string::npos) << json.out;
}

TEST_F(DemoCommandTest, StopWhenNothingRunsIsAlreadyTrue) {
  Outcome o = Run({"demo", "stop"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("no sandbox is running"), std::string::npos);
}

TEST_F(DemoCommandTest, ExecReloadAndLogsNeedASandbox) {
  EXPECT_EQ(Run({"demo", "exec", "--", "true"}).code, kExitFailure);
  EXPECT_TRUE(exec_calls_.empty());
  EXPECT_EQ(Run({"demo", "reload"}).code, kExitFailure);
  Outcome logs = Run({"demo", "logs", "engine"});
  EXPECT_EQ(logs.code, kExitFailure);
  EXPECT_NE(logs.err.find("no log for 'engine'"), std::string::npos) << logs.err;
  EXPECT_EQ(Run({"demo", "logs", "../etc"}).code, kExitUsage);
}

TEST_F(DemoCommandTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(Run({"demo", "start", "--db", "mysql"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo", "start", "--port", "70000"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo", "start", "--env", "NOEQUALS"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo", "start", "--runtime", "lxc"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo", "start", "--runtime", "docker", "--python", "python3"}).code,
            kExitUsage);  // native only
}

TEST_F(DemoCommandTest, ImageImportNeedsAFileAndAContainerEngine) {
  EXPECT_EQ(Run({"demo", "image", "import"}).code, kExitUsage);
  EXPECT_EQ(Run({"demo", "image"}).code, kExitUsage);
  Outcome native = Run({"demo", "image", "import", "/x.tar", "--runtime", "native"});
  EXPECT_EQ(native.code, kExitUsage);
  EXPECT_NE(native.err.find("--runtime docker"), std::string::npos) << native.err;
  EXPECT_FALSE(fs::exists(home_ / ".local/share/flytebox"));
}

TEST_F(DemoCommandTest, KubeconfigNeedsTheNativeRuntimeAndS3) {
  Outcome no_s3 = Run({"demo", "start", "--runtime", "native", "--kubeconfig", "/k/config"});
  EXPECT_EQ(no_s3.code, kExitUsage);
  EXPECT_NE(no_s3.err.find("add --s3"), std::string::npos) << no_s3.err;
  Outcome docker = Run({"demo", "start", "--runtime", "docker", "--kubeconfig", "/k/config"});
  EXPECT_EQ(docker.code, kExitUsage);
  EXPECT_NE(docker.err.find("--runtime native"), std::string::npos) << docker.err;
  EXPECT_EQ(Run({"demo", "start", "--runtime", "native", "--kube-context", "c"}).code, kExitUsage);
  // Pod settings without pods, or that cannot be read, are refused before anything starts.
  Outcome no_pods = Run({"demo", "start", "--runtime", "native", "--kube-pod-ttl", "5"});
  EXPECT_EQ(no_pods.code, kExitUsage);
  EXPECT_NE(no_pods.err.find("add --kubeconfig"), std::string::npos) << no_pods.err;
  Outcome bad_toleration = Run({"demo", "start", "--runtime", "native", "--s3", "--kubeconfig",
                                "/k/config", "--kube-interruptible-toleration", "spot=true"});
  EXPECT_EQ(bad_toleration.code, kExitUsage);
  EXPECT_NE(bad_toleration.err.find("KEY[=VALUE]:EFFECT"), std::string::npos) << bad_toleration.err;
  Outcome bad_selector = Run({"demo", "start", "--runtime", "native", "--s3", "--kubeconfig",
                              "/k/config", "--kube-interruptible-node-selector", "spot"});
  EXPECT_EQ(bad_selector.code, kExitUsage);
  EXPECT_FALSE(fs::exists(home_ / ".local/share/flytebox"));
}

TEST_F(DemoCommandTest, KubernetesIsForContainerRuntimesAndBringsItsOwnCluster) {
  Outcome native = Run({"demo", "start", "--runtime", "native", "--kubernetes"});
  EXPECT_EQ(native.code, kExitUsage);
  EXPECT_NE(native.err.find("--runtime docker or --runtime podman"), std::string::npos)
      << native.err;
  Outcome both =
      Run({"demo", "start", "--runtime", "docker", "--kubernetes", "--kubeconfig", "/k/config"});
  EXPECT_EQ(both.code, kExitUsage);
  EXPECT_NE(both.err.find("leave out --kubeconfig"), std::string::npos) << both.err;
  EXPECT_EQ(Run({"demo", "start", "--runtime", "docker", "--kubernetes", "--k8s-port", "0"}).code,
            kExitUsage);
  // A dry run shows the capability set, the published API port and the longer default wait.
  Outcome dry = Run(
      {"demo", "start", "--runtime", "docker", "--kubernetes", "--k8s-port", "16443", "--dry-run"});
  EXPECT_EQ(dry.code, kExitOk) << dry.err;
  EXPECT_NE(dry.out.find("-p 127.0.0.1:16443:6443"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("--cap-drop SYS_RESOURCE"), std::string::npos) << dry.out;
  EXPECT_EQ(dry.out.find("--privileged"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("--wait-timeout 180 s"), std::string::npos) << dry.out;
  Outcome given = Run({"demo", "start", "--runtime", "docker", "--kubernetes", "--wait-timeout",
                       "30", "--dry-run"});
  EXPECT_NE(given.out.find("--wait-timeout 30 s"), std::string::npos) << given.out;
  Outcome plain = Run({"demo", "start", "--runtime", "docker", "--dry-run"});
  EXPECT_EQ(plain.out.find("--cap-add"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("--wait-timeout 60 s"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find("FLYTEBOX_KUBE_ENGINE_ARGS"), std::string::npos) << plain.out;
  // The engine's pod settings reach the container's entrypoint as one JSON list.
  Outcome pods = Run({"demo", "start", "--runtime", "docker", "--kubernetes", "--kube-pod-ttl",
                      "60", "--kube-default-memory", "512Mi", "--dry-run"});
  EXPECT_EQ(pods.code, kExitOk) << pods.err;
  EXPECT_NE(pods.out.find(R"(FLYTEBOX_KUBE_ENGINE_ARGS=["--kube-pod-ttl","60",)"
                          R"("--kube-default-memory","512Mi"])"),
            std::string::npos)
      << pods.out;
  EXPECT_FALSE(fs::exists(home_ / ".local/share/flytebox"));
}

TEST_F(DemoCommandTest, ANonLoopbackBindNeedsAuthOrInsecureBindAndIsWarnedAbout) {
  Outcome refused = Run({"demo", "start", "--runtime", "native", "--bind", "0.0.0.0"});
  EXPECT_EQ(refused.code, kExitUsage);
  EXPECT_NE(refused.err.find("can run any command as you"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--insecure-bind"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(home_ / ".local/share/flytebox"));
  std::string fake_engine = home_ / "flytebox-engine";
  std::string fake_sup = home_ / "flytebox-sandbox";
  for (const auto& p : {fake_engine, fake_sup}) {
    std::ofstream(p) << "#!/bin/sh\n";
    chmod(p.c_str(), 0755);
  }
  env_.vars["FLYTEBOX_ENGINE"] = fake_engine;
  env_.vars["FLYTEBOX_SUPERVISOR"] = fake_sup;
  Outcome warned = Run({"demo", "start", "--runtime", "native", "--bind", "0.0.0.0",
                        "--insecure-bind", "--dry-run", "--port", "31997"});
  EXPECT_EQ(warned.code, kExitOk) << warned.err;
  EXPECT_NE(warned.err.find("warning: --bind 0.0.0.0"), std::string::npos) << warned.err;
  Outcome with_auth = Run({"demo", "start", "--runtime", "native", "--bind", "0.0.0.0", "--auth",
                           "--dry-run", "--port", "31997"});
  EXPECT_EQ(with_auth.code, kExitOk) << with_auth.err;
  EXPECT_NE(with_auth.err.find("warning: --bind 0.0.0.0"), std::string::npos) << with_auth.err;
  EXPECT_NE(with_auth.err.find("plain HTTP"), std::string::npos) << with_auth.err;
  Outcome loopback = Run({"demo", "start", "--runtime", "native", "--bind", "127.0.0.1",
                          "--dry-run", "--port", "31997"});
  EXPECT_EQ(loopback.code, kExitOk) << loopback.err;
  EXPECT_EQ(loopback.err.find("warning"), std::string::npos) << loopback.err;
}

TEST_F(DemoCommandTest, HelpDocumentsTheSandboxExitCodes) {
  Outcome o = Run({"demo", "--help"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("3 start: a sandbox is"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("4 start: a port is taken"), std::string::npos);
  Outcome start = Run({"demo", "start", "--help"});
  EXPECT_NE(start.out.find("--wait-timeout"), std::string::npos) << start.out;
}

TEST_F(DemoCommandTest, TeardownVolumeRefusesAFolderItDidNotMake) {
  TempDir precious;
  std::ofstream(precious / "keep-me") << "data";
  Outcome o = Run({"demo", "teardown", "--volume", "--state-dir", precious.path()});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_TRUE(fs::exists(precious / "keep-me"));
}

TEST_F(DemoCommandTest, StartRefusesANonEmptyFolderItDidNotMake) {
  std::string fake_engine = home_ / "flytebox-engine";
  std::string fake_sup = home_ / "flytebox-sandbox";
  for (const auto& p : {fake_engine, fake_sup}) {
    std::ofstream(p) << "#!/bin/sh\n";
    chmod(p.c_str(), 0755);
  }
  env_.vars["FLYTEBOX_ENGINE"] = fake_engine;
  env_.vars["FLYTEBOX_SUPERVISOR"] = fake_sup;
  TempDir precious;
  std::ofstream(precious / "thesis.tex") << "data";
  Outcome o = Run({"demo", "start", "--runtime", "native", "--port", "31998", "--state-dir",
                   precious.path()});
  EXPECT_EQ(o.code, kExitUsage) << o.err;
  EXPECT_NE(o.err.find("not a Flytebox state folder"), std::string::npos) << o.err;
  EXPECT_EQ(std::distance(fs::directory_iterator(precious.path()), fs::directory_iterator()), 1)
      << "start wrote into the user's folder";
}

TEST_F(DemoCommandTest, TeardownVolumeRemovesOnlyWhatFlyteboxMade) {
  TempDir state;
  std::ofstream(state / ".flytebox-state") << "flytebox state folder\n";
  std::ofstream(state / "credentials.json") << "{}";
  std::ofstream(state / "supervisor.json.tmp.123") << "{}";
  fs::create_directories(state / "engine/data");
  std::ofstream(state / "engine/data/db.sqlite") << "x";
  std::ofstream(state / "notes.txt") << "mine";
  Outcome o = Run({"demo", "teardown", "--volume", "--state-dir", state.path()});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_TRUE(fs::exists(state / "notes.txt"));
  for (const char* gone : {".flytebox-state", "credentials.json", "engine", "supervisor.json.tmp.123"}) {
    EXPECT_FALSE(fs::exists(state / gone)) << gone;
  }
  EXPECT_NE(o.out.find("notes.txt"), std::string::npos) << o.out;

  TempDir only_ours;
  std::ofstream(only_ours / ".flytebox-state") << "flytebox state folder\n";
  fs::create_directories(only_ours / "logs");
  EXPECT_EQ(Run({"demo", "teardown", "--volume", "--state-dir", only_ours.path()}).code, kExitOk);
  EXPECT_FALSE(fs::exists(only_ours.path()));
}

TEST_F(DemoCommandTest, DryRunPrintsTheConfigurationAndTouchesNothing) {
  std::string fake_engine = home_ / "flytebox-engine";
  std::string fake_sup = home_ / "flytebox-sandbox";
  for (const auto& p : {fake_engine, fake_sup}) {
    std::ofstream(p) << "#!/bin/sh\n";
    chmod(p.c_str(), 0755);
  }
  env_.vars["FLYTEBOX_ENGINE"] = fake_engine;
  env_.vars["FLYTEBOX_SUPERVISOR"] = fake_sup;
  Outcome o = Run({"demo", "start", "--runtime", "native", "--dry-run", "--port", "31999"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("\"31999\""), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("endpoint: dns:///localhost:31999"), std::string::npos);
  EXPECT_FALSE(fs::exists(home_ / ".local/share/flytebox"));
  EXPECT_FALSE(fs::exists(home_ / ".flyte"));
}

}  // namespace
}  // namespace flytebox::cli

namespace flytebox::cli {
namespace {

TEST(NativePostgres, TheEngineRoleIsNoSuperuserAndOwnsItsDatabase) {
  std::string sql = EngineRoleSql("it's");
  EXPECT_NE(sql.find("CREATE ROLE flytebox_engine;"), std::string::npos) << sql;
  EXPECT_NE(sql.find("NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
            std::string::npos);
  EXPECT_NE(sql.find("PASSWORD 'it''s';"), std::string::npos) << sql;  // quoted as a literal
  EXPECT_NE(sql.find("ALTER DATABASE postgres OWNER TO flytebox_engine;"), std::string::npos);
  EXPECT_NE(sql.find("ALTER SCHEMA public OWNER TO flytebox_engine;"), std::string::npos);
  // Single-user mode with -j: every statement ends with ";" and a blank line.
  EXPECT_EQ(sql.substr(sql.size() - 3), ";\n\n");
}

TEST(NativePostgres, TheSuperuserIsRejectedOverTcpBeforeAnyOtherLine) {
  std::string hba = PgHbaConf("flytebox");
  size_t reject = hba.find("host all flytebox all reject");
  ASSERT_NE(reject, std::string::npos) << hba;
  EXPECT_LT(reject, hba.find("host all all 127.0.0.1/32 scram-sha-256"));
  EXPECT_EQ(hba.find("0.0.0.0/0"), std::string::npos);
  EXPECT_EQ(hba.find("trust"), std::string::npos);
}

}  // namespace
}  // namespace flytebox::cli
