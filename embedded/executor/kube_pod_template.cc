#include "embedded/executor/kube_pod_template.h"

namespace flytebox::executor {
namespace {

using nlohmann::json;

// The template's container of this name, or an empty object.
json TemplateContainer(const json& spec, const std::string& name) {
  if (spec.contains("containers") && spec["containers"].is_array()) {
    for (const auto& c : spec["containers"]) {
      if (c.value("name", "") == name) return c;
    }
  }
  return json::object();
}

}  // namespace

json MergeOnto(const json& base, const json& over) {
  if (base.is_object() && over.is_object()) {
    json out = base;
    for (const auto& [k, v] : over.items()) out[k] = out.contains(k) ? MergeOnto(out[k], v) : v;
    return out;
  }
  if (base.is_array() && over.is_array()) {
    json out = base;
    for (const auto& v : over) out.push_back(v);
    return out;
  }
  return over.is_null() ? base : over;
}

Result<json> ApplyPodTemplate(const json& pod_template, const json& pod,
                              const std::string& primary) {
  if (!pod_template.is_object() || pod_template.value("kind", "") != "PodTemplate" ||
      !pod_template.contains("template") || !pod_template["template"].is_object()) {
    return Status::InvalidArgument("not a PodTemplate object");
  }
  const json& tmpl = pod_template["template"];
  json tspec = tmpl.value("spec", json::object());
  json default_c = TemplateContainer(tspec, kDefaultContainerTemplate);
  json primary_c = TemplateContainer(tspec, kPrimaryContainerTemplate);
  default_c.erase("name");
  primary_c.erase("name");
  tspec.erase("containers");  // the template's containers are templates, not containers

  json out = pod;
  out["spec"] = MergeOnto(tspec, pod["spec"]);
  json containers = json::array();
  for (const auto& c : pod["spec"]["containers"]) {
    json base = default_c;
    if (c.value("name", "") == primary) base = MergeOnto(base, primary_c);
    json merged = MergeOnto(base, c);
    // A quantity or a single value the task set replaces the template's, never joins it.
    if (c.contains("command")) merged["command"] = c["command"];
    if (c.contains("args")) merged["args"] = c["args"];
    containers.push_back(std::move(merged));
  }
  out["spec"]["containers"] = containers;
  if (tmpl.contains("metadata")) {
    for (const char* field : {"labels", "annotations"}) {
      if (tmpl["metadata"].contains(field)) {
        out["metadata"][field] =
            MergeOnto(tmpl["metadata"][field], pod["metadata"].value(field, json::object()));
      }
    }
  }
  return out;
}

json ApplyPodSpec(const json& spec, const json& pod, const std::string& primary) {
  json tspec = spec;
  json tcontainers = tspec.value("containers", json::array());
  tspec.erase("containers");
  json out = pod;
  out["spec"] = MergeOnto(tspec, pod["spec"]);
  if (tspec.contains("serviceAccountName"))
    out["spec"]["serviceAccountName"] = tspec["serviceAccountName"];
  const json& ours = pod["spec"]["containers"][0];
  json containers = json::array();
  for (const auto& c : tcontainers) {
    if (!c.is_object() || c.value("name", "") != primary) {
      containers.push_back(c);
      continue;
    }
    json base = c;
    for (const char* k : {"image", "command", "args", "resources", "env", "imagePullPolicy"}) {
      base.erase(k);
    }
    json env = json::array();  // plain values are in the task's env already
    if (c.contains("env") && c["env"].is_array()) {
      for (const auto& e : c["env"]) {
        if (e.is_object() && !e.contains("value")) env.push_back(e);
      }
    }
    if (!env.empty()) base["env"] = env;
    json merged = MergeOnto(base, ours);
    merged["resources"] = MergeOnto(c.value("resources", json::object()), ours["resources"]);
    containers.push_back(std::move(merged));
  }
  out["spec"]["containers"] = containers;
  return out;
}

Result<json> OnNamedPodTemplate(kube::Client& client, const std::string& name, const json& pod,
                                const std::string& primary) {
  std::string ns = pod["metadata"].value("namespace", "");
  FB_ASSIGN_OR_RETURN(kube::Response r,
                      client.Call("GET", "/api/v1/namespaces/" + ns + "/podtemplates/" +
                                             kube::QueryEscape(name)));
  if (r.status == 404) {
    return Status::FailedPrecondition("the task's pod template '" + name +
                                      "' is not in namespace " + ns +
                                      ": create it there (kubectl apply -n " + ns + " -f ...)");
  }
  if (!r.ok()) return kube::StatusOf(r, "reading pod template " + ns + "/" + name);
  auto based = ApplyPodTemplate(json::parse(r.body, nullptr, false), pod, primary);
  if (!based.ok()) {
    return Status::FailedPrecondition("pod template " + ns + "/" + name + ": " +
                                      based.status().message());
  }
  return based;
}

}  // namespace flytebox::executor
