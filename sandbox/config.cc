#include "sandbox/config.h"

#include <cctype>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace flytebox::sandbox {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr std::pair<RestartPolicy, std::string_view> kPolicies[] = {
    {RestartPolicy::kAlways, "always"},
    {RestartPolicy::kOnFailure, "on-failure"},
    {RestartPolicy::kNever, "never"}};

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

Status CheckKeys(const json& obj, const std::string& where, std::set<std::string> allowed) {
  if (!obj.is_object()) return Bad(where, "must be a JSON object");
  for (const auto& item : obj.items()) {
    if (!allowed.count(item.key())) return Bad(where, "unknown key '" + item.key() + "'");
  }
  return Status::Ok();
}

// Typed field readers: absent keys leave `out` as it is.
Status ReadString(const json& obj, const char* key, const std::string& where, std::string* out) {
  if (!obj.contains(key)) return Status::Ok();
  if (!obj[key].is_string()) return Bad(where, std::string("'") + key + "' must be a string");
  *out = obj[key].get<std::string>();
  return Status::Ok();
}

Status ReadInt(const json& obj, const char* key, const std::string& where, int64_t min,
               int64_t* out) {
  if (!obj.contains(key)) return Status::Ok();
  if (!obj[key].is_number_integer() || obj[key].get<int64_t>() < min) {
    return Bad(where, std::string("'") + key + "' must be an integer >= " + std::to_string(min));
  }
  *out = obj[key].get<int64_t>();
  return Status::Ok();
}

Status ReadMillis(const json& obj, const char* key, const std::string& where, milliseconds* out) {
  int64_t v = out->count();
  FB_RETURN_IF_ERROR(ReadInt(obj, key, where, 0, &v));
  *out = milliseconds(v);
  return Status::Ok();
}

Status ReadStrings(const json& obj, const char* key, const std::string& where,
                   std::vector<std::string>* out) {
  if (!obj.contains(key)) return Status::Ok();
  const json& arr = obj[key];
  std::string msg = std::string("'") + key + "' must be a list of strings";
  if (!arr.is_array()) return Bad(where, msg);
  out->clear();
  for (const auto& v : arr) {
    if (!v.is_string()) return Bad(where, msg);
    out->push_back(v.get<std::string>());
  }
  return Status::Ok();
}

Status ParseHostPort(const std::string& text, const std::string& where, Probe* probe) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Bad(where, "tcp probe must be HOST:PORT");
  probe->host = text.substr(0, colon);
  try {
    probe->port = std::stoi(text.substr(colon + 1));
  } catch (const std::exception&) {
    return Bad(where, "tcp probe must be HOST:PORT");
  }
  if (probe->port <= 0 || probe->port > 65535) return Bad(where, "tcp probe port out of range");
  return Status::Ok();
}

Status ParseProbe(const json& obj, const std::string& where, Probe* probe) {
  if (obj.is_null()) return Status::Ok();
  FB_RETURN_IF_ERROR(CheckKeys(obj, where, {"http", "tcp", "exec"}));
  if (obj.size() != 1) return Bad(where, "give exactly one of http, tcp, exec");
  if (obj.contains("http")) {
    probe->kind = Probe::Kind::kHttp;
    return ReadString(obj, "http", where, &probe->url);
  }
  if (obj.contains("tcp")) {
    probe->kind = Probe::Kind::kTcp;
    std::string text;
    FB_RETURN_IF_ERROR(ReadString(obj, "tcp", where, &text));
    return ParseHostPort(text, where, probe);
  }
  probe->kind = Probe::Kind::kExec;
  return ReadStrings(obj, "exec", where, &probe->argv);
}

Status ParseBackoff(const json& obj, const std::string& where, Backoff* b) {
  FB_RETURN_IF_ERROR(CheckKeys(obj, where,
                               {"initial_ms", "max_ms", "stable_after_ms", "crash_loop_exits",
                                "crash_loop_window_ms"}));
  FB_RETURN_IF_ERROR(ReadMillis(obj, "initial_ms", where, &b->initial));
  FB_RETURN_IF_ERROR(ReadMillis(obj, "max_ms", where, &b->max));
  FB_RETURN_IF_ERROR(ReadMillis(obj, "stable_after_ms", where, &b->stable_after));
  FB_RETURN_IF_ERROR(ReadMillis(obj, "crash_loop_window_ms", where, &b->crash_loop_window));
  int64_t exits = b->crash_loop_exits;
  FB_RETURN_IF_ERROR(ReadInt(obj, "crash_loop_exits", where, 1, &exits));
  b->crash_loop_exits = static_cast<int>(exits);
  return Status::Ok();
}

Status ParseRestart(const json& obj, const std::string& where, RestartPolicy* out) {
  std::string name;
  FB_RETURN_IF_ERROR(ReadString(obj, "restart", where, &name));
  if (name.empty()) return Status::Ok();
  for (const auto& [policy, text] : kPolicies) {
    if (name == text) {
      *out = policy;
      return Status::Ok();
    }
  }
  return Bad(where, "'restart' must be always, on-failure or never");
}

