// The container adapter's shared parts: construction, inspecting the container, the
// supervisor's status from inside it, the record of the last start.
#include "cli/container_runtime.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/strings.h"
#include "common/version.h"
#include "sandbox/net.h"

namespace flytebox::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

// Asks the supervisor's status socket inside the container and, when given the argument
// "credentials", reads the sandbox's generated credentials; prints one JSON object. Python
// is in the image (the entrypoint is Python); -I -S keep the start-up short.
constexpr const char* kStatusProgram = R"PY(import json, socket, sys
out = {}
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect("/var/lib/flytebox/supervisor.sock")
    s.sendall(b"GET /status HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    out["reply"] = data.decode()
except OSError as e:
    out["error"] = str(e)
if sys.argv[1:] == ["credentials"]:
    try:
        with open("/var/lib/flytebox/credentials.json") as f:
            out["credentials"] = json.load(f)
    except (OSError, ValueError) as e:
        out["credentials_error"] = str(e)
print(json.dumps(out))
)PY";

std::string FirstLines(const std::string& text, int lines) {
  std::istringstream in(text);
  std::string line, out;
  for (int i = 0; i < lines && std::getline(in, line);) {
    if (line.empty()) continue;
    out += (out.empty() ? "" : "\n  ") + line;
    ++i;
  }
  return out;
}

std::string EngineDownHint(const std::string& engine) {
  if (engine == "docker") {
    return "start the Docker daemon (e.g. `sudo systemctl start docker`), or choose another "
           "runtime with --runtime";
  }
  if (engine == "podman") return "`podman info` says what is wrong; or choose another runtime";
  return "is containerd running (e.g. `sudo systemctl start containerd`)? or choose another "
         "runtime with --runtime";
}

bool HealthzAnswers(const std::string& host, int port) {
  auto reply = sandbox::HttpGet(sandbox::TcpAddress(host, port), "/healthz", 1s);
  return reply.ok() && reply->status == 200;
}

Result<Credentials> ParseCredentials(const json& doc) {
  if (!doc.is_object()) return Status::Unavailable("the sandbox's credentials are not JSON");
  Credentials c;
  auto text = [&](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  c.s3_access_key = text("s3_access_key");
  c.s3_secret_key = text("s3_secret_key");
  c.db_user = text("db_user").empty() ? "flytebox" : text("db_user");
  c.db_password = text("db_password");
  c.url_secret = text("url_secret");
  c.client_id = text("client_id");
  c.client_secret = text("client_secret");
  if (c.s3_access_key.empty() || c.s3_secret_key.empty()) {
    return Status::Unavailable("the sandbox's credentials.json lacks the S3 keys");
  }
  return c;
}

int LabelInt(const std::map<std::string, std::string>& labels, const std::string& key,
             int fallback) {
  auto it = labels.find(key);
  if (it == labels.end()) return fallback;
  char* end = nullptr;
  long v = std::strtol(it->second.c_str(), &end, 10);
  return end && *end == '\0' && v > 0 && v < 65536 ? static_cast<int>(v) : fallback;
}

}  // namespace

std::string DefaultImage() { return std::string("flytebox:") + kVersion; }

Status ValidateContainerName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 &&
            std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      ok = false;
    }
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("--name '" + name + "' is not a container name: letters, " +
                                 "digits, '_', '.', '-', starting with a letter or digit");
}

Status ValidateImageName(const std::string& image) {
  bool ok = !image.empty() && image[0] != '-' && image.size() <= 512;
  for (char c : image) {
    auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || std::iscntrl(u)) ok = false;
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("--image '" + image + "' is not an image reference");
}

std::unique_ptr<Runtime> MakeContainerRuntime(const DemoContext& context, const std::string& engine,
                                              const ContainerSettings& settings) {
  const EngineProfile* profile = FindEngineProfile(engine);
  if (!profile) return nullptr;
  return std::make_unique<ContainerRuntime>(context, *profile, settings);
}

