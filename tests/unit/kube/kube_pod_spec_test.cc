// Tasks with their own pod spec: the template as flytekit 1.16.8 serializes
// tests/e2e/kube/kube_pod_spec.py's with_sidecar_on_named_template
// (testdata/task_template_pod_spec.json), read as a container task, and the pod built on it.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "embedded/executor/kube_pod_template.h"
#include "embedded/executor/kube_pods.h"
#include "embedded/executor/task_pod_spec.h"
#include "tests/unit/kube/recorded.h"

namespace flytebox::executor {
namespace {

using kube_testing::Recorded;
using nlohmann::json;
namespace fc = ::flyteidl::core;

fc::TaskTemplate RecordedTemplate() {
  fc::TaskTemplate t;
  std::string text = Recorded("task_template_pod_spec.json").dump();
  auto st = google::protobuf::util::JsonStringToMessage(text, &t);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return t;
}

std::map<std::string, std::string> EnvOf(const json& container) {
  std::map<std::string, std::string> env;
  for (const auto& e : container.value("env", json::array())) {
    if (e.contains("value")) env[e["name"]] = e["value"];
  }
  return env;
}

const json* ContainerNamed(const json& pod, const std::string& name) {
  for (const auto& c : pod["spec"]["containers"]) {
    if (c["name"] == name) return &c;
  }
  return nullptr;
}

TEST(KubePodSpec, ThePrimaryContainerIsReadAsTheTasksContainer) {
  auto read = ReadPodSpecTask(RecordedTemplate());
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->primary, "main");
  const fc::Container& c = read->container;
  EXPECT_EQ(c.image(), "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8");
  EXPECT_EQ(c.command_size(), 0);
  ASSERT_GE(c.args_size(), 3);
  EXPECT_EQ(c.args(0), "pyflyte-execute");
  EXPECT_EQ(c.args(2), "{{.input}}");  // rendered per attempt like any container's
  ASSERT_EQ(c.env_size(), 1);
  EXPECT_EQ(c.env(0).key(), "FROM_POD_SPEC");
  EXPECT_EQ(read->labels.at("flytebox-e2e"), "pod-spec");
  EXPECT_EQ(read->annotations.at("flytebox.io/from-pod-spec"), "yes");
  EXPECT_TRUE(json::parse(read->spec_json).contains("volumes"));
}

TEST(KubePodSpec, ResourcesOfThePrimaryContainerAreTheTasks) {
  fc::TaskTemplate t = RecordedTemplate();
  json spec = json::parse(ReadPodSpecTask(t)->spec_json);
  spec["containers"][0]["resources"] = {{"requests", {{"cpu", "250m"}, {"example.com/fpga", "1"}}},
                                        {"limits", {{"memory", "300Mi"}}}};
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(spec.dump(),
                                                          t.mutable_k8s_pod()->mutable_pod_spec())
                  .ok());
  auto read = ReadPodSpecTask(t);
  ASSERT_TRUE(read.ok());
  const auto& r = read->container.resources();
  ASSERT_EQ(r.requests_size(), 1);  // the FPGA has no IDL name: it stays in the spec
  EXPECT_EQ(r.requests(0).name(), fc::Resources::CPU);
  EXPECT_EQ(r.requests(0).value(), "250m");
  ASSERT_EQ(r.limits_size(), 1);
  EXPECT_EQ(r.limits(0).value(), "300Mi");
}

TEST(KubePodSpec, AMissingPrimaryContainerIsRefusedNamingIt) {
  fc::TaskTemplate t = RecordedTemplate();
  (*t.mutable_config())[kPrimaryContainerKey] = "nope";
  auto read = ReadPodSpecTask(t);
  EXPECT_EQ(read.status().code(), Code::kInvalidArgument);
  EXPECT_NE(read.status().message().find("'nope'"), std::string::npos);
  t.mutable_config()->erase(kPrimaryContainerKey);
  EXPECT_EQ(ReadPodSpecTask(t).status().code(), Code::kInvalidArgument);
  t.clear_k8s_pod();
  EXPECT_EQ(ReadPodSpecTask(t).status().code(), Code::kInvalidArgument);
}