Status ParseEnv(const json& obj, const std::string& where,
                std::map<std::string, std::string>* env) {
  if (!obj.contains("env")) return Status::Ok();
  if (!obj["env"].is_object()) return Bad(where, "'env' must be an object of strings");
  for (const auto& item : obj["env"].items()) {
    if (!item.value().is_string()) return Bad(where, "'env' must be an object of strings");
    (*env)[item.key()] = item.value().get<std::string>();
  }
  return Status::Ok();
}

Status ParsePorts(const json& obj, const std::string& where, std::vector<int>* ports) {
  if (!obj.contains("ports")) return Status::Ok();
  if (!obj["ports"].is_array()) return Bad(where, "'ports' must be a list of integers");
  for (const auto& p : obj["ports"]) {
    if (!p.is_number_integer()) return Bad(where, "'ports' must be a list of integers");
    ports->push_back(p.get<int>());
  }
  return Status::Ok();
}

Result<ComponentSpec> ParseComponent(const json& obj, size_t index) {
  std::string where = "components[" + std::to_string(index) + "]";
  FB_RETURN_IF_ERROR(CheckKeys(obj, where,
                               {"name", "command", "env", "working_dir", "probe", "depends_on",
                                "restart", "backoff", "grace_period_ms", "ports", "version"}));
  ComponentSpec c;
  FB_RETURN_IF_ERROR(ReadString(obj, "name", where, &c.name));
  if (!c.name.empty()) where = "component '" + c.name + "'";
  FB_RETURN_IF_ERROR(ReadStrings(obj, "command", where, &c.command));
  FB_RETURN_IF_ERROR(ParseEnv(obj, where, &c.env));
  FB_RETURN_IF_ERROR(ReadString(obj, "working_dir", where, &c.working_dir));
  if (obj.contains("probe")) {
    FB_RETURN_IF_ERROR(ParseProbe(obj["probe"], where + " probe", &c.probe));
  }
  FB_RETURN_IF_ERROR(ReadStrings(obj, "depends_on", where, &c.depends_on));
  FB_RETURN_IF_ERROR(ParseRestart(obj, where, &c.restart));
  if (obj.contains("backoff")) {
    FB_RETURN_IF_ERROR(ParseBackoff(obj["backoff"], where + " backoff", &c.backoff));
  }
  FB_RETURN_IF_ERROR(ReadMillis(obj, "grace_period_ms", where, &c.grace_period));
  FB_RETURN_IF_ERROR(ParsePorts(obj, where, &c.ports));
  FB_RETURN_IF_ERROR(ReadString(obj, "version", where, &c.version));
  return c;
}

Result<SupervisorConfig> ParseTop(const json& doc) {
  FB_RETURN_IF_ERROR(CheckKeys(doc, "config",
                               {"status_listen", "log_dir", "log_max_bytes", "log_keep",
                                "components"}));
  SupervisorConfig config;
  FB_RETURN_IF_ERROR(ReadString(doc, "status_listen", "config", &config.status_listen));
  FB_RETURN_IF_ERROR(ReadString(doc, "log_dir", "config", &config.log_dir));
  FB_RETURN_IF_ERROR(ReadInt(doc, "log_max_bytes", "config", 4096, &config.log_max_bytes));
  int64_t keep = config.log_keep;
  FB_RETURN_IF_ERROR(ReadInt(doc, "log_keep", "config", 0, &keep));
  config.log_keep = static_cast<int>(keep);
  if (doc.contains("components")) {
    if (!doc["components"].is_array()) return Bad("config", "'components' must be a list");
    for (size_t i = 0; i < doc["components"].size(); ++i) {
      FB_ASSIGN_OR_RETURN(ComponentSpec c, ParseComponent(doc["components"][i], i));
      config.components.push_back(std::move(c));
    }
  }
  FB_RETURN_IF_ERROR(Validate(config));
  return config;
}

Status ValidateProbe(const ComponentSpec& c) {
  std::string where = "component '" + c.name + "' probe";
  switch (c.probe.kind) {
    case Probe::Kind::kNone:
      return Status::Ok();
    case Probe::Kind::kHttp:
      if (c.probe.url.rfind("http://", 0) != 0) return Bad(where, "http probe must be http://...");
      return Status::Ok();
    case Probe::Kind::kTcp:
      if (c.probe.host.empty() || c.probe.port <= 0) return Bad(where, "tcp probe needs HOST:PORT");
      return Status::Ok();
    case Probe::Kind::kExec:
      if (c.probe.argv.empty()) return Bad(where, "exec probe needs a command");
      return Status::Ok();
  }
  return Status::Ok();
}

