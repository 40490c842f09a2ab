#include "cli/native_config.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/native_postgres.h"
#include "common/version.h"

namespace flytebox::cli {
namespace {

using json = nlohmann::json;
using sandbox::ComponentSpec;
using sandbox::Probe;

constexpr const char* kBucket = "my-s3-bucket";

Result<std::string> RandomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Internal(std::string("getrandom: ") + std::strerror(errno));
    got += static_cast<size_t>(n);
  }
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (unsigned char c : raw) out += kAlphabet[c % 36];
  return out;
}

std::string Url(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ComponentSpec EngineComponent(const StartOptions& o, const StatePaths& paths,
                              const Credentials& creds, const Programs& programs,
                              const EngineFeatures& features) {
  ComponentSpec c;
  c.name = "engine";
  c.command = {programs.engine, "--bind", o.bind, "--port", std::to_string(o.port),
               "--data-dir", paths.EngineData(), "--log-level", o.log_level};
  c.env["FLYTEBOX_URL_SECRET"] = creds.url_secret;
  if (o.auth) {
    c.command.insert(c.command.end(), {"--auth", "--auth-client-id", creds.client_id});
    if (o.auth_token_ttl > 0) {
      c.command.insert(c.command.end(), {"--auth-token-ttl", std::to_string(o.auth_token_ttl)});
    }
    c.env["FLYTEBOX_AUTH_CLIENT_SECRET"] = creds.client_secret;  // never on the command line
  }
  if (ClientHost(o.bind) != "localhost") {
    c.command.insert(c.command.end(), {"--public-url", Url(ClientHost(o.bind), o.port)});
  }
  if (!o.python.empty() && features.python) {
    c.command.insert(c.command.end(), {"--python", o.python});
  }
  if (o.db == "postgres") {
    c.command.insert(
        c.command.end(),
        {"--database", "postgres:host=" + ProbeHost(o.bind) + " port=" + std::to_string(o.db_port) +
                           " user=" + kEngineDbRole + " dbname=postgres"});
    c.env["PGPASSWORD"] = creds.db_password;  // never on the command line
    c.depends_on.push_back("postgres");
  }
  if (o.s3 && features.s3) {
    c.command.insert(c.command.end(),
                     {"--storage", "s3", "--s3-endpoint", Url(ProbeHost(o.bind), o.s3_port),
                      "--s3-public-endpoint", Url(ClientHost(o.bind), o.s3_port), "--bucket",
                      kBucket});
    c.env["FLYTEBOX_S3_ACCESS_KEY"] = creds.s3_access_key;
    c.env["FLYTEBOX_S3_SECRET_KEY"] = creds.s3_secret_key;
    c.env["FLYTEBOX_S3_TASK_ACCESS_KEY"] = creds.s3_task_access_key;
    c.env["FLYTEBOX_S3_TASK_SECRET_KEY"] = creds.s3_task_secret_key;
    // Tasks get the FLYTE_AWS_* settings from the engine (--storage s3), never from its
    // environment (see embedded/executor/task_env.h).
    c.depends_on.push_back("s3");
  }
  if (!o.kubeconfig.empty()) {
    std::error_code ec;
    std::string path = std::filesystem::absolute(o.kubeconfig, ec).string();
    c.command.insert(c.command.end(), {"--kubeconfig", ec ? o.kubeconfig : path});
    if (!o.kube_context.empty())
      c.command.insert(c.command.end(), {"--kube-context", o.kube_context});
    std::vector<std::string> kube = KubeEngineArgs(o);
    c.command.insert(c.command.end(), kube.begin(), kube.end());
  }
  for (const auto& kv : o.env) {
    size_t eq = kv.find('=');
    c.env[kv.substr(0, eq)] = eq == std::string::npos ? "" : kv.substr(eq + 1);
  }
  c.probe.kind = Probe::Kind::kHttp;
  c.probe.url = Url(ProbeHost(o.bind), o.port) + "/healthz";
  c.ports = {o.port};
  c.version = kVersion;
  c.grace_period = std::chrono::seconds(10);
  return c;
}

ComponentSpec S3Component(const StartOptions& o, const StatePaths& paths,
                          const Credentials& creds, const Programs& programs) {
  ComponentSpec c;
  c.name = "s3";
  std::string host = o.bind.find(':') != std::string::npos ? "[" + o.bind + "]" : o.bind;
  // The console (on the API port) uploads files with a PUT to a signed URL on this port: a
  // cross-origin request, allowed for that one origin only.
  c.command = {programs.versitygw,
               "--port",
               host + ":" + std::to_string(o.s3_port),
               "--cors-allow-origin",
               Url(ClientHost(o.bind), o.port),
               "--iam-dir",
               paths.S3Accounts(),
               "--quiet",
               "posix",
               paths.ObjectStore()};
  c.env["ROOT_ACCESS_KEY_ID"] = creds.s3_access_key;  // never on the command line
  c.env["ROOT_SECRET_ACCESS_KEY"] = creds.s3_secret_key;
  c.probe.kind = Probe::Kind::kTcp;
  c.probe.host = ProbeHost(o.bind);
  c.probe.port = o.s3_port;
  c.ports = {o.s3_port};
  c.version = programs.versitygw_version;
  c.grace_period = std::chrono::seconds(5);
  return c;
}

ComponentSpec PostgresComponent(const StartOptions& o, const StatePaths& paths,
                                const Programs& programs) {
  ComponentSpec c;
  c.name = "postgres";
  c.command = programs.postgres_run_as;
  // No Unix socket: its path would depend on the state folder's length; TCP only.
  // synchronous_commit stays on (Postgres' default): a commit the engine acknowledged
  // survives a crash of Postgres (docs/SECURITY.md, "Faults lose nothing").
  c.command.insert(c.command.end(),
                   {programs.postgres, "-D", paths.PostgresDir() + "/data", "-p",
                    std::to_string(o.db_port), "-h", o.bind, "-c", "unix_socket_directories=",
                    "-c", "synchronous_commit=on", "-c", "max_connections=50"});
  c.probe.kind = Probe::Kind::kExec;
  c.probe.argv = {programs.pg_isready, "-q", "-h", ProbeHost(o.bind), "-p",
                  std::to_string(o.db_port)};
  c.ports = {o.db_port};
  c.version = programs.postgres_version;
  c.grace_period = std::chrono::seconds(10);
  return c;
}

Status AddTaskAccount(Credentials* c) {
  FB_ASSIGN_OR_RETURN(std::string access, RandomToken(16));
  FB_ASSIGN_OR_RETURN(c->s3_task_secret_key, RandomToken(32));
  c->s3_task_access_key = "fbtask" + access;
  return Status::Ok();
}

Status AddClient(Credentials* c) {
  FB_ASSIGN_OR_RETURN(std::string id, RandomToken(12));
  FB_ASSIGN_OR_RETURN(c->client_secret, RandomToken(40));
  c->client_id = "flytebox-" + id;
  return Status::Ok();
}

Status WriteCredentials(const std::string& path, const Credentials& c) {
  json doc = {{"s3_access_key", c.s3_access_key},
              {"s3_secret_key", c.s3_secret_key},
              {"s3_task_access_key", c.s3_task_access_key},
              {"s3_task_secret_key", c.s3_task_secret_key},
              {"db_user", c.db_user},
              {"db_password", c.db_password},
              {"url_secret", c.url_secret},
              {"client_id", c.client_id},
              {"client_secret", c.client_secret}};
  return WriteFileAtomic(path, doc.dump(2) + "\n", 0600);
}

}  // namespace