TaskRun PodSpecRun() {
  auto read = ReadPodSpecTask(RecordedTemplate());
  EXPECT_TRUE(read.ok());
  TaskRun run = kube_testing::HelloRun("k0123");
  run.env["FROM_POD_SPEC"] = "spec-env";  // the container's env, as BuildTaskRun passes it
  run.pod_spec_json = read->spec_json;
  run.primary_container = read->primary;
  run.pod_labels = read->labels;
  run.pod_annotations = read->annotations;
  run.limits = {{"memory", "2Gi"}};
  return run;
}

TEST(KubePodSpec, ThePodIsBuiltOnTheSpecWithTheTaskInItsPrimaryContainer) {
  TaskRun run = PodSpecRun();
  json pod = BuildPod(run, PodOptions{}, "flytesnacks-development", "k0123");
  ASSERT_EQ(pod["spec"]["containers"].size(), 2u);
  EXPECT_EQ(pod["spec"]["containers"][0]["name"], "main");  // the spec's order
  const json* main = ContainerNamed(pod, "main");
  ASSERT_TRUE(main);
  EXPECT_EQ((*main)["image"], "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8");
  EXPECT_EQ((*main)["command"], json(run.argv));
  EXPECT_FALSE(main->contains("args"));  // rendered into the command, not left templated
  EXPECT_EQ((*main)["volumeMounts"], json::parse(R"([{"name":"shared","mountPath":"/shared"}])"));
  EXPECT_EQ((*main)["resources"]["limits"]["memory"], "2Gi");
  EXPECT_EQ((*main)["resources"]["requests"]["cpu"], PodOptions().default_cpu);
  auto env = EnvOf(*main);
  EXPECT_EQ(env["FROM_POD_SPEC"], "spec-env");
  EXPECT_EQ(env["FLYTE_INTERNAL_EXECUTION_ID"], "abc");
  size_t plain = 0;
  for (const auto& e : (*main)["env"]) plain += e["name"] == "FROM_POD_SPEC";
  EXPECT_EQ(plain, 1u);  // not twice
  const json* helper = ContainerNamed(pod, "helper");
  ASSERT_TRUE(helper);
  EXPECT_EQ((*helper)["command"], json({"sh", "-c", "echo from-the-sidecar > /shared/note"}));
  EXPECT_EQ(pod["spec"]["volumes"], json::parse(R"([{"name":"shared","emptyDir":{}}])"));
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  const json& meta = pod["metadata"];
  EXPECT_EQ(meta["labels"]["flytebox-e2e"], "pod-spec");
  EXPECT_EQ(meta["labels"]["app.kubernetes.io/managed-by"], "flytebox");
  EXPECT_EQ(meta["annotations"]["flytebox.io/from-pod-spec"], "yes");
  EXPECT_EQ(meta["annotations"][kPrimaryAnnotation], "main");
  EXPECT_EQ(PrimaryContainerOf(pod), "main");
}

TEST(KubePodSpec, TheSpecsOwnSettingsAndValueFromEnvAreKept) {
  TaskRun run = PodSpecRun();
  json spec = json::parse(run.pod_spec_json);
  spec["serviceAccountName"] = "runner";
  spec["restartPolicy"] = "Always";
  spec["containers"][0]["env"].push_back(
      json::parse(R"({"name":"TOKEN","valueFrom":{"secretKeyRef":{"name":"tok","key":"t"}}})"));
  spec["containers"][0]["resources"] = {{"limits", {{"example.com/fpga", "1"}}}};
  run.pod_spec_json = spec.dump();
  json pod = BuildPod(run, PodOptions{}, "ns", "k1");
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "runner");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  const json* main = ContainerNamed(pod, "main");
  ASSERT_TRUE(main);
  EXPECT_EQ((*main)["env"][0]["name"], "TOKEN");
  EXPECT_EQ((*main)["resources"]["limits"]["example.com/fpga"], "1");
  EXPECT_EQ((*main)["resources"]["limits"]["memory"], "2Gi");
}

