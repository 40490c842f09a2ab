// The pod of an attempt, and what a pod's status says, against pod objects as the
// Kubernetes API returns them (testdata/).
#include "embedded/executor/kube_pods.h"

#include <gtest/gtest.h>

#include "tests/unit/kube/recorded.h"

namespace flytebox::executor {
namespace {

using kube_testing::Recorded;
using nlohmann::json;
using P = PodState::Phase;

TaskRun Hello() {
  TaskRun run = kube_testing::HelloRun("k0123456789abcdef0123");
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

TEST(KubePods, ResourcesDefaultToASmallCpuRequestWithoutLimitAndAMemoryLimit) {
  json pod = BuildPod(Hello(), PodOptions{}, "ns", "k1");
  const json& r = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["requests"]["cpu"], "250m");
  EXPECT_EQ(r["requests"]["memory"], "256Mi");
  EXPECT_FALSE(r["limits"].contains("cpu")) << r.dump();
  EXPECT_EQ(r["limits"]["memory"], "1Gi");
}

TEST(KubePods, DefaultsAsTheFlyteSandboxGivesThem) {
  PodOptions o;
  o.default_cpu = o.default_cpu_limit = "500m";
  o.default_memory = o.default_memory_limit = "1Gi";
  json pod = BuildPod(Hello(), o, "ns", "k1");
  const json& r = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["requests"], json({{"cpu", "500m"}, {"memory", "1Gi"}}));
  EXPECT_EQ(r["limits"], json({{"cpu", "500m"}, {"memory", "1Gi"}}));
  o.default_cpu_limit = o.default_memory_limit = "";  // no limits at all
  pod = BuildPod(Hello(), o, "ns", "k1");
  EXPECT_FALSE(pod["spec"]["containers"][0]["resources"].contains("limits"));
}

TEST(KubePods, ARequestAloneIsAlsoTheLimitWhateverTheDefaults) {
  TaskRun run = Hello();
  run.requests = {{"cpu", "250m"}, {"memory", "64Mi"}};
  json pod = BuildPod(run, PodOptions{}, "ns", "k1");
  const json& r = pod["spec"]["containers"][0]["resources"];
  EXPECT_EQ(r["limits"], json({{"cpu", "250m"}, {"memory", "64Mi"}}));
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

// Environment variables by name: their value, or for secret references "secret:NAME/KEY".
std::map<std::string, std::string> EnvOf(const json& container) {
  std::map<std::string, std::string> out;
  for (const auto& e : container["env"]) {
    if (e.contains("valueFrom")) {
      const json& ref = e["valueFrom"]["secretKeyRef"];
      out[e["name"]] = "secret:" + ref["name"].get<std::string>() + "/" + ref["key"].get<std::string>();
    } else {
      out[e["name"]] = e["value"];
    }
  }
  return out;
}

TEST(KubePods, SecretsAsEnvironmentVariablesWhereFlytekitLooks) {
  TaskRun run = Hello();
  run.secrets = {{"user-info", "", "user_secret", SecretRequest::Mount::kEnv, ""},
                 {"api", "", "token", SecretRequest::Mount::kEnv, "API_TOKEN"}};
  json pod = BuildPod(run, PodOptions{}, "ns", "p");
  auto env = EnvOf(pod["spec"]["containers"][0]);
  EXPECT_EQ(env["_FSEC_USER-INFO_USER_SECRET"], "secret:user-info/user_secret");
  EXPECT_EQ(env["_FSEC_API_TOKEN"], "secret:api/token");
  EXPECT_EQ(env["API_TOKEN"], "secret:api/token");  // the task's own name for it too
  EXPECT_EQ(env["FLYTE_SECRETS_ENV_PREFIX"], "_FSEC_");
  EXPECT_FALSE(pod["spec"].contains("volumes"));
  EXPECT_FALSE(env.count("FLYTE_SECRETS_DEFAULT_DIR"));
}

TEST(KubePods, SecretsAsFilesOneVolumePerGroup) {
  TaskRun run = Hello();
  run.secrets = {{"db", "", "Password", SecretRequest::Mount::kFile, "DB_PASSWORD_FILE"},
                 {"db", "", "user", SecretRequest::Mount::kAny, ""},
                 {"certs", "", "", SecretRequest::Mount::kFile, ""}};
  json pod = BuildPod(run, PodOptions{}, "ns", "p");
  const json& c = pod["spec"]["containers"][0];
  auto env = EnvOf(c);
  EXPECT_EQ(env["FLYTE_SECRETS_DEFAULT_DIR"], "/etc/flyte/secrets");
  EXPECT_EQ(env["FLYTE_SECRETS_FILE_PREFIX"], "");
  EXPECT_EQ(env["DB_PASSWORD_FILE"], "/etc/flyte/secrets/db/password");
  EXPECT_FALSE(env.count("FLYTE_SECRETS_ENV_PREFIX"));
  ASSERT_EQ(pod["spec"]["volumes"].size(), 2u);
  std::map<std::string, json> volumes;
  for (const auto& v : pod["spec"]["volumes"]) volumes[v["secret"]["secretName"]] = v;
  EXPECT_EQ(volumes["db"]["secret"]["items"],
            json::parse(R"([{"key":"Password","path":"password"},{"key":"user","path":"user"}])"));
  EXPECT_FALSE(volumes["certs"]["secret"].contains("items"));  // every key of the Secret
  std::map<std::string, std::string> mounts;
  for (const auto& m : c["volumeMounts"]) {
    EXPECT_TRUE(m["readOnly"].get<bool>());
    mounts[m["mountPath"]] = m["name"];
  }
  EXPECT_EQ(mounts["/etc/flyte/secrets/db"], volumes["db"]["name"]);
  EXPECT_EQ(mounts["/etc/flyte/secrets/certs"], volumes["certs"]["name"]);
}

TEST(KubePods, SecretRequestsKubernetesCannotMeetAreRefused) {
  EXPECT_TRUE(CheckSecretRequests({{"user-info", "", "k", SecretRequest::Mount::kEnv, ""}}).ok());
  Status bad = CheckSecretRequests({{"User_Info", "", "k", SecretRequest::Mount::kAny, ""}});
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  EXPECT_NE(bad.message().find("User_Info"), std::string::npos) << bad.message();
  EXPECT_EQ(CheckSecretRequests({{"g", "", "", SecretRequest::Mount::kEnv, ""}}).code(),
            Code::kInvalidArgument);
}

TEST(KubePods, InterruptibleTasksGetTolerationsAndNodeSelector) {
  PodOptions o;
  o.interruptible_tolerations = json::parse(
      R"([{"key":"spot","operator":"Equal","value":"true","effect":"NoSchedule"}])");
  o.interruptible_node_selector = {{"node.kubernetes.io/lifecycle", "spot"}};
  json plain = BuildPod(Hello(), o, "ns", "p");
  EXPECT_FALSE(plain["spec"].contains("tolerations"));
  EXPECT_FALSE(plain["spec"].contains("nodeSelector"));
  TaskRun run = Hello();
  run.interruptible = true;
  json pod = BuildPod(run, o, "ns", "p");
  EXPECT_EQ(pod["spec"]["tolerations"], o.interruptible_tolerations);
  EXPECT_EQ(pod["spec"]["nodeSelector"]["node.kubernetes.io/lifecycle"], "spot");
  EXPECT_EQ(pod["metadata"]["labels"]["flytebox.io/interruptible"], "true");
}

TEST(KubePods, AContainerStoppedByItsPodsDeletionIsASystemError) {
  json pod = Recorded("pod_failed_exit1.json");
  pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] = 137;
  EXPECT_EQ(ReadPodState(pod).phase, P::kFailed);  // a task that exited 137 by itself
  pod["metadata"]["deletionTimestamp"] = "2026-12-03T06:01:00Z";
  PodState st = ReadPodState(pod);
  EXPECT_EQ(st.phase, P::kSystemError);
  EXPECT_EQ(st.reason, "PodDeleted");
  EXPECT_NE(st.message.find("deleted"), std::string::npos) << st.message;
}

}  // namespace
}  // namespace flytebox::executor
