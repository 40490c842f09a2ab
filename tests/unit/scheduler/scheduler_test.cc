#include "embedded/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/scheduler/test_support.h"

namespace flytebox::scheduler {
namespace {

using namespace std::chrono_literals;
using testing::At;
using testing::Cron;
using testing::FromTimestamp;
using testing::Rate;

class SchedulerTest : public testing::AdminFixture {
 protected:
  // Runs one pass; returns the next due time it reports.
  std::optional<WallTime> Pass() {
    auto next = scheduler_->RunPass();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    return next.ok() ? *next : std::nullopt;
  }

  void CreateActive(const std::string& name, const std::string& version,
                    const fa::Schedule& schedule) {
    ASSERT_TRUE(CreateLaunchPlan(name, version, schedule).ok());
    ASSERT_TRUE(SetState(name, version, fa::ACTIVE).ok());
  }

  // Waits (in real time, for the loop thread) until it sleeps on the fake clock.
  void WaitUntilAsleep() {
    for (int i = 0; i < 5000 && clock_.sleepers() == 0; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(clock_.sleepers(), 1);
  }
};

TEST_F(SchedulerTest, FixedRateFiresOneIntervalAfterActivation) {
  NewScheduler();
  clock_.Advance(7s);  // activation at 10:00:07
  CreateActive("every_minute", "v1", Rate(1, fa::MINUTE, "kickoff"));
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 1, 7));
  EXPECT_TRUE(Executions().empty());

  clock_.Advance(59s);
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 1, 7));
  EXPECT_TRUE(Executions().empty());

  clock_.Advance(1s);
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 2, 7));
  auto execs = Executions();
  ASSERT_EQ(execs.size(), 1u);
  const fa::Execution& e = execs[0];
  const WallTime due = At(2026, 1, 5, 10, 1, 7);
  const fc::Identifier lp = Id(fc::LAUNCH_PLAN, "every_minute", "v1");
  EXPECT_EQ(e.id().name(), ScheduledExecutionName(lp, due));
  EXPECT_EQ(e.spec().metadata().mode(), fa::ExecutionMetadata::SCHEDULED);
  EXPECT_EQ(FromTimestamp(e.spec().metadata().scheduled_at()), due);
  EXPECT_EQ(e.spec().launch_plan().name(), "every_minute");
  EXPECT_EQ(e.spec().launch_plan().version(), "v1");
  fa::WorkflowExecutionGetDataRequest data_req;
  *data_req.mutable_id() = e.id();
  auto data = admin_->GetExecutionData(data_req);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const auto& inputs = data->full_inputs().literals();
  EXPECT_EQ(FromTimestamp(inputs.at("kickoff").scalar().primitive().datetime()), due);
  EXPECT_EQ(inputs.at("who").scalar().primitive().string_value(), "world");

  clock_.Advance(60s);
  Pass();
  EXPECT_EQ(ScheduledTimes(), (std::vector<WallTime>{due, due + 60s}));
}

TEST_F(SchedulerTest, CronFiresOnMatchingMinutes) {
  NewScheduler();
  clock_.Advance(2min + 30s);  // 10:02:30
  CreateActive("five", "v1", Cron("*/5 * * * *", "kickoff"));
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 5));
  clock_.Advance(2min + 30s);
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 10));
  clock_.Advance(5min);
  Pass();
  EXPECT_EQ(ScheduledTimes(),
            (std::vector<WallTime>{At(2026, 1, 5, 10, 5), At(2026, 1, 5, 10, 10)}));
}

TEST_F(SchedulerTest, OnlyActiveLaunchPlansFire) {
  NewScheduler();
  ASSERT_TRUE(CreateLaunchPlan("idle", "v1", Cron("* * * * *", "kickoff")).ok());
  EXPECT_EQ(Pass(), std::nullopt);
  clock_.Advance(1h);
  EXPECT_EQ(Pass(), std::nullopt);
  EXPECT_TRUE(Executions().empty());
}

TEST_F(SchedulerTest, DeactivationStopsTheScheduleAtOnce) {
  NewScheduler();
  CreateActive("hourly", "v1", Cron("@hourly", "kickoff"));
  EXPECT_EQ(Pass(), At(2026, 1, 5, 11));
  clock_.Advance(1h);
  Pass();
  ASSERT_EQ(Executions().size(), 1u);
  ASSERT_TRUE(SetState("hourly", "v1", fa::INACTIVE).ok());
  EXPECT_EQ(Pass(), std::nullopt);
  clock_.Advance(5h);
  EXPECT_EQ(Pass(), std::nullopt);
  EXPECT_EQ(Executions().size(), 1u);
  // Activating again starts from the new activation time: the hours in between are not
  // fired.
  ASSERT_TRUE(SetState("hourly", "v1", fa::ACTIVE).ok());
  EXPECT_EQ(Pass(), At(2026, 1, 5, 17));
  EXPECT_EQ(Executions().size(), 1u);
}

TEST_F(SchedulerTest, ActivatingAnotherVersionReplacesTheSchedule) {
  NewScheduler();
  CreateActive("report", "v1", Cron("@daily", "kickoff"));
  EXPECT_EQ(Pass(), At(2026, 1, 6));
  CreateActive("report", "v2", Rate(30, fa::MINUTE, "kickoff"));  // deactivates v1
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 30));
  clock_.Advance(24h);
  Pass();
  for (const auto& e : Executions()) EXPECT_EQ(e.spec().launch_plan().version(), "v2");
  EXPECT_FALSE(Executions().empty());
}

