// The task namespace's ResourceQuota from CLUSTER_RESOURCE attributes, and the limits a pod
// needs to be admitted under it.
#include "embedded/executor/kube_quota.h"

#include <gtest/gtest.h>

namespace flytebox::executor {
namespace {

using nlohmann::json;

TEST(KubeQuota, TheTemplatesVariablesBecomeLimits) {
  json hard = QuotaHard({{"projectQuotaCpu", "4"}, {"projectQuotaMemory", "8Gi"}, {"x", "y"}});
  EXPECT_EQ(hard, json({{"limits.cpu", "4"}, {"limits.memory", "8Gi"}}));
  EXPECT_TRUE(QuotaHard({{"projectQuotaCpu", ""}, {"other", "1"}}).empty());
}

TEST(KubeQuota, ARequestWithoutALimitGetsTheRequestAsItsLimit) {
  json pod = {
      {"spec",
       {{"containers",
         {{{"name", "task"},
           {"resources",
            {{"requests", {{"cpu", "250m"}, {"memory", "256Mi"}}},
             {"limits", {{"memory", "1Gi"}}}}}},
          {{"name", "sidecar"}}}},
        {"initContainers", {{{"name", "init"}, {"resources", {{"requests", {{"cpu", "1"}}}}}}}}}}};
  LimitsFromRequests(pod);
  const json& task = pod["spec"]["containers"][0]["resources"]["limits"];
  EXPECT_EQ(task["cpu"], "250m");                                    // filled from the request
  EXPECT_EQ(task["memory"], "1Gi");                                  // its own limit kept
  EXPECT_FALSE(pod["spec"]["containers"][1].contains("resources"));  // nothing to fill from
  EXPECT_EQ(pod["spec"]["initContainers"][0]["resources"]["limits"]["cpu"], "1");
}

}  // namespace
}  // namespace flytebox::executor
