#include "embedded/executor/task_env.h"

#include <cstring>

namespace flytebox::executor {
namespace {

constexpr const char* kNames[] = {
    "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM",
    "PYTHONPATH", "VIRTUAL_ENV", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "SSL_CERT_FILE",
    "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY",
    "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
};

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

bool TaskMayInherit(const std::string& name) {
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  if (StartsWith(name, "LC_")) return true;
  // flytekit's own settings (logging, serialization...), but never credentials for the
  // object store: those come from the engine, and only when the store is S3.
  return StartsWith(name, "FLYTE_") && !StartsWith(name, "FLYTE_AWS_");
}

std::map<std::string, std::string> TaskEnvironment(char** engine_env,
                                                   const std::map<std::string, std::string>& base,
                                                   const std::string& python_dir) {
  std::map<std::string, std::string> env;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (char** e = engine_env; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (!eq) continue;
    std::string name(*e, static_cast<size_t>(eq - *e));
    if (name == "PATH") path = eq + 1;
    if (TaskMayInherit(name)) env[name] = eq + 1;
  }
  for (const auto& [k, v] : base) env[k] = v;
  env["PATH"] = python_dir.empty() ? path : python_dir + ":" + path;
  return env;
}

}  // namespace flytebox::executor
