// The pod of an attempt, and what a pod's status says, against pod objects as the
// Kubernetes API returns them (testdata/).
#include "embedded/executor/kube_pods.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace flytebox::executor {
namespace {

using nlohmann::json;
using P = PodState::Phase;

json Recorded(const std::string& name) {
  std::ifstream in(std::string(FLYTEBOX_KUBE_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  json j = json::parse(s.str(), nullptr, false);
  EXPECT_TRUE(j.is_object()) << name;
  return j;
}

TaskRun Hello() {
  TaskRun run;
  run.key = "k0123456789abcdef0123";
  run.argv = {"pyflyte-execute", "--inputs", "s3://b/in/inputs.pb"};
  run.image = "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8";
  run.env = {{"FLYTE_INTERNAL_EXECUTION_ID", "abc"}};
  run.project = "flytesnacks";
  run.domain = "development";
  run.execution = "abc";
  run.node = "n0";
  run.attempt = 2;
  return run;
}

TEST(KubePods, PodRunsTheRenderedCommandInTheTaskImage) {
  PodOptions o;
  o.env = {{"FLYTE_AWS_ENDPOINT", "http://192.0.2.2:9000"}};
  o.env_secret = "flytebox-task-env";
  json pod = BuildPod(Hello(), o, "flytesnacks-development", "k0123456789abcdef0123");
  EXPECT_EQ(pod["metadata"]["name"], "k0123456789abcdef0123");
  EXPECT_EQ(pod["metadata"]["namespace"], "flytesnacks-development");
  EXPECT_EQ(pod["spec"]["restartPolicy"], "Never");
  const json& c = pod["spec"]["containers"][0];
  EXPECT_EQ(c["image"], "cr.flyte.org/flyteorg/flytekit:py3.11-1.16.8");
  EXPECT_EQ(c["command"], json({"pyflyte-execute", "--inputs", "s3://b/in/inputs.pb"}));
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  json env = json::object();
  for (const auto& e : c["env"]) env[e["name"].get<std::string>()] = e["value"];
  EXPECT_EQ(env["FLYTE_INTERNAL_EXECUTION_ID"], "abc");
  EXPECT_EQ(env["FLYTE_AWS_ENDPOINT"], "http://192.0.2.2:9000");
  EXPECT_EQ(c["envFrom"][0]["secretRef"]["name"], "flytebox-task-env");
  const json& labels = pod["metadata"]["labels"];
  EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "flytebox");
  EXPECT_EQ(labels["flytebox.io/execution"], "abc");
  EXPECT_EQ(labels["flytebox.io/node"], "n0");
  EXPECT_EQ(labels["flytebox.io/attempt"], "2");
}

TEST(KubePods, ResourcesDefaultTo500mAnd1GiWithLimitsEqualToRequests) {
  json pod = BuildPod(Hello(), PodOptions{}, "ns", "k1");
  const json& r = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["requests"]["cpu"], "500m");
  EXPECT_EQ(r["requests"]["memory"], "1Gi");
  EXPECT_EQ(r["limits"]["cpu"], "500m");
  EXPECT_EQ(r["limits"]["memory"], "1Gi");
}

TEST(KubePods, TaskResourcesWinAndALimitAloneIsAlsoTheRequest) {
  TaskRun run = Hello();
  run.requests = {{"cpu", "1"}};
  run.limits = {{"memory", "200Mi"}, {"cpu", "2"}};
  json pod = BuildPod(run, PodOptions{}, "ns", "k1");
  const json& r = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["requests"]["cpu"], "1");
  EXPECT_EQ(r["limits"]["cpu"], "2");
  EXPECT_EQ(r["requests"]["memory"], "200Mi");
  EXPECT_EQ(r["limits"]["memory"], "200Mi");
}

TEST(KubePods, NamespacesAndLabelsAreMadeValid) {
  EXPECT_EQ(NamespaceFor("{{project}}-{{domain}}", "flytesnacks", "development"),
            "flytesnacks-development");
  EXPECT_EQ(NamespaceFor("{{project}}-{{domain}}", "My_Project", "dev"), "my-project-dev");
  EXPECT_EQ(NamespaceFor("{{project}}", std::string(80, 'a'), "d").size(), 63u);
  EXPECT_EQ(LabelValue("n0-3"), "n0-3");
  EXPECT_EQ(LabelValue("-a/b c-"), "a-b-c");
  EXPECT_EQ(LabelValue(std::string(70, 'x')).size(), 63u);
}

TEST(KubePods, PhasesFromRecordedPods) {
  EXPECT_EQ(ReadPodState(Recorded("pod_unschedulable.json")).phase, P::kQueued);
  EXPECT_EQ(ReadPodState(Recorded("pod_unschedulable.json")).reason, "Unschedulable");
  PodState creating = ReadPodState(Recorded("pod_creating.json"));
  EXPECT_EQ(creating.phase, P::kInitializing);
  EXPECT_EQ(creating.reason, "ContainerCreating");
  EXPECT_EQ(ReadPodState(Recorded("pod_running.json")).phase, P::kRunning);
  PodState ok = ReadPodState(Recorded("pod_succeeded.json"));
  EXPECT_EQ(ok.phase, P::kSucceeded);
  EXPECT_EQ(ok.exit_code, 0);
  PodState failed = ReadPodState(Recorded("pod_failed_exit1.json"));
  EXPECT_EQ(failed.phase, P::kFailed);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_TRUE(failed.terminal());
  EXPECT_FALSE(creating.terminal());
}

// Recorded from the test cluster: the kubelet reports the container's end while the pod is
// still Running (its phase follows once the sandbox is torn down); the attempt ends there.
TEST(KubePods, TheTaskContainersEndIsFinalBeforeThePodsPhase) {
  json pod = Recorded("pod_task_exited_phase_running.json");
  ASSERT_EQ(pod["status"]["phase"], "Running");
  PodState st = ReadPodState(pod);
  EXPECT_EQ(st.phase, P::kSucceeded);
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_EQ(st.reason, "Completed");
}

TEST(KubePods, OomKilledAndEvictionAreSystemErrors) {
  PodState oom = ReadPodState(Recorded("pod_oom.json"));
  EXPECT_EQ(oom.phase, P::kSystemError);
  EXPECT_EQ(oom.reason, "OOMKilled");
  PodState evicted = ReadPodState(Recorded("pod_evicted.json"));
  EXPECT_EQ(evicted.phase, P::kSystemError);
  EXPECT_EQ(evicted.reason, "Evicted");
  EXPECT_NE(evicted.message.find("low on resource"), std::string::npos);
}

TEST(KubePods, AnImageThatCannotBePulledFailsAtOnceNamingTheImage) {
  PodState st = ReadPodState(Recorded("pod_image_never_pull.json"));
  EXPECT_EQ(st.phase, P::kImageError);
  EXPECT_TRUE(st.terminal());
  EXPECT_NE(st.message.find("localhost:30000/missing:v1"), std::string::npos) << st.message;
  EXPECT_NE(st.message.find("ErrImagePull"), std::string::npos) << st.message;
}

}  // namespace
}  // namespace flytebox::executor
