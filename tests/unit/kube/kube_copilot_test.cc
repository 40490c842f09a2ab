// Raw-container tasks as pods: the copilot's init container, sidecar and volumes in the pod,
// what the pod's status says while the copilot uploads, and the files staged through the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "embedded/executor/copilot.h"
#include "embedded/executor/kube_pods.h"
#include "embedded/executor/raw_container.h"
#include "tests/unit/kube/recorded.h"
#include "tests/unit/temp_dir.h"

namespace flytebox::executor {
namespace {

using nlohmann::json;
using P = PodState::Phase;
namespace fs = std::filesystem;

TaskRun RawRun() {
  TaskRun run = kube_testing::HelloRun("k0123456789abcdef0123");
  run.image = "debian:12-slim";
  run.argv = {"sh", "-c", "cat /var/inputs/a > /var/outputs/o"};
  RawIoRun io;
  io.input_path = "/var/inputs";
  io.output_path = "/var/outputs";
  io.dir = "/engine/work/raw-io/k0123";
  io.staging = "s3://bucket/raw/ab/abc-n0-0/_copilot";
  run.raw_io = io;
  return run;
}

json Named(const json& list, const std::string& name) {
  for (const auto& c : list) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no " << name << " in " << list.dump();
  return json::object();
}

PodOptions Options() {
  PodOptions o;
  o.env = {{"FLYTE_AWS_ENDPOINT", "http://192.0.2.2:9000"}};
  o.env_secret = "flytebox-task-env";
  return o;
}

TEST(KubeCopilot, MainContainerRunsTheTasksOwnCommandWithItsPathsOnEmptyDirs) {
  json pod = BuildPod(RawRun(), Options(), "ns", "k0123456789abcdef0123");
  ASSERT_EQ(pod["spec"]["containers"].size(), 1u);
  const json& main = pod["spec"]["containers"][0];
  EXPECT_EQ(main["image"], "debian:12-slim");
  EXPECT_EQ(main["command"], json({"sh", "-c", "cat /var/inputs/a > /var/outputs/o"}));
  json mounts = json::object();
  for (const auto& m : main["volumeMounts"]) mounts[m["mountPath"].get<std::string>()] = m["name"];
  ASSERT_TRUE(mounts.contains("/var/inputs") && mounts.contains("/var/outputs")) << main.dump();
  json volumes = json::object();
  for (const auto& v : pod["spec"]["volumes"]) volumes[v["name"].get<std::string>()] = v;
  EXPECT_EQ(volumes[mounts["/var/inputs"].get<std::string>()]["emptyDir"], json::object());
  EXPECT_EQ(volumes[mounts["/var/outputs"].get<std::string>()]["emptyDir"], json::object());
  EXPECT_NE(mounts["/var/inputs"], mounts["/var/outputs"]);
}

TEST(KubeCopilot, InitContainerDownloadsThenANativeSidecarUploads) {
  json pod = BuildPod(RawRun(), Options(), "ns", "k0123456789abcdef0123");
  const json& init = pod["spec"]["initContainers"];
  ASSERT_EQ(init.size(), 2u) << init.dump();
  EXPECT_EQ(init[0]["name"], kCopilotInputs);  // runs to its end before anything else starts
  EXPECT_FALSE(init[0].contains("restartPolicy"));
  EXPECT_EQ(init[1]["name"], kCopilotOutputs);
  EXPECT_EQ(init[1]["restartPolicy"], "Always");  // a sidecar: SIGTERM once the task has ended
  for (const auto& c : init) {
    EXPECT_EQ(c["image"], kDefaultCopilotImage);
    ASSERT_GE(c["command"].size(), 6u);
    EXPECT_EQ(c["command"][0], "python3");
    EXPECT_EQ(c["command"][1], "-c");
    EXPECT_NE(c["command"][2].get<std::string>().find("def upload"), std::string::npos);
    EXPECT_EQ(c["envFrom"][0]["secretRef"]["name"], "flytebox-task-env");  // the store's keys
    EXPECT_TRUE(c["resources"]["limits"].contains("memory"));
  }
  const auto& down = init[0]["command"];
  EXPECT_EQ(json(std::vector<json>(down.begin() + 3, down.end())),
            json({"download", "s3://bucket/raw/ab/abc-n0-0/_copilot", "/var/inputs"}));
  EXPECT_EQ(init[0]["volumeMounts"][0]["mountPath"], "/var/inputs");
  const auto& up = init[1]["command"];
  EXPECT_EQ(json(std::vector<json>(up.begin() + 3, up.end())),
            json({"upload", "/var/outputs", "s3://bucket/raw/ab/abc-n0-0/_copilot"}));
  EXPECT_EQ(init[1]["volumeMounts"][0]["mountPath"], "/var/outputs");
  EXPECT_TRUE(HasCopilot(pod));
  EXPECT_FALSE(HasCopilot(BuildPod(kube_testing::HelloRun("k1"), Options(), "ns", "k1")));
}

TEST(KubeCopilot, ImageIsConfigurable) {
  PodOptions o = Options();
  o.copilot_image = "registry.example/copilot:1";
  json pod = BuildPod(RawRun(), o, "ns", "k1");
  EXPECT_EQ(Named(pod["spec"]["initContainers"], kCopilotOutputs)["image"],
            "registry.example/copilot:1");
}

// The default is the image the pinned flytekit names for Debian 12's Python: the one the
// test cluster has (scripts/k8s-images.sh) and the one pyflyte puts in a task's template.
TEST(KubeCopilot, DefaultImageIsThePinnedFlytekitsDefaultImage) {
  std::ifstream in(std::string(FLYTEBOX_SOURCE_DIR) + "/scripts/requirements.lock");
  std::stringstream s;
  s << in.rdbuf();
  std::smatch m;
  std::string text = s.str();
  ASSERT_TRUE(std::regex_search(text, m, std::regex("\nflytekit==([0-9.]+)")));
  EXPECT_EQ(std::string(kDefaultCopilotImage),
            "cr.flyte.org/flyteorg/flytekit:py3.11-" + m[1].str());
}

// A raw pod whose task container ended, with the copilot sidecar in `sidecar` state.
json EndedRawPod(const json& sidecar, const std::string& phase = "Running", int exit = 0) {
  json pod = BuildPod(RawRun(), Options(), "ns", "k1");
  pod["status"] = {
      {"phase", phase},
      {"initContainerStatuses",
       {{{"name", kCopilotInputs}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
        {{"name", kCopilotOutputs}, {"state", sidecar}}}},
      {"containerStatuses",
       {{{"name", "task"},
         {"state", {{"terminated", {{"exitCode", exit}, {"reason", "Completed"}}}}}}}}};
  return pod;
}

TEST(KubeCopilot, AttemptGoesOnUntilTheSidecarHasUploaded) {
  EXPECT_EQ(ReadPodState(EndedRawPod({{"running", json::object()}})).phase, P::kRunning);
  EXPECT_EQ(ReadPodState(EndedRawPod({{"terminated", {{"exitCode", 0}}}})).phase, P::kSucceeded);
  PodState failed = ReadPodState(EndedRawPod({{"terminated", {{"exitCode", 0}}}}, "Running", 1));
  EXPECT_EQ(failed.phase, P::kFailed);
  EXPECT_EQ(failed.exit_code, 1);
  // The pod's own end is final whatever the sidecar's status says.
  EXPECT_EQ(ReadPodState(EndedRawPod({{"running", json::object()}}, "Succeeded")).phase,
            P::kSucceeded);
}

// Recorded from the test cluster: the task's container has ended (exit 0) while the sidecar
// still uploads (pod phase Running); then the sidecar has ended too (here it could not reach
// the store: exit 1; the runner then finds no marker); a raw pod the engine ran to its end.
TEST(KubeCopilot, RecordedRawPodsAttemptEndsOnlyOnceTheSidecarHas) {
  EXPECT_EQ(ReadPodState(kube_testing::Recorded("pod_raw_task_ended_copilot_uploading.json")).phase,
            P::kRunning);
  PodState ended = ReadPodState(kube_testing::Recorded("pod_raw_copilot_ended_phase_running.json"));
  EXPECT_EQ(ended.phase, P::kSucceeded);
  EXPECT_EQ(ended.exit_code, 0);
  json done = kube_testing::Recorded("pod_raw_succeeded.json");
  EXPECT_TRUE(HasCopilot(done));
  EXPECT_EQ(ReadPodState(done).phase, P::kSucceeded);
}

TEST(KubeCopilot, InputsThatCannotBeCopiedAreASystemError) {
  json pod = BuildPod(RawRun(), Options(), "ns", "k1");
  pod["status"] = {
      {"phase", "Failed"},
      {"initContainerStatuses",
       {{{"name", kCopilotInputs},
         {"state", {{"terminated", {{"exitCode", 1}, {"message", "NoCredentialsError"}}}}}}}},
      {"containerStatuses",
       {{{"name", "task"}, {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}}}};
  PodState st = ReadPodState(pod);
  EXPECT_EQ(st.phase, P::kSystemError);
  EXPECT_EQ(st.reason, "CopilotInputsFailure");
  EXPECT_NE(st.message.find("NoCredentialsError"), std::string::npos) << st.message;
}

class StagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = blob::OpenFileStore(dir_ / "store", "bucket");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    blobs_ = std::move(store).value();
    io_.dir = dir_ / "io";
    io_.staging = blobs_->Uri("raw/ab/x-n0-0/_copilot");
    fs::create_directories(io_.outputs());
    fs::create_directories(fs::path(io_.inputs()) / "d");
  }
  flytebox::testing::TempDir dir_;
  std::unique_ptr<blob::BlobStore> blobs_;
  RawIoRun io_;
};

TEST_F(StagingTest, InputsGoUnderTheStagingPrefixFileByFile) {
  std::ofstream(fs::path(io_.inputs()) / "a") << "7";
  std::ofstream(fs::path(io_.inputs()) / "d" / "f.txt") << "F";
  ASSERT_TRUE(StageInputs(io_, *blobs_).ok());
  EXPECT_EQ(*blobs_->Get("raw/ab/x-n0-0/_copilot/inputs/a"), "7");
  EXPECT_EQ(*blobs_->Get("raw/ab/x-n0-0/_copilot/inputs/d/f.txt"), "F");
}

TEST_F(StagingTest, OutputsComeBackOnlyAfterTheMarker) {
  ASSERT_TRUE(blobs_->Put("raw/ab/x-n0-0/_copilot/outputs/o", "49").ok());
  ASSERT_TRUE(blobs_->Put("raw/ab/x-n0-0/_copilot/outputs/d/sub/f", "F").ok());
  auto early = FetchOutputs(io_, *blobs_);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(*early);  // the sidecar has not finished: nothing is taken
  EXPECT_FALSE(fs::exists(fs::path(io_.outputs()) / "o"));
  ASSERT_TRUE(blobs_->Put("raw/ab/x-n0-0/_copilot/_done", "2").ok());
  auto done = FetchOutputs(io_, *blobs_);
  ASSERT_TRUE(done.ok() && *done);
  std::ifstream o(fs::path(io_.outputs()) / "o");
  std::string text((std::istreambuf_iterator<char>(o)), {});
  EXPECT_EQ(text, "49");
  EXPECT_TRUE(fs::exists(fs::path(io_.outputs()) / "d" / "sub" / "f"));
}

TEST_F(StagingTest, CleanExitWithoutTheMarkerIsARetriedSystemErrorAFailedOneStaysTheTasks) {
  RunResult ok{RunResult::Kind::kExited, 0, "exit code 0"};
  RunResult lost = WithRawOutputs(io_, blobs_.get(), ok);
  EXPECT_EQ(lost.kind, RunResult::Kind::kLost);
  EXPECT_EQ(lost.code, "CopilotOutputsMissing");
  EXPECT_TRUE(lost.recoverable);
  RunResult failed{RunResult::Kind::kExited, 3, "exit code 3"};
  RunResult kept = WithRawOutputs(io_, blobs_.get(), failed);
  EXPECT_EQ(kept.kind, RunResult::Kind::kExited);
  EXPECT_EQ(kept.exit_code, 3);
  ASSERT_TRUE(blobs_->Put("raw/ab/x-n0-0/_copilot/_done", "0").ok());
  EXPECT_EQ(WithRawOutputs(io_, blobs_.get(), ok).kind, RunResult::Kind::kExited);
}

// An S3 store keeps any key, ".." segments too (the task's pod holds the store's keys and could
// write one): such a staged output is refused, never written outside the outputs folder.
class MapStore : public blob::BlobStore {
 public:
  std::string UriPrefix() const override { return "s3://bucket"; }
  Status Put(const std::string& key, const std::string& data) override {
    objects_[key] = data;
    return Status::Ok();
  }
  Result<std::string> Get(const std::string& key) override {
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound(key);
    return it->second;
  }
  Result<bool> Exists(const std::string& key) override { return objects_.count(key) > 0; }
  Result<int64_t> Size(const std::string& key) override {
    return static_cast<int64_t>(objects_[key].size());
  }
  Status Delete(const std::string& key) override {
    objects_.erase(key);
    return Status::Ok();
  }
  Result<std::vector<std::string>> List(const std::string& prefix) override {
    std::vector<std::string> keys;
    for (const auto& [k, v] : objects_) {
      if (k.rfind(prefix, 0) == 0) keys.push_back(k);
    }
    return keys;
  }