std::string VersitygwAccountsJson(const Credentials& credentials) {
  json account = {{"access", credentials.s3_task_access_key},
                  {"secret", credentials.s3_task_secret_key},
                  {"role", "user"},
                  {"userID", 0},
                  {"groupID", 0},
                  {"projectID", 0}};
  return json{{"accessAccounts", {{credentials.s3_task_access_key, account}}}}.dump() + "\n";
}

Status WriteVersitygwAccounts(const std::string& dir, const Credentials& credentials) {
  std::string path = dir + "/users.json", text = VersitygwAccountsJson(credentials);
  auto current = ReadFile(path);
  if (current.ok() && *current == text) return Status::Ok();
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Internal("cannot create " + dir + ": " + std::strerror(errno));
  }
  return WriteFileAtomic(path, text, 0600);
}

std::string ClientSecretPath(const std::string& flyte_config) {
  size_t slash = flyte_config.rfind('/');
  std::string dir = slash == std::string::npos ? "." : flyte_config.substr(0, slash);
  return dir + "/sandbox-client-secret";
}

Status WriteClientConfig(const StartOptions& options, const Credentials& credentials,
                         const std::string& flyte_config) {
  std::string secret_file = ClientSecretPath(flyte_config);
  if (options.auth) {
    FB_RETURN_IF_ERROR(WriteFileAtomic(secret_file, credentials.client_secret + "\n", 0600));
  } else {
    unlink(secret_file.c_str());
  }
  return WriteFileAtomic(flyte_config, FlyteConfigYaml(options, credentials, secret_file), 0600);
}

