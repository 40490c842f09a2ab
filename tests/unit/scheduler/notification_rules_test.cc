#include "embedded/schedule/notification_rules.h"

#include <gtest/gtest.h>

#include "tests/unit/scheduler/test_support.h"

namespace flytebox::scheduler {
namespace {

using testing::Text;

NotificationList List(const std::string& text) {
  return Text<fa::LaunchPlanMetadata>(text).notifications();
}

TEST(NotificationRulesTest, ValidateNamesTheNotification) {
  EXPECT_TRUE(ValidateNotifications(List(R"(
    notifications { phases: SUCCEEDED email { recipients_email: "a@example.com" } }
    notifications { phases: FAILED phases: TIMED_OUT slack { recipients_email: "#ops" } })"))
                  .ok());
  auto expect = [](const std::string& text, const std::string& needle) {
    Status st = ValidateNotifications(List(text));
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  expect(R"(notifications { email { recipients_email: "a@example.com" } })",
         "notification 1: phases is empty");
  expect(R"(notifications { phases: SUCCEEDED email { recipients_email: "a" } }
            notifications { phases: FAILED })",
         "notification 2: set one of email, slack or pager_duty");
  expect(R"(notifications { phases: FAILED pager_duty { } })",
         "notification 1: pager_duty has no recipients_email");
  expect(R"(notifications { phases: UNDEFINED slack { recipients_email: "x" } })",
         "UNDEFINED is not a phase");
}

TEST(NotificationRulesTest, TheExecutionsOwnListWinsThenTheLaunchPlans) {
  fa::LaunchPlan lp;
  *lp.mutable_spec()->mutable_entity_metadata() = Text<fa::LaunchPlanMetadata>(
      R"(notifications { phases: SUCCEEDED email { recipients_email: "lp@example.com" } })");
  fa::ExecutionSpec spec;
  auto effective = EffectiveNotifications(spec, &lp);
  ASSERT_EQ(effective.size(), 1);
  EXPECT_EQ(effective[0].email().recipients_email(0), "lp@example.com");
  EXPECT_TRUE(EffectiveNotifications(spec, nullptr).empty());

  spec.mutable_notifications();  // present but empty: the launch plan's still apply
  EXPECT_EQ(EffectiveNotifications(spec, &lp).size(), 1);

  *spec.mutable_notifications()->add_notifications() = Text<fa::Notification>(
      R"(phases: FAILED slack { recipients_email: "#mine" })");
  effective = EffectiveNotifications(spec, &lp);
  ASSERT_EQ(effective.size(), 1);
  EXPECT_EQ(effective[0].slack().recipients_email(0), "#mine");

  spec.set_disable_all(true);
  EXPECT_TRUE(EffectiveNotifications(spec, &lp).empty());
}

TEST(NotificationRulesTest, DeliveriesMatchThePhaseOncePerRecipient) {
  const NotificationList rules = List(R"(
    notifications { phases: SUCCEEDED phases: FAILED
                    email { recipients_email: "a@example.com" recipients_email: "b@example.com" } }
    notifications { phases: FAILED email { recipients_email: "a@example.com" } }
    notifications { phases: FAILED pager_duty { recipients_email: "oncall@example.com" } }
    notifications { phases: ABORTED slack { recipients_email: "#ops" } })");
  EXPECT_EQ(DeliveriesFor(rules, fc::WorkflowExecution::SUCCEEDED),
            (std::vector<Delivery>{{"email", "a@example.com"}, {"email", "b@example.com"}}));
  EXPECT_EQ(DeliveriesFor(rules, fc::WorkflowExecution::FAILED),
            (std::vector<Delivery>{{"email", "a@example.com"},
                                   {"email", "b@example.com"},
                                   {"pager_duty", "oncall@example.com"}}));
  EXPECT_EQ(DeliveriesFor(rules, fc::WorkflowExecution::ABORTED),
            (std::vector<Delivery>{{"slack", "#ops"}}));
  EXPECT_TRUE(DeliveriesFor(rules, fc::WorkflowExecution::RUNNING).empty());
}

}  // namespace
}  // namespace flytebox::scheduler