ContainerRuntime::ContainerRuntime(const DemoContext& context, const EngineProfile& profile,
                                   ContainerSettings settings, ContainerDeps deps)
    : ctx_(context),
      commands_(profile, deps.limits ? *deps.limits
                                     : (profile.explicit_ulimits ? HostLimits::Read()
                                                                 : HostLimits{})),
      settings_(std::move(settings)),
      deps_(std::move(deps)) {
  if (settings_.name.empty()) {
    auto record = ReadContainerRecord(ctx_.state_dir);
    settings_.name = record && record->runtime == profile.name ? record->name : "flytebox";
  }
  if (settings_.image.empty()) settings_.image = DefaultImage();
  if (!deps_.healthz) deps_.healthz = HealthzAnswers;
  if (!deps_.stdin_tty) deps_.stdin_tty = isatty(STDIN_FILENO) == 1;
  runner_ = deps_.runner;
  if (!runner_) {
    owned_runner_ = CommandRunner::Real(ctx_.env.launcher);
    runner_ = owned_runner_.get();
  }
}

Result<Captured> ContainerRuntime::RunEngine(const std::vector<std::string>& argv,
                                             std::chrono::milliseconds timeout) {
  return runner_->Run(argv, timeout);
}

std::string ContainerRuntime::Failure(const std::string& what,
                                      const Result<Captured>& result) const {
  if (!result.ok()) {
    return what + ": " + result.status().message() +
           (result.status().code() == Code::kDeadlineExceeded ? "" : " (is " + name() +
                                                                          " installed?)");
  }
  std::string said = FirstLines(result->err.empty() ? result->out : result->err, 4);
  return what + " failed (" + result->status.ToString() + ")" +
         (said.empty() ? "" : ":\n  " + said);
}

Result<ContainerState> ContainerRuntime::Inspect() {
  auto result = RunEngine(commands_.InspectContainer(settings_.name), 30s);
  if (!result.ok()) {
    return Status::FailedPrecondition(Failure(name() + " container inspect", result));
  }
  ContainerState state;
  if (!result->status.success()) {
    if (strings::AsciiLower(result->err).find("no such") != std::string::npos) return state;
    return Status::FailedPrecondition(name() + " does not answer: " + FirstLines(result->err, 2) +
                                      "\n" + EngineDownHint(name()));
  }
  json doc = json::parse(result->out, nullptr, false);
  if (doc.is_array() && !doc.empty()) doc = doc[0];
  if (!doc.is_object()) {
    return Status::Unavailable(name() + " container inspect " + settings_.name +
                            " printed no container");
  }
  state.exists = true;
  state.id = doc.value("Id", "");
  if (auto s = doc.find("State"); s != doc.end() && s->is_object()) {
    if (auto st = s->find("Status"); st != s->end() && st->is_string()) state.status = *st;
    if (auto code = s->find("ExitCode"); code != s->end() && code->is_number_integer()) {
      state.exit_code = *code;
    }
  }
  if (auto config = doc.find("Config"); config != doc.end() && config->is_object()) {
    if (auto labels = config->find("Labels"); labels != config->end() && labels->is_object()) {
      for (const auto& [k, v] : labels->items()) {
        if (v.is_string()) state.labels[k] = v.get<std::string>();
      }
    }
  }
  return state;
}

