// A task's pod on a named PodTemplate, the template as the Kubernetes API returned it
// (testdata/podtemplate_recorded.json: tests/e2e/kube/pod_template.json applied, read back).
#include "embedded/executor/kube_pod_template.h"

#include <gtest/gtest.h>

#include "embedded/executor/kube_pods.h"
#include "tests/unit/kube/recorded.h"

namespace flytebox::executor {
namespace {

using kube_testing::Recorded;
using nlohmann::json;

json TaskPod() {
  TaskRun run = kube_testing::HelloRun("k0123");
  run.limits = {{"memory", "2Gi"}};
  return BuildPod(run, PodOptions{}, "flytesnacks-development", "k0123");
}

TEST(KubePodTemplate, TheTemplateIsTheBaseAndTheTaskWins) {
  json pod = TaskPod();
  auto based = ApplyPodTemplate(Recorded("podtemplate_recorded.json"), pod, "task");
  ASSERT_TRUE(based.ok()) << based.status().message();
  const json& spec = (*based)["spec"];
  EXPECT_EQ(spec["restartPolicy"], "Never");  // the template's Always does not win
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");  // the template's, the task set none
  EXPECT_EQ(spec["volumes"], json::parse(R"([{"name":"scratch","emptyDir":{}}])"));
  ASSERT_EQ(spec["containers"].size(), 1u);
  const json& c = spec["containers"][0];
  EXPECT_EQ(c["name"], "task");
  EXPECT_EQ(c["image"], "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8");
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["command"], pod["spec"]["containers"][0]["command"]);
  EXPECT_EQ(c["resources"]["limits"]["memory"], "2Gi");
  // "default" (the volume mount) and "primary" (the variable) both under the task's container
  EXPECT_EQ(c["volumeMounts"], json::parse(R"([{"name":"scratch","mountPath":"/scratch"}])"));
  std::map<std::string, std::string> env;
  for (const auto& e : c["env"]) env[e["name"]] = e["value"];
  EXPECT_EQ(env["FROM_TEMPLATE"], "from-the-template");
  EXPECT_EQ(env["FLYTE_INTERNAL_EXECUTION_ID"], "abc");
  EXPECT_EQ(c["env"][0]["name"], "FROM_TEMPLATE");  // the template's first: the task's win
  const json& meta = (*based)["metadata"];
  EXPECT_EQ(meta["labels"]["team"], "e2e");
  EXPECT_EQ(meta["labels"]["flytebox.io/execution"], "abc");
  EXPECT_EQ(meta["annotations"]["flytebox.io/from-template"], "yes");
  EXPECT_EQ(meta["name"], "k0123");  // not the template's
}

TEST(KubePodTemplate, ThePrimaryTemplateIsOnlyForThePrimaryContainer) {
  json pod = TaskPod();
  pod["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "busybox"}});
  auto based = ApplyPodTemplate(Recorded("podtemplate_recorded.json"), pod, "task");
  ASSERT_TRUE(based.ok());
  const json& sidecar = (*based)["spec"]["containers"][1];
  EXPECT_EQ(sidecar["image"], "busybox");
  EXPECT_TRUE(sidecar.contains("volumeMounts"));  // "default" is for every container
  EXPECT_FALSE(sidecar.contains("env"));
}

TEST(KubePodTemplate, NotAPodTemplateIsRefused) {
  auto r = ApplyPodTemplate(Recorded("pod_running.json"), TaskPod(), "task");
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
}

TEST(KubePodTemplate, MergeJoinsListsAndOverridesValues) {
  json base = json::parse(R"({"a":1,"l":[1],"o":{"x":1,"y":2}})");
  json over = json::parse(R"({"a":2,"l":[2],"o":{"y":3},"n":true})");
  EXPECT_EQ(MergeOnto(base, over), json::parse(R"({"a":2,"l":[1,2],"o":{"x":1,"y":3},"n":true})"));
}

}  // namespace
}  // namespace flytebox::executor
