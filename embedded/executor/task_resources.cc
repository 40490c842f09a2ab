#include "embedded/executor/task_resources.h"

#include <cstdlib>
#include <utility>
#include <vector>

namespace flytebox::executor {

std::optional<double> QuantityValue(std::string_view q) {
  static const std::vector<std::pair<std::string_view, double>> kSuffixes = {
      {"Ki", 1024.0}, {"Mi", 1024.0 * 1024}, {"Gi", 1024.0 * 1024 * 1024},
      {"Ti", 1024.0 * 1024 * 1024 * 1024}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9},
      {"T", 1e12}};
  if (q.empty()) return std::nullopt;
  double scale = 1;
  for (const auto& [suffix, factor] : kSuffixes) {
    if (q.size() > suffix.size() && q.substr(q.size() - suffix.size()) == suffix) {
      q.remove_suffix(suffix.size());
      scale = factor;
      break;
    }
  }
  std::string number(q);
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || value < 0) return std::nullopt;
  return value * scale;
}

namespace {

// `value` brought down to `cap` when both are quantities and it is above.
void Cap(std::string* value, const std::string& cap) {
  auto v = QuantityValue(*value);
  auto c = QuantityValue(cap);
  if (v && c && *v > *c) *value = cap;
}

}  // namespace

void ApplyTaskResourceAttributes(const flyteidl::admin::TaskResourceAttributes& a,
                                 std::map<std::string, std::string>* requests,
                                 std::map<std::string, std::string>* limits) {
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> kinds = {
      {"cpu", {a.defaults().cpu(), a.limits().cpu()}},
      {"memory", {a.defaults().memory(), a.limits().memory()}},
      {"nvidia.com/gpu", {a.defaults().gpu(), a.limits().gpu()}},
      {"ephemeral-storage", {a.defaults().storage(), a.limits().storage()}}};
  for (const auto& [name, values] : kinds) {
    const auto& [fallback, cap] = values;
    if (!fallback.empty() && !requests->count(name) && !limits->count(name)) {
      (*requests)[name] = fallback;
    }
    if (cap.empty()) continue;
    if (auto it = requests->find(name); it != requests->end()) Cap(&it->second, cap);
    if (auto it = limits->find(name); it != limits->end()) Cap(&it->second, cap);
  }
}

std::optional<std::string> PluginOverrideRefusal(
    const std::vector<flyteidl::admin::PluginOverride>& overrides, const std::string& task_type,
    const std::string& runner) {
  for (const auto& o : overrides) {
    if (o.task_type() != task_type || o.plugin_id().empty()) continue;
    std::string named;
    for (const auto& id : o.plugin_id()) {
      if (id == "container" || id == "pod" || id == "k8s-array" || id == runner) {
        return std::nullopt;
      }
      named += (named.empty() ? "" : ", ") + id;
    }
    if (o.missing_plugin_behavior() != flyteidl::admin::PluginOverride::FAIL) return std::nullopt;
    std::string why = "no matching plugin implementation found for task type [" + task_type;
    why += "] and plugin overrides [" + named;
    why += "]: this engine runs it with 'container' ('" + runner;
    why +=
        "'); add one of those to the PLUGIN_OVERRIDE attributes or set "
        "missing_plugin_behavior USE_DEFAULT";
    return why;
  }
  return std::nullopt;
}

}  // namespace flytebox::executor