Result<sandbox::SupervisorStatus> ContainerRuntime::QueryStatus(Credentials* credentials) {
  std::vector<std::string> argv = {"python3", "-I", "-S", "-c", kStatusProgram};
  if (credentials) argv.push_back("credentials");
  auto result = RunEngine(commands_.Exec(settings_.name, {}, argv), 30s);
  if (!result.ok() || !result->status.success()) {
    return Status::Unavailable(Failure("reading the supervisor's status", result));
  }
  json doc = json::parse(result->out, nullptr, false);
  if (!doc.is_object()) return Status::Unavailable("the status reader printed no JSON");
  if (credentials) {
    auto creds = ParseCredentials(doc.value("credentials", json()));
    if (!creds.ok()) {
      return Status::Unavailable(creds.status().message() + " " +
                                 doc.value("credentials_error", std::string()));
    }
    *credentials = *creds;
  }
  if (!doc.contains("reply")) {
    return Status::Unavailable("the supervisor's status socket does not answer: " +
                               doc.value("error", std::string("no reply")));
  }
  FB_ASSIGN_OR_RETURN(auto reply, sandbox::ParseHttpReply(doc.value("reply", std::string())));
  if (reply.status != 200) {
    return Status::Unavailable("the supervisor answered HTTP " + std::to_string(reply.status));
  }
  return sandbox::ParseStatusJson(reply.body);
}

std::string ContainerRuntime::LogTail(int lines) {
  auto result = RunEngine(commands_.Logs(settings_.name, false, lines), 30s);
  if (!result.ok()) return "  (" + result.status().message() + ")\n";
  std::istringstream in(result->out + result->err);
  std::string line, out;
  while (std::getline(in, line)) out += "  | " + line + "\n";
  return out.empty() ? "  (empty)\n" : out;
}

StartOptions ContainerRuntime::OptionsFromLabels(const ContainerState& seen) const {
  StartOptions o;
  o.port = LabelInt(seen.labels, "org.flytebox.port", o.port);
  o.s3_port = LabelInt(seen.labels, "org.flytebox.s3-port", o.s3_port);
  o.db_port = LabelInt(seen.labels, "org.flytebox.db-port", o.db_port);
  if (auto it = seen.labels.find("org.flytebox.bind"); it != seen.labels.end()) o.bind = it->second;
  if (auto it = seen.labels.find("org.flytebox.db"); it != seen.labels.end()) o.db = it->second;
  if (auto it = seen.labels.find("org.flytebox.auth"); it != seen.labels.end()) {
    o.auth = it->second == "1";
  }
  o.kubernetes = seen.labels.count("org.flytebox.kubernetes") > 0;
  o.k8s_port = LabelInt(seen.labels, "org.flytebox.k8s-port", o.k8s_port);
  o.registry_port = LabelInt(seen.labels, "org.flytebox.registry-port", o.registry_port);
  o.s3 = true;
  return o;
}

std::optional<ContainerRecord> ReadContainerRecord(const std::string& state_dir) {
  auto text = ReadFile(state_dir + "/container.json");
  if (!text.ok()) return std::nullopt;
  json doc = json::parse(*text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  ContainerRecord record{doc.value("runtime", ""), doc.value("name", "")};
  if (record.runtime.empty() || !ValidateContainerName(record.name).ok()) return std::nullopt;
  return record;
}

Status WriteContainerRecord(const std::string& state_dir, const ContainerRecord& record) {
  std::error_code ec;
  bool fresh = !fs::exists(state_dir, ec);
  fs::create_directories(state_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + state_dir + ": " + ec.message());
  if (fresh) fs::permissions(state_dir, fs::perms::owner_all, ec);
  json doc = {{"runtime", record.runtime}, {"name", record.name}};
  return WriteFileAtomic(state_dir + "/container.json", doc.dump(2) + "\n", 0600);
}

void RemoveContainerRecord(const std::string& state_dir) {
  std::error_code ec;
  fs::remove(state_dir + "/container.json", ec);
  if (fs::is_empty(state_dir, ec) && !ec) fs::remove(state_dir, ec);
}

std::string FindImageBuildScript(const std::string& self_exe) {
  if (self_exe.empty()) return {};
  fs::path dir = fs::path(self_exe).parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    fs::path script = dir / "scripts" / "build-image.sh";
    std::error_code ec;
    if (fs::is_directory(dir / "images", ec) && access(script.c_str(), X_OK) == 0) {
      return script.string();
    }
    if (dir == dir.parent_path()) break;
  }
  return {};
}

}  // namespace flytebox::cli
