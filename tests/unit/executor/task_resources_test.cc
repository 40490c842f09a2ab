// TASK_RESOURCE matchable attributes on a task's requests and limits.
#include "embedded/executor/task_resources.h"

#include <gtest/gtest.h>

namespace flytebox::executor {
namespace {

using Quantities = std::map<std::string, std::string>;

TEST(QuantityValueTest, ReadsKubernetesQuantities) {
  EXPECT_DOUBLE_EQ(*QuantityValue("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*QuantityValue("2"), 2.0);
  EXPECT_DOUBLE_EQ(*QuantityValue("1.5Gi"), 1.5 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*QuantityValue("100M"), 100e6);
  EXPECT_DOUBLE_EQ(*QuantityValue("64Ki"), 64.0 * 1024);
  EXPECT_FALSE(QuantityValue(""));
  EXPECT_FALSE(QuantityValue("lots"));
  EXPECT_FALSE(QuantityValue("1Xi"));
  EXPECT_FALSE(QuantityValue("-1"));
}

flyteidl::admin::TaskResourceAttributes Attributes() {
  flyteidl::admin::TaskResourceAttributes a;
  a.mutable_defaults()->set_cpu("1");
  a.mutable_defaults()->set_memory("200Mi");
  a.mutable_limits()->set_cpu("2");
  a.mutable_limits()->set_memory("1Gi");
  return a;
}

TEST(TaskResourceAttributesTest, DefaultsFillWhatTheTaskLeavesOut) {
  Quantities requests, limits;
  ApplyTaskResourceAttributes(Attributes(), &requests, &limits);
  EXPECT_EQ(requests, (Quantities{{"cpu", "1"}, {"memory", "200Mi"}}));
  EXPECT_TRUE(limits.empty());
}

TEST(TaskResourceAttributesTest, TheTasksOwnValuesWinBelowTheLimit) {
  Quantities requests{{"cpu", "500m"}}, limits{{"memory", "300Mi"}};
  ApplyTaskResourceAttributes(Attributes(), &requests, &limits);
  EXPECT_EQ(requests, (Quantities{{"cpu", "500m"}}));  // memory has a limit: no default
  EXPECT_EQ(limits, (Quantities{{"memory", "300Mi"}}));
}

TEST(TaskResourceAttributesTest, ValuesAboveTheLimitComeDownToIt) {
  Quantities requests{{"cpu", "4"}, {"memory", "2Gi"}}, limits{{"cpu", "8"}};
  ApplyTaskResourceAttributes(Attributes(), &requests, &limits);
  EXPECT_EQ(requests, (Quantities{{"cpu", "2"}, {"memory", "1Gi"}}));
  EXPECT_EQ(limits, (Quantities{{"cpu", "2"}}));
}

TEST(TaskResourceAttributesTest, NoAttributesChangeNothing) {
  Quantities requests{{"cpu", "4"}}, limits;
  ApplyTaskResourceAttributes({}, &requests, &limits);
  EXPECT_EQ(requests, (Quantities{{"cpu", "4"}}));
  EXPECT_TRUE(limits.empty());
}

}  // namespace
}  // namespace flytebox::executor
