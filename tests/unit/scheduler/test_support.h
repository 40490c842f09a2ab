#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "embedded/admin/admin.h"
#include "embedded/blob/blob_store.h"
#include "embedded/scheduler/notifier.h"
#include "embedded/scheduler/scheduler.h"
#include "embedded/store/metadata_store.h"

namespace flytebox::scheduler::testing {

namespace ch = std::chrono;

// A UTC time.
inline WallTime At(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return WallTime(ch::sys_days(ch::year(y) / ch::month(mo) / ch::day(d))) + ch::hours(h) +
         ch::minutes(mi) + ch::seconds(s);
}

inline WallTime FromTimestamp(const google::protobuf::Timestamp& ts) {
  return WallTime(ch::seconds(ts.seconds()) + ch::nanoseconds(ts.nanos()));
}

template <typename T>
T Text(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

inline fa::Schedule Cron(const std::string& expr, const std::string& kickoff = "") {
  fa::Schedule s;
  s.mutable_cron_schedule()->set_schedule(expr);
  s.set_kickoff_time_input_arg(kickoff);
  return s;
}

inline fa::Schedule Rate(uint32_t value, fa::FixedRateUnit unit, const std::string& kickoff = "") {
  fa::Schedule s;
  s.mutable_rate()->set_value(value);
  s.mutable_rate()->set_unit(unit);
  s.set_kickoff_time_input_arg(kickoff);
  return s;
}

// A real Admin over a real SQLite file and a local object store, with a fake clock, and a
// registered workflow `wf(kickoff: datetime, who: str)` in flytesnacks/development. The
// Admin's hooks reach `scheduler` and `notifier` when a test sets them.
class AdminFixture : public ::testing::Test {
 protected:
  static constexpr char kProject[] = "flytesnacks";
  static constexpr char kDomain[] = "development";

  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("flytebox-scheduler-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    OpenAll();
    ASSERT_TRUE(admin_->Seed().ok());
    RegisterWorkflow();
  }

  void TearDown() override {
    CloseAll();
    std::filesystem::remove_all(dir_);
  }

  // A restart: everything closed and opened again over the same files.
  void Reopen() {
    CloseAll();
    OpenAll();
  }

  void OpenAll() {
    auto store = store::OpenSqlite({(dir_ / "db.sqlite").string(), 5000, &clock_});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto blobs = blob::OpenFileStore((dir_ / "blobs").string(), "bucket");
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    admin::AdminOptions options{store_.get(), blobs_.get(), &clock_};
    options.on_launch_plan_saved = [this](const fa::LaunchPlan& lp) {
      if (scheduler_) scheduler_->OnLaunchPlanChanged(lp);
    };
    options.on_execution_saved = [this](const fa::Execution& exec) {
      if (notifier_) notifier_->OnExecutionSaved(exec);
    };
    admin_ = std::make_unique<admin::Admin>(std::move(options));
  }

  void CloseAll() {
    scheduler_.reset();
    notifier_.reset();
    admin_.reset();
    blobs_.reset();
    store_.reset();
  }

  SchedulerOptions DefaultSchedulerOptions() {
    SchedulerOptions o;
    o.admin = admin_.get();
    o.store = store_.get();
    o.clock = &clock_;
    return o;
  }

  void NewScheduler() { NewScheduler(DefaultSchedulerOptions()); }
  void NewScheduler(SchedulerOptions options) {
    scheduler_ = std::make_unique<Scheduler>(std::move(options));
  }

  void RegisterWorkflow() {
    const std::string iface = R"(
      inputs {
        variables { key: "kickoff" value { type { simple: DATETIME } } }
        variables { key: "who" value { type { simple: STRING } } }
      }
      outputs { variables { key: "o0" value { type { simple: STRING } } } })";
    fa::TaskCreateRequest task;
    *task.mutable_id() = Id(fc::TASK, "t", "v1");
    auto* tmpl = task.mutable_spec()->mutable_template_();
    *tmpl->mutable_id() = task.id();
    tmpl->set_type("python-task");
    tmpl->mutable_container()->set_image("img");
    tmpl->mutable_container()->add_args("run");
    *tmpl->mutable_interface() = Text<fc::TypedInterface>(iface);
    auto t = admin_->CreateTask(task);
    ASSERT_TRUE(t.ok()) << t.status().ToString();

    fa::WorkflowCreateRequest wf;
    *wf.mutable_id() = Id(fc::WORKFLOW, "wf", "v1");
    auto* w = wf.mutable_spec()->mutable_template_();
    *w->mutable_id() = wf.id();
    *w->mutable_interface() = Text<fc::TypedInterface>(iface);
    *w->add_nodes() = Text<fc::Node>(R"(
      id: "n0"
      inputs { var: "kickoff" binding { promise { var: "kickoff" } } }
      inputs { var: "who" binding { promise { var: "who" } } })");
    *w->mutable_nodes(0)->mutable_task_node()->mutable_reference_id() = task.id();
    *w->add_outputs() =
        Text<fc::Binding>(R"(var: "o0" binding { promise { node_id: "n0" var: "o0" } })");
    auto created = admin_->CreateWorkflow(wf);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
  }

  static fc::Identifier Id(fc::ResourceType type, const std::string& name,
                           const std::string& version) {
    fc::Identifier id;
    id.set_resource_type(type);
    id.set_project(kProject);
    id.set_domain(kDomain);
    id.set_name(name);
    id.set_version(version);
    return id;
  }

  // A launch plan for `wf` with `who` defaulted; `schedule` may be empty.
  Status CreateLaunchPlan(const std::string& name, const std::string& version,
                          const fa::Schedule& schedule,
                          const std::vector<fa::Notification>& notifications = {}) {
    fa::LaunchPlanCreateRequest req;
    *req.mutable_id() = Id(fc::LAUNCH_PLAN, name, version);
    auto* spec = req.mutable_spec();
    *spec->mutable_workflow_id() = Id(fc::WORKFLOW, "wf", "v1");
    auto& who = (*spec->mutable_default_inputs()->mutable_parameters())["who"];
    who.mutable_var()->mutable_type()->set_simple(fc::STRING);
    who.mutable_default_()->mutable_scalar()->mutable_primitive()->set_string_value("world");
    if (schedule.ScheduleExpression_case() != fa::Schedule::SCHEDULEEXPRESSION_NOT_SET) {
      *spec->mutable_entity_metadata()->mutable_schedule() = schedule;
    }
    for (const auto& n : notifications) *spec->mutable_entity_metadata()->add_notifications() = n;
    return admin_->CreateLaunchPlan(req).status();
  }

  Status SetState(const std::string& name, const std::string& version, fa::LaunchPlanState s) {
    fa::LaunchPlanUpdateRequest req;
    *req.mutable_id() = Id(fc::LAUNCH_PLAN, name, version);
    req.set_state(s);
    return admin_->UpdateLaunchPlan(req).status();
  }

  // Executions in flytesnacks/development, oldest first.
  std::vector<fa::Execution> Executions() {
    fa::ResourceListRequest req;
    req.mutable_id()->set_project(kProject);
    req.mutable_id()->set_domain(kDomain);
    req.set_limit(1000);
    req.mutable_sort_by()->set_key("created_at");
    req.mutable_sort_by()->set_direction(fa::Sort::ASCENDING);
    auto list = admin_->ListExecutions(req);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (!list.ok()) return {};
    return {list->executions().begin(), list->executions().end()};
  }

  std::vector<WallTime> ScheduledTimes() {
    std::vector<WallTime> out;
    for (const auto& e : Executions()) {
      out.push_back(FromTimestamp(e.spec().metadata().scheduled_at()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  FakeClock clock_{At(2026, 1, 5, 10, 0, 0)};
  std::filesystem::path dir_;
  std::unique_ptr<store::MetadataStore> store_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<admin::Admin> admin_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<Notifier> notifier_;
};

}  // namespace flytebox::scheduler::testing
