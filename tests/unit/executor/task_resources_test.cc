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

flyteidl::admin::PluginOverride Override(const std::string& type, std::vector<std::string> ids,
                                         flyteidl::admin::PluginOverride::MissingPluginBehavior b) {
  flyteidl::admin::PluginOverride o;
  o.set_task_type(type);
  for (auto& id : ids) o.add_plugin_id(std::move(id));
  o.set_missing_plugin_behavior(b);
  return o;
}

TEST(PluginOverrideTest, AnOverrideNamingNoPluginHereFailsWhenItSaysFail) {
  auto refusal = PluginOverrideRefusal(
      {Override("python-task", {"spark", "ray"}, flyteidl::admin::PluginOverride::FAIL)},
      "python-task", "local");
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("task type [python-task] and plugin overrides [spark, ray]"),
            std::string::npos)
      << *refusal;
  EXPECT_NE(refusal->find("USE_DEFAULT"), std::string::npos) << *refusal;
}

TEST(PluginOverrideTest, UseDefaultAKnownPluginOrAnotherTaskTypeRun) {
  using PO = flyteidl::admin::PluginOverride;
  EXPECT_FALSE(PluginOverrideRefusal({Override("python-task", {"spark"}, PO::USE_DEFAULT)},
                                     "python-task", "local"));
  EXPECT_FALSE(PluginOverrideRefusal({Override("python-task", {"spark", "container"}, PO::FAIL)},
                                     "python-task", "local"));
  EXPECT_FALSE(PluginOverrideRefusal({Override("python-task", {"kubernetes"}, PO::FAIL)},
                                     "python-task", "kubernetes"));
  EXPECT_FALSE(
      PluginOverrideRefusal({Override("sql", {"spark"}, PO::FAIL)}, "python-task", "local"));
  EXPECT_FALSE(PluginOverrideRefusal({}, "python-task", "local"));
}

}  // namespace
}  // namespace flytebox::executor