TEST_F(SchedulerTest, ActivatingAVersionWithoutScheduleStopsTheOldOne) {
  NewScheduler();
  CreateActive("job", "v1", Cron("* * * * *", "kickoff"));
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 1));
  CreateActive("job", "v2", fa::Schedule());
  EXPECT_EQ(Pass(), std::nullopt);
  clock_.Advance(10min);
  EXPECT_EQ(Pass(), std::nullopt);
  EXPECT_TRUE(Executions().empty());
}

TEST_F(SchedulerTest, RestartNeitherRepeatsNorFiresBeforeActivationAndCatchesUpAtMostN) {
  NewScheduler();
  CreateActive("tick", "v1", Rate(1, fa::MINUTE, "kickoff"));
  Pass();
  clock_.Advance(2min);
  Pass();
  const std::vector<WallTime> before = ScheduledTimes();
  ASSERT_EQ(before, (std::vector<WallTime>{At(2026, 1, 5, 10, 1), At(2026, 1, 5, 10, 2)}));

  // The engine restarts at the same moment: nothing new.
  Reopen();
  NewScheduler();
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 3));
  EXPECT_EQ(ScheduledTimes(), before);

  // Down for ten minutes: 10:03 ... 10:12 were missed; only the latest three are created.
  Reopen();
  clock_.Advance(10min);
  NewScheduler();
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 13));
  EXPECT_EQ(ScheduledTimes(),
            (std::vector<WallTime>{At(2026, 1, 5, 10, 1), At(2026, 1, 5, 10, 2),
                                   At(2026, 1, 5, 10, 10), At(2026, 1, 5, 10, 11),
                                   At(2026, 1, 5, 10, 12)}));
}

TEST_F(SchedulerTest, CatchUpLimitIsConfigurable) {
  SchedulerOptions options = DefaultSchedulerOptions();
  options.max_catch_up = 1;
  NewScheduler(options);
  CreateActive("tick", "v1", Rate(1, fa::HOUR, "kickoff"));
  Pass();
  clock_.Advance(5h + 30min);
  EXPECT_EQ(Pass(), At(2026, 1, 5, 16));
  EXPECT_EQ(ScheduledTimes(), (std::vector<WallTime>{At(2026, 1, 5, 15)}));
}

TEST_F(SchedulerTest, AFiringRepeatedAfterLosingItsRecordIsCreatedOnce) {
  NewScheduler();
  CreateActive("tick", "v1", Rate(1, fa::MINUTE, "kickoff"));
  Pass();
  clock_.Advance(1min);
  Pass();
  ASSERT_EQ(Executions().size(), 1u);
  // As if the engine died between creating the execution and recording the firing.
  ASSERT_TRUE(store_->Delete(store::Table::kSchedule,
                             {{"project", kProject}, {"domain", kDomain}, {"name", "tick"}})
                  .ok());
  NewScheduler();
  EXPECT_EQ(Pass(), At(2026, 1, 5, 10, 2));  // ALREADY_EXISTS was not an error
  EXPECT_EQ(Executions().size(), 1u);
  auto state = store_->Get(store::Table::kSchedule,
                           {{"project", kProject}, {"domain", kDomain}, {"name", "tick"}});
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->columns.at("version"), store::Value("v1"));
}

TEST_F(SchedulerTest, TheLoopSleepsUntilDueAndWakesOnActivation) {
  NewScheduler();
  scheduler_->Start();
  ASSERT_TRUE(scheduler_->WaitForPasses(1, 5s));
  WaitUntilAsleep();
  const int64_t idle_passes = scheduler_->passes();

  // No time passes: the activation alone wakes the loop, which reloads and sleeps again.
  CreateActive("tick", "v1", Rate(1, fa::MINUTE, "kickoff"));
  ASSERT_TRUE(scheduler_->WaitForPasses(idle_passes + 1, 5s));
  WaitUntilAsleep();
  EXPECT_TRUE(Executions().empty());

  const int64_t before_due = scheduler_->passes();
  clock_.Advance(60s);
  ASSERT_TRUE(scheduler_->WaitForPasses(before_due + 1, 5s));
  WaitUntilAsleep();
  EXPECT_EQ(ScheduledTimes(), (std::vector<WallTime>{At(2026, 1, 5, 10, 1)}));

  // Deactivation wakes it too; afterwards time passes without firings.
  const int64_t before_stop = scheduler_->passes();
  ASSERT_TRUE(SetState("tick", "v1", fa::INACTIVE).ok());
  ASSERT_TRUE(scheduler_->WaitForPasses(before_stop + 1, 5s));
  WaitUntilAsleep();
  const int64_t stopped = scheduler_->passes();
  clock_.Advance(10min);
  ASSERT_TRUE(scheduler_->WaitForPasses(stopped + 1, 5s));
  WaitUntilAsleep();
  EXPECT_EQ(Executions().size(), 1u);
  scheduler_->Stop();
}

TEST_F(SchedulerTest, RegistrationRefusesBadSchedules) {
  auto expect = [&](const fa::Schedule& schedule, const std::string& needle) {
    Status st = CreateLaunchPlan("bad", "v1", schedule);
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  expect(Cron("61 * * * *", "kickoff"), "minute field '61'");
  expect(Rate(0, fa::MINUTE, "kickoff"), "schedule.rate.value must be at least 1");
  expect(Cron("@daily", "who"), "must name a datetime input");
  expect(Cron("@daily"), "'kickoff' has neither a default nor a fixed value");
  expect(Cron("@daily", "kickoff_time"), "is not an input of the workflow");
  fa::Notification bad;
  bad.add_phases(fc::WorkflowExecution::SUCCEEDED);
  bad.mutable_email();
  Status st = CreateLaunchPlan("bad", "v1", Cron("@daily", "kickoff"), {bad});
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("email has no recipients_email"), std::string::npos)
      << st.message();
}

}  // namespace
}  // namespace flytebox::scheduler