 private:
  std::map<std::string, std::string> objects_;
};

TEST_F(StagingTest, StagedPathOutsideTheOutputsFolderIsRefused) {
  MapStore store;
  io_.staging = "s3://bucket/raw/x/_copilot";
  ASSERT_TRUE(store.Put("raw/x/_copilot/_done", "1").ok());
  ASSERT_TRUE(store.Put("raw/x/_copilot/outputs/d/../../escape", "x").ok());
  RunResult r = WithRawOutputs(io_, &store, {RunResult::Kind::kExited, 0, ""});
  EXPECT_EQ(r.kind, RunResult::Kind::kLost);
  EXPECT_EQ(r.code, "CopilotOutputsRefused");
  EXPECT_FALSE(r.recoverable);
  EXPECT_FALSE(fs::exists(fs::path(dir_ / "io") / "escape"));
}

TEST_F(StagingTest, LocalCommandPointsAtTheLocalFoldersOnly) {
  io_.input_path = "/var/inputs";
  io_.output_path = "/var/outputs";
  auto argv = LocalRawArgv(io_, {"sh", "-c", "cat /var/inputs/a > /var/outputs/o"});
  EXPECT_EQ(argv[2], "cat " + io_.inputs() + "/a > " + io_.outputs() + "/o");
}

}  // namespace
}  // namespace flytebox::executor