// Depth-first search for a dependency cycle; returns the component that closes it.
std::string FindCycle(const std::vector<ComponentSpec>& components) {
  std::map<std::string, const ComponentSpec*> by_name;
  for (const auto& c : components) by_name[c.name] = &c;
  std::map<std::string, int> mark;  // 1: on the stack, 2: done
  std::function<std::string(const std::string&)> visit = [&](const std::string& name) {
    mark[name] = 1;
    for (const auto& dep : by_name[name]->depends_on) {
      if (mark[dep] == 1) return dep;
      if (mark[dep] == 0) {
        std::string found = visit(dep);
        if (!found.empty()) return found;
      }
    }
    mark[name] = 2;
    return std::string();
  };
  for (const auto& c : components) {
    if (mark[c.name] == 0) {
      std::string found = visit(c.name);
      if (!found.empty()) return found;
    }
  }
  return {};
}

}  // namespace

std::string_view RestartPolicyName(RestartPolicy policy) {
  for (const auto& [p, text] : kPolicies) {
    if (p == policy) return text;
  }
  return "always";
}

Status Validate(const SupervisorConfig& config) {
  std::set<std::string> names;
  for (const auto& c : config.components) {
    if (!ValidComponentName(c.name)) {
      return Status::InvalidArgument("component name '" + c.name +
                                     "' must be 1-64 characters of a-z, 0-9 and -");
    }
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("component '" + c.name + "' is defined twice");
    }
    if (c.command.empty() || c.command[0].empty()) {
      return Status::InvalidArgument("component '" + c.name + "' has no command");
    }
    FB_RETURN_IF_ERROR(ValidateProbe(c));
  }
  for (const auto& c : config.components) {
    for (const auto& dep : c.depends_on) {
      if (!names.count(dep)) {
        return Status::InvalidArgument("component '" + c.name + "' depends on unknown '" + dep +
                                       "'");
      }
    }
  }
  std::string cycle = FindCycle(config.components);
  if (!cycle.empty()) {
    return Status::InvalidArgument("dependency cycle through component '" + cycle + "'");
  }
  if (config.log_dir.empty()) return Status::InvalidArgument("config: 'log_dir' is required");
  return Status::Ok();
}

std::vector<std::string> StartOrder(const std::vector<ComponentSpec>& components) {
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < components.size()) {
    size_t before = order.size();
    for (const auto& c : components) {
      if (placed.count(c.name)) continue;
      bool deps_placed = true;
      for (const auto& d : c.depends_on) deps_placed = deps_placed && placed.count(d);
      if (deps_placed) {
        order.push_back(c.name);
        placed.insert(c.name);
      }
    }
    if (order.size() == before) break;  // a cycle: Validate() reports it
  }
  return order;
}

Result<SupervisorConfig> ParseConfig(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("config is not valid JSON");
  try {
    return ParseTop(doc);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("config: ") + e.what());
  }
}

Result<SupervisorConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read supervisor config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto config = ParseConfig(ss.str());
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

namespace {

json ProbeToJson(const Probe& p) {
  switch (p.kind) {
    case Probe::Kind::kNone:
      return nullptr;
    case Probe::Kind::kHttp:
      return {{"http", p.url}};
    case Probe::Kind::kTcp:
      return {{"tcp", p.host + ":" + std::to_string(p.port)}};
    case Probe::Kind::kExec:
      return {{"exec", p.argv}};
  }
  return nullptr;
}

json ComponentToJson(const ComponentSpec& c) {
  json obj = {{"name", c.name}, {"command", c.command}};
  if (!c.env.empty()) obj["env"] = c.env;
  if (!c.working_dir.empty()) obj["working_dir"] = c.working_dir;
  if (c.probe.kind != Probe::Kind::kNone) obj["probe"] = ProbeToJson(c.probe);
  if (!c.depends_on.empty()) obj["depends_on"] = c.depends_on;
  obj["restart"] = std::string(RestartPolicyName(c.restart));
  obj["backoff"] = {{"initial_ms", c.backoff.initial.count()},
                    {"max_ms", c.backoff.max.count()},
                    {"stable_after_ms", c.backoff.stable_after.count()},
                    {"crash_loop_exits", c.backoff.crash_loop_exits},
                    {"crash_loop_window_ms", c.backoff.crash_loop_window.count()}};
  obj["grace_period_ms"] = c.grace_period.count();
  if (!c.ports.empty()) obj["ports"] = c.ports;
  if (!c.version.empty()) obj["version"] = c.version;
  return obj;
}

}  // namespace

std::string ConfigToJson(const SupervisorConfig& config) {
  json doc = {{"status_listen", config.status_listen},
              {"log_dir", config.log_dir},
              {"log_max_bytes", config.log_max_bytes},
              {"log_keep", config.log_keep},
              {"components", json::array()}};
  for (const auto& c : config.components) doc["components"].push_back(ComponentToJson(c));
  return doc.dump(2) + "\n";
}

bool ValidComponentName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name) {
    if (!(std::islower(static_cast<unsigned char>(ch)) ||
          std::isdigit(static_cast<unsigned char>(ch)) || ch == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace flytebox::sandbox
