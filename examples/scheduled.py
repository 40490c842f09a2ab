"""Launch plans that run on a schedule (every minute, by cron and by fixed rate) and notify
on the phases their executions reach."""
from datetime import datetime, timedelta

from flytekit import (CronSchedule, Email, FixedRate, LaunchPlan, Slack, WorkflowExecutionPhase,
                      task, workflow)


@task
def greet_at(kickoff: datetime, name: str) -> str:
    return f"Hello {name}, scheduled for {kickoff.isoformat()}"


@workflow
def scheduled_wf(kickoff: datetime, name: str = "scheduler") -> str:
    return greet_at(kickoff=kickoff, name=name)


# Fires at the start of every minute; `kickoff` receives the scheduled time.
every_minute_cron = LaunchPlan.get_or_create(
    workflow=scheduled_wf,
    name="scheduled.every_minute_cron",
    schedule=CronSchedule(schedule="* * * * *", kickoff_time_input_arg="kickoff"),
    notifications=[
        Email(phases=[WorkflowExecutionPhase.SUCCEEDED, WorkflowExecutionPhase.FAILED],
              recipients_email=["team@example.com"]),
    ],
)

# Fires one minute after activation, then every minute.
every_minute_rate = LaunchPlan.get_or_create(
    workflow=scheduled_wf,
    name="scheduled.every_minute_rate",
    schedule=FixedRate(duration=timedelta(minutes=1), kickoff_time_input_arg="kickoff"),
    notifications=[
        Slack(phases=[WorkflowExecutionPhase.FAILED, WorkflowExecutionPhase.ABORTED],
              recipients_email=["#flyte-alerts"]),
    ],
)
