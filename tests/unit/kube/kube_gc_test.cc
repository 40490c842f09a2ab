// When a finished pod may be collected, from pod objects as the Kubernetes API returns them,
// and the interruptible tolerations' syntax.
#include "embedded/executor/kube_gc.h"

#include <gtest/gtest.h>

#include "embedded/executor/kube_pods.h"
#include "tests/unit/kube/recorded.h"

namespace flytebox::executor {
namespace {

using kube_testing::Recorded;
using nlohmann::json;

Clock::WallTime At(const std::string& text) {
  auto t = ParseKubeTime(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(Clock::WallTime{});
}

TEST(KubeGc, ReadsTheApisTimestamps) {
  EXPECT_EQ(std::chrono::system_clock::to_time_t(At("1970-01-02T00:00:01Z")), 86401);
  EXPECT_EQ(At("2026-12-03T05:30:00Z") - At("2026-12-03T05:29:58Z"), std::chrono::seconds(2));
  EXPECT_FALSE(ParseKubeTime("yesterday").has_value());
  EXPECT_FALSE(ParseKubeTime("2026-12-03T05:30:00+02:00").has_value());
}

TEST(KubeGc, AFinishedPodFinishedWhenItsLastContainerDid) {
  auto at = PodFinishedAt(Recorded("pod_finished_recorded.json"));
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(*at, At(Recorded("pod_finished_recorded.json")["status"]["containerStatuses"][0]
                        ["state"]["terminated"]["finishedAt"]));
}

TEST(KubeGc, PodsStillGoingHaveNotFinished) {
  EXPECT_FALSE(PodFinishedAt(Recorded("pod_running.json")).has_value());
  EXPECT_FALSE(PodFinishedAt(Recorded("pod_creating.json")).has_value());
  EXPECT_FALSE(PodFinishedAt(json::object()).has_value());
}

TEST(KubeGc, APodThatFailedWithoutContainersFinishedAtItsLastChange) {
  json pod = Recorded("pod_evicted.json");
  pod["status"]["conditions"] = json::parse(
      R"([{"type":"Ready","status":"False","lastTransitionTime":"2026-12-03T05:00:00Z"},
          {"type":"PodScheduled","status":"True","lastTransitionTime":"2026-12-03T04:59:00Z"}])");
  EXPECT_EQ(PodFinishedAt(pod), At("2026-12-03T05:00:00Z"));
}

TEST(KubeTolerations, KeyValueAndEffect) {
  auto t = ParseToleration("flyte.org/spot=true:NoSchedule");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(*t, json::parse(R"({"key":"flyte.org/spot","operator":"Equal","value":"true",
                                "effect":"NoSchedule"})"));
  auto exists = ParseToleration("preemptible:NoExecute");
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ((*exists)["operator"], "Exists");
  EXPECT_FALSE(exists->contains("value"));
  for (const char* bad : {"spot=true", "spot:Sometimes", ":NoSchedule", ""}) {
    auto r = ParseToleration(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace flytebox::executor
