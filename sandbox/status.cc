#include "sandbox/status.h"

#include <nlohmann/json.hpp>

namespace flytebox::sandbox {
namespace {

using json = nlohmann::json;

json ComponentJson(const ComponentStatus& c) {
  json obj = {{"name", c.name},
              {"state", c.state},
              {"ready", c.ready},
              {"restarts", c.restarts},
              {"pid", c.pid > 0 ? json(c.pid) : json(nullptr)},
              {"uptime_seconds", c.uptime_seconds},
              {"cpu_seconds", c.cpu_seconds},
              {"rss_bytes", c.rss_bytes},
              {"ports", c.ports},
              {"version", c.version},
              {"log", c.log}};
  if (!c.last_exit.empty()) obj["last_exit"] = c.last_exit;
  if (!c.detail.empty()) obj["detail"] = c.detail;
  return obj;
}

ComponentStatus ComponentFrom(const json& obj) {
  ComponentStatus c;
  c.name = obj.value("name", "");
  c.state = obj.value("state", "");
  c.ready = obj.value("ready", false);
  c.restarts = obj.value("restarts", 0);
  if (obj.contains("pid") && obj["pid"].is_number_integer()) c.pid = obj["pid"].get<pid_t>();
  c.uptime_seconds = obj.value("uptime_seconds", 0.0);
  c.cpu_seconds = obj.value("cpu_seconds", 0.0);
  c.rss_bytes = obj.value("rss_bytes", int64_t{0});
  if (obj.contains("ports")) c.ports = obj["ports"].get<std::vector<int>>();
  c.version = obj.value("version", "");
  c.last_exit = obj.value("last_exit", "");
  c.detail = obj.value("detail", "");
  c.log = obj.value("log", "");
  return c;
}

}  // namespace

std::string StatusToJson(const SupervisorStatus& s) {
  json doc = {{"ready", s.ready},
              {"supervisor",
               {{"pid", s.pid},
                {"version", s.version},
                {"state", s.state},
                {"uptime_seconds", s.uptime_seconds},
                {"cpu_seconds", s.cpu_seconds},
                {"rss_bytes", s.rss_bytes},
                {"config_generation", s.config_generation},
                {"reloads", s.reloads},
                {"reload_error", s.reload_error},
                {"orphans_reaped", s.orphans_reaped}}},
              {"components", json::array()}};
  for (const auto& c : s.components) doc["components"].push_back(ComponentJson(c));
  return doc.dump(2) + "\n";
}

Result<SupervisorStatus> ParseStatusJson(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Unavailable("the supervisor's status is not JSON");
  }
  try {
    SupervisorStatus s;
    s.ready = doc.value("ready", false);
    const json& sup = doc.at("supervisor");
    s.pid = sup.value("pid", 0);
    s.version = sup.value("version", "");
    s.state = sup.value("state", "");
    s.uptime_seconds = sup.value("uptime_seconds", 0.0);
    s.cpu_seconds = sup.value("cpu_seconds", 0.0);
    s.rss_bytes = sup.value("rss_bytes", int64_t{0});
    s.config_generation = sup.value("config_generation", 0);
    s.reloads = sup.value("reloads", 0);
    s.reload_error = sup.value("reload_error", "");
    s.orphans_reaped = sup.value("orphans_reaped", int64_t{0});
    for (const auto& c : doc.at("components")) s.components.push_back(ComponentFrom(c));
    return s;
  } catch (const json::exception& e) {
    return Status::Unavailable(std::string("the supervisor's status is malformed: ") + e.what());
  }
}

}  // namespace flytebox::sandbox