std::string ClientHost(const std::string& bind) {
  if (bind == "127.0.0.1" || bind == "0.0.0.0" || bind == "::" || bind == "::1") return "localhost";
  return bind;
}

std::string ProbeHost(const std::string& bind) {
  if (bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "::1";
  return bind;
}

Result<Credentials> LoadOrCreateCredentials(const std::string& path) {
  auto text = ReadFile(path);
  if (text.ok()) {
    json doc = json::parse(*text, nullptr, false);
    if (doc.is_object()) {
      Credentials c;
      c.s3_access_key = doc.value("s3_access_key", "");
      c.s3_secret_key = doc.value("s3_secret_key", "");
      c.s3_task_access_key = doc.value("s3_task_access_key", "");
      c.s3_task_secret_key = doc.value("s3_task_secret_key", "");
      c.db_user = doc.value("db_user", "flytebox");
      c.db_password = doc.value("db_password", "");
      c.url_secret = doc.value("url_secret", "");
      c.client_id = doc.value("client_id", "");
      c.client_secret = doc.value("client_secret", "");
      if (!c.s3_access_key.empty() && !c.s3_secret_key.empty() && !c.db_password.empty() &&
          !c.url_secret.empty()) {
        bool has_client = !c.client_id.empty() && !c.client_secret.empty();
        bool has_task = !c.s3_task_access_key.empty() && !c.s3_task_secret_key.empty();
        if (has_client && has_task) return c;
        // A state folder from before --auth or the tasks' account: add what is missing,
        // keep everything else.
        if (!has_client) FB_RETURN_IF_ERROR(AddClient(&c));
        if (!has_task) FB_RETURN_IF_ERROR(AddTaskAccount(&c));
        FB_RETURN_IF_ERROR(WriteCredentials(path, c));
        return c;
      }
    }
    return Status::FailedPrecondition(path + " is damaged; remove it to make new credentials " +
                                      "(the Postgres password in it is needed for existing data)");
  }
  Credentials c;
  FB_ASSIGN_OR_RETURN(std::string access, RandomToken(16));
  FB_ASSIGN_OR_RETURN(c.s3_secret_key, RandomToken(32));
  FB_ASSIGN_OR_RETURN(c.db_password, RandomToken(24));
  FB_ASSIGN_OR_RETURN(c.url_secret, RandomToken(32));
  c.s3_access_key = "fb" + access;
  FB_RETURN_IF_ERROR(AddTaskAccount(&c));
  FB_RETURN_IF_ERROR(AddClient(&c));
  FB_RETURN_IF_ERROR(WriteCredentials(path, c));
  return c;
}

sandbox::SupervisorConfig BuildSupervisorConfig(const StartOptions& options,
                                                const StatePaths& paths,
                                                const Credentials& credentials,
                                                const Programs& programs,
                                                const EngineFeatures& features) {
  sandbox::SupervisorConfig config;
  config.status_listen = "unix:" + paths.StatusSocket();
  config.log_dir = paths.Logs();
  if (options.db == "postgres") {
    config.components.push_back(PostgresComponent(options, paths, programs));
  }
  if (options.s3) config.components.push_back(S3Component(options, paths, credentials, programs));
  config.components.push_back(EngineComponent(options, paths, credentials, programs, features));
  return config;
}

std::string FlyteConfigYaml(const StartOptions& options, const Credentials& credentials,
                            const std::string& client_secret_file) {
  std::string host = ClientHost(options.bind);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::string yaml =
      "# Written by `flytebox demo start`; removed by `flytebox demo teardown`.\n"
      "admin:\n"
      "  endpoint: dns:///" + host + ":" + std::to_string(options.port) + "\n"
      "  insecure: true\n";
  if (options.auth) {
    // flytekit's client_credentials flow: a token from the sandbox's /oauth2/token, found
    // through its AuthMetadataService, for this client id and the secret in the file.
    yaml +=
        "  authType: ClientSecret\n"
        "  clientId: " +
        credentials.client_id +
        "\n"
        "  clientSecretLocation: " +
        client_secret_file + "\n";
  }
  if (options.s3) {
    yaml += "storage:\n"
            "  type: minio\n"
            "  container: " + std::string(kBucket) + "\n"
            "  connection:\n"
            "    endpoint: " + Url(ClientHost(options.bind), options.s3_port) + "\n"
            "    auth-type: accesskey\n"
            "    access-key: " + credentials.s3_access_key + "\n"
            "    secret-key: " + credentials.s3_secret_key + "\n"
            "    disable-ssl: true\n";
  }
  return yaml;
}

std::map<std::string, std::string> ClientEnvironment(const StartOptions& options,
                                                     const Credentials& credentials,
                                                     const std::string& flyte_config) {
  std::string host = ClientHost(options.bind);
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  std::map<std::string, std::string> env = {
      {"FLYTECTL_CONFIG", flyte_config},
      {"FLYTE_PLATFORM_URL", host + ":" + std::to_string(options.port)},
      {"FLYTE_PLATFORM_INSECURE", "True"}};
  if (options.auth) {
    env["FLYTE_CREDENTIALS_AUTH_MODE"] = "ClientSecret";
    env["FLYTE_CREDENTIALS_CLIENT_ID"] = credentials.client_id;
    env["FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION"] = ClientSecretPath(flyte_config);
  }
  if (options.s3) {
    env["FLYTE_AWS_ENDPOINT"] = Url(ClientHost(options.bind), options.s3_port);
    env["FLYTE_AWS_ACCESS_KEY_ID"] = credentials.s3_access_key;
    env["FLYTE_AWS_SECRET_ACCESS_KEY"] = credentials.s3_secret_key;
  }
  return env;
}

std::string SandboxRecordJson(const std::string& runtime, const StartOptions& o) {
  json doc = {{"runtime", runtime},
              {"port", o.port},
              {"s3_port", o.s3_port},
              {"db_port", o.db_port},
              {"bind", o.bind},
              {"db", o.db},
              {"s3", o.s3},
              {"python", o.python},
              {"version", kVersion},
              {"auth", o.auth},
              {"auth_token_ttl", o.auth_token_ttl}};
  return doc.dump(2) + "\n";
}

Result<StartOptions> ParseSandboxRecord(const std::string& text, std::string* runtime) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return Status::FailedPrecondition("the sandbox record is not JSON");
  StartOptions o;
  try {
    *runtime = doc.value("runtime", "native");
    o.port = doc.value("port", o.port);
    o.s3_port = doc.value("s3_port", o.s3_port);
    o.db_port = doc.value("db_port", o.db_port);
    o.bind = doc.value("bind", o.bind);
    o.db = doc.value("db", o.db);
    o.s3 = doc.value("s3", o.s3);
    o.python = doc.value("python", o.python);
    o.auth = doc.value("auth", o.auth);
    o.auth_token_ttl = doc.value("auth_token_ttl", o.auth_token_ttl);
  } catch (const json::exception& e) {
    return Status::FailedPrecondition(std::string("the sandbox record is malformed: ") + e.what());
  }
  return o;
}

Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
  fchmod(fd, mode);  // whatever the umask
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = Status::Unavailable("cannot write " + tmp + ": " + std::strerror(errno));
      close(fd);
      unlink(tmp.c_str());
      return st;
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
    unlink(tmp.c_str());
    return st;
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> KubeEngineArgs(const StartOptions& o) {
  std::vector<std::string> args;
  if (o.kube_pod_ttl >= 0)
    args.insert(args.end(), {"--kube-pod-ttl", std::to_string(o.kube_pod_ttl)});
  for (const auto& t : o.kube_interruptible_tolerations) {
    args.insert(args.end(), {"--kube-interruptible-toleration", t});
  }
  for (const auto& kv : o.kube_interruptible_node_selector) {
    args.insert(args.end(), {"--kube-interruptible-node-selector", kv});
  }
  if (!o.kube_namespace_template.empty()) {
    args.insert(args.end(), {"--kube-namespace-template", o.kube_namespace_template});
  }
  if (!o.kube_default_cpu.empty())
    args.insert(args.end(), {"--kube-default-cpu", o.kube_default_cpu});
  if (!o.kube_default_memory.empty()) {
    args.insert(args.end(), {"--kube-default-memory", o.kube_default_memory});
  }
  return args;
}

}  // namespace flytebox::cli
