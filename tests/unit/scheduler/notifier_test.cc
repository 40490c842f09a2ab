#include "embedded/scheduler/notifier.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <set>

#include "embedded/scheduler/notifications_http.h"
#include "tests/unit/scheduler/test_support.h"

namespace flytebox::scheduler {
namespace {

using testing::Text;
using Phase = fc::WorkflowExecution::Phase;

class NotifierTest : public testing::AdminFixture {
 protected:
  void SetUp() override {
    AdminFixture::SetUp();
    StartNotifier();
    ASSERT_TRUE(CreateLaunchPlan("notified", "v1", fa::Schedule(),
                                 {Text<fa::Notification>(R"(
                                    phases: SUCCEEDED
                                    email { recipients_email: "a@example.com"
                                            recipients_email: "b@example.com" })"),
                                  Text<fa::Notification>(R"(
                                    phases: FAILED phases: ABORTED
                                    slack { recipients_email: "#ops" })")})
                    .ok());
  }

  void StartNotifier() {
    notifier_ = std::make_unique<Notifier>(NotifierOptions{admin_.get(), store_.get(), &clock_});
    notifier_->Start();
  }

  // Creates an execution of the launch plan; `spec_text` adds to its spec.
  fc::WorkflowExecutionIdentifier Launch(const std::string& name,
                                         const std::string& spec_text = "") {
    fa::ExecutionCreateRequest req;
    req.set_project(kProject);
    req.set_domain(kDomain);
    req.set_name(name);
    *req.mutable_spec() = Text<fa::ExecutionSpec>(spec_text);
    *req.mutable_spec()->mutable_launch_plan() = Id(fc::LAUNCH_PLAN, "notified", "v1");
    (*req.mutable_inputs()->mutable_literals())["kickoff"]
        .mutable_scalar()
        ->mutable_primitive()
        ->mutable_datetime()
        ->set_seconds(1);
    auto created = admin_->CreateExecution(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->id() : fc::WorkflowExecutionIdentifier();
  }

  void SetPhase(const fc::WorkflowExecutionIdentifier& id, Phase phase) {
    Status st = admin_->MutateExecution(id, [&](fa::Execution* e) {
      e->mutable_closure()->set_phase(phase);
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::vector<NotificationRecord> Records(const std::string& execution) {
    notifier_->Drain();
    NotificationQuery q;
    q.execution = execution;
    auto page = notifier_->List(q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->records : std::vector<NotificationRecord>{};
  }

  static std::set<std::string> Recipients(const std::vector<NotificationRecord>& records) {
    std::set<std::string> out;
    for (const auto& r : records) out.insert(r.kind + ":" + r.phase + ":" + r.recipient);
    return out;
  }
};

TEST_F(NotifierTest, EachRecipientHearsOfAPhaseOnce) {
  auto id = Launch("e1");
  SetPhase(id, fc::WorkflowExecution::RUNNING);
  EXPECT_TRUE(Records("e1").empty());
  SetPhase(id, fc::WorkflowExecution::SUCCEEDED);
  SetPhase(id, fc::WorkflowExecution::SUCCEEDED);  // saved again: no repeat
  const auto records = Records("e1");
  EXPECT_EQ(Recipients(records),
            (std::set<std::string>{"email:SUCCEEDED:a@example.com",
                                   "email:SUCCEEDED:b@example.com"}));
  for (const auto& r : records) {
    EXPECT_EQ(r.project, kProject);
    EXPECT_EQ(r.domain, kDomain);
    EXPECT_EQ(r.execution, "e1");
    EXPECT_NE(r.message.find("flytesnacks/development/e1"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("SUCCEEDED"), std::string::npos) << r.message;
    EXPECT_EQ(r.created_at_us, std::chrono::duration_cast<std::chrono::microseconds>(
                                   clock_.Now().time_since_epoch())
                                   .count());
  }
}

TEST_F(NotifierTest, TerminationNotifiesAborted) {
  auto id = Launch("e2");
  fa::ExecutionTerminateRequest req;
  *req.mutable_id() = id;
  req.set_cause("stop");
  ASSERT_TRUE(admin_->TerminateExecution(req).ok());
  EXPECT_EQ(Recipients(Records("e2")), (std::set<std::string>{"slack:ABORTED:#ops"}));
}

TEST_F(NotifierTest, TheExecutionsOwnNotificationsOrNone) {
  auto own = Launch("own", R"(
      notifications { notifications {
        phases: SUCCEEDED pager_duty { recipients_email: "pd@example.com" } } })");
  SetPhase(own, fc::WorkflowExecution::SUCCEEDED);
  EXPECT_EQ(Recipients(Records("own")),
            (std::set<std::string>{"pager_duty:SUCCEEDED:pd@example.com"}));
  auto quiet = Launch("quiet", "disable_all: true");
  SetPhase(quiet, fc::WorkflowExecution::SUCCEEDED);
  EXPECT_TRUE(Records("quiet").empty());
}

TEST_F(NotifierTest, ARestartDoesNotRepeatDeliveries) {
  auto id = Launch("e3");
  SetPhase(id, fc::WorkflowExecution::FAILED);
  ASSERT_EQ(Records("e3").size(), 1u);
  Reopen();
  StartNotifier();
  fa::WorkflowExecutionGetRequest get;
  *get.mutable_id() = id;
  auto exec = admin_->GetExecution(get);
  ASSERT_TRUE(exec.ok());
  ASSERT_TRUE(notifier_->Deliver(*exec).ok());
  EXPECT_EQ(Records("e3").size(), 1u);
}

TEST_F(NotifierTest, AFailureIsReportedOnOneLine) {
  auto id = Launch("e5");
  Status st = admin_->MutateExecution(id, [](fa::Execution* e) {
    e->mutable_closure()->set_phase(fc::WorkflowExecution::FAILED);
    e->mutable_closure()->mutable_error()->set_message(
        "the task exited with code 1; its log ends with:\n\u2502 boom  \u2502\r\n" +
        std::string(400, 'x'));
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  const auto records = Records("e5");
  ASSERT_EQ(records.size(), 1u);
  const std::string& m = records[0].message;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(m.find('\r'), std::string::npos) << m;
  EXPECT_NE(
      m.find("is FAILED: the task exited with code 1; its log ends with: \u2502 boom \u2502 x"),
      std::string::npos)
      << m;
  EXPECT_EQ(m.substr(m.size() - 3), "...");
  EXPECT_LT(m.size(), 450u);
}

TEST_F(NotifierTest, JsonListing) {
  auto id = Launch("e4");
  SetPhase(id, fc::WorkflowExecution::SUCCEEDED);
  notifier_->Drain();
  auto json = NotificationsJson(*notifier_, {{"execution", "e4"}, {"limit", "1"}});
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok()) << *json;
  const auto& list = parsed.fields().at("notifications").list_value();
  ASSERT_EQ(list.values_size(), 1);
  const auto& item = list.values(0).struct_value().fields();
  EXPECT_EQ(item.at("execution").string_value(), "e4");
  EXPECT_EQ(item.at("phase").string_value(), "SUCCEEDED");
  EXPECT_EQ(item.at("type").string_value(), "email");
  EXPECT_EQ(item.at("created_at").string_value(), "2026-01-05T10:00:00Z");
  EXPECT_EQ(parsed.fields().at("token").string_value(), "1");

  auto second = NotificationsJson(*notifier_, {{"execution", "e4"}, {"token", "1"}});
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*second, &parsed).ok());
  EXPECT_EQ(parsed.fields().at("notifications").list_value().values_size(), 1);
  EXPECT_EQ(parsed.fields().at("token").string_value(), "");

  EXPECT_EQ(NotificationsJson(*notifier_, {{"limit", "0"}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(NotificationsJson(*notifier_, {{"limit", "ten"}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(NotificationsJson(*notifier_, {{"token", "-3"}}).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace flytebox::scheduler