TEST(KubePodSpec, ANamedTemplateIsTheBaseOfThePodSpecsPod) {
  TaskRun run = PodSpecRun();
  json pod = BuildPod(run, PodOptions{}, "flytesnacks-development", "k0123");
  auto based = ApplyPodTemplate(Recorded("podtemplate_recorded.json"), pod, "main");
  ASSERT_TRUE(based.ok()) << based.status().message();
  const json* main = ContainerNamed(*based, "main");
  const json* helper = ContainerNamed(*based, "helper");
  ASSERT_TRUE(main && helper);
  EXPECT_EQ(EnvOf(*main)["FROM_TEMPLATE"], "from-the-template");  // "primary" is for main
  EXPECT_FALSE(EnvOf(*helper).count("FROM_TEMPLATE"));
  EXPECT_EQ((*helper)["volumeMounts"].size(), 2u);    // "default": /scratch, and its own
  EXPECT_EQ((*based)["spec"]["volumes"].size(), 2u);  // scratch and shared
  EXPECT_EQ((*based)["metadata"]["labels"]["team"], "e2e");
  EXPECT_EQ((*based)["metadata"]["labels"]["flytebox-e2e"], "pod-spec");
}

TEST(KubePodSpec, TheStateIsThePrimaryContainersNotTheSidecars) {
  json pod = BuildPod(PodSpecRun(), PodOptions{}, "ns", "k1");
  pod["status"] = json::parse(R"({"phase":"Running","containerStatuses":[
    {"name":"helper","state":{"terminated":{"exitCode":1,"reason":"Error"}}},
    {"name":"main","state":{"running":{"startedAt":"2026-12-03T09:00:00Z"}}}]})");
  EXPECT_EQ(ReadPodState(pod).phase, PodState::Phase::kRunning);
  pod["status"]["containerStatuses"][1]["state"] =
      json::parse(R"({"terminated":{"exitCode":0,"reason":"Completed"}})");
  EXPECT_EQ(ReadPodState(pod).phase, PodState::Phase::kSucceeded);
}

TEST(KubePodSpec, ASidecarsImageThatCannotBePulledFailsTheAttemptNamingIt) {
  json pod = BuildPod(PodSpecRun(), PodOptions{}, "ns", "k1");
  pod["status"] = json::parse(R"({"phase":"Pending","containerStatuses":[
    {"name":"helper","image":"example.org/gone:1","state":{"waiting":{"reason":"ErrImageNeverPull",
     "message":"Container image \"example.org/gone:1\" is not present"}}},
    {"name":"main","state":{"waiting":{"reason":"PodInitializing"}}}]})");
  PodState st = ReadPodState(pod);
  EXPECT_EQ(st.phase, PodState::Phase::kImageError);
  EXPECT_NE(st.message.find("example.org/gone:1 (container helper)"), std::string::npos)
      << st.message;
}

TEST(KubeSecrets, AFileSecretMissingOrWithoutTheKeyIsNamed) {
  SecretRequest req;
  req.group = "db-creds";
  req.key = "password";
  req.mount = SecretRequest::Mount::kFile;
  Status none = CheckFileSecret(req, nullptr, "flytesnacks-development");
  EXPECT_EQ(none.code(), Code::kFailedPrecondition);
  EXPECT_NE(none.message().find("'db-creds'"), std::string::npos);
  EXPECT_NE(none.message().find("flytesnacks-development"), std::string::npos);
  json secret = json::parse(R"({"kind":"Secret","data":{"user":"dQ=="}})");
  Status no_key = CheckFileSecret(req, &secret, "ns");
  EXPECT_EQ(no_key.code(), Code::kFailedPrecondition);
  EXPECT_NE(no_key.message().find("'password'"), std::string::npos);
  secret["data"]["password"] = "cA==";
  EXPECT_TRUE(CheckFileSecret(req, &secret, "ns").ok());
  req.key.clear();  // the whole Secret
  json empty = json::parse(R"({"kind":"Secret"})");
  EXPECT_TRUE(CheckFileSecret(req, &empty, "ns").ok());
}

}  // namespace
}  // namespace flytebox::executor
