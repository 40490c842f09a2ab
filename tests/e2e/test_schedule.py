"""Scheduled launch plans registered and activated by the real flytekit fire on time, run,
notify, and stop when deactivated."""
import json
import re
import time
import urllib.parse
import urllib.request
import uuid

import grpc
import pytest
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, schedule_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from conftest import REPO, pyflyte

PROJECT, DOMAIN = "flytesnacks", "development"
CRON_LP = "scheduled.every_minute_cron"
RATE_LP = "scheduled.every_minute_rate"
NAME_PATTERN = re.compile(r"^[a-z][a-z\-0-9]*$")
TERMINAL = {core_execution_pb2.WorkflowExecution.SUCCEEDED,
            core_execution_pb2.WorkflowExecution.FAILED,
            core_execution_pb2.WorkflowExecution.ABORTED,
            core_execution_pb2.WorkflowExecution.TIMED_OUT}


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:8]
    pyflyte(engine, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", v,
            str(REPO / "examples" / "scheduled.py"), cwd=str(REPO))
    return v


def lp_id(name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT,
                                     domain=DOMAIN, name=name, version=version)


def executions_of(admin_stub, lp_name: str):
    req = common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=100,
        filters=f"eq(launch_plan.name,{lp_name})")
    return list(admin_stub.ListExecutions(req).executions)


def wait_for(what: str, predicate, timeout: float, engine):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}\n"
                         f"--- engine log ---\n{engine.log_text()[-4000:]}")


def notifications(engine, execution: str) -> list:
    query = urllib.parse.urlencode({"project": PROJECT, "domain": DOMAIN, "execution": execution})
    with urllib.request.urlopen(
            f"http://127.0.0.1:{engine.port}/api/v1/notifications?{query}", timeout=10) as r:
        assert r.headers["Content-Type"].startswith("application/json")
        return json.loads(r.read())["notifications"]


def test_an_invalid_schedule_is_refused_at_registration(admin_stub, version):
    good = admin_stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=lp_id(CRON_LP, version)))
    for schedule, needle in [
        (schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="61 * * * *"),
                               kickoff_time_input_arg="kickoff"), "minute field '61'"),
        (schedule_pb2.Schedule(rate=schedule_pb2.FixedRate(value=0),
                               kickoff_time_input_arg="kickoff"), "rate.value"),
        (schedule_pb2.Schedule(cron_schedule=schedule_pb2.CronSchedule(schedule="@daily"),
                               kickoff_time_input_arg="name"), "must name a datetime input"),
    ]:
        spec = launch_plan_pb2.LaunchPlanSpec()
        spec.CopyFrom(good.spec)
        spec.entity_metadata.schedule.CopyFrom(schedule)
        with pytest.raises(grpc.RpcError) as err:
            admin_stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(
                id=lp_id("scheduled.bad", "b" + uuid.uuid4().hex[:8]), spec=spec))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
        assert needle in err.value.details(), err.value.details()


def test_schedules_fire_run_notify_and_stop(engine, remote, admin_stub, version):
    from flytekit.models.core.identifier import Identifier

    cron_id, rate_id = lp_id(CRON_LP, version), lp_id(RATE_LP, version)
    # One through pyflyte, one through FlyteRemote.
    pyflyte(engine, "launchplan", "--project", PROJECT, "--domain", DOMAIN, "--activate",
            CRON_LP, version)
    remote.activate_launchplan(Identifier.from_flyte_idl(rate_id))
    activated = {name: admin_stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=ident)).closure
                 for name, ident in ((CRON_LP, cron_id), (RATE_LP, rate_id))}
    assert all(c.state == launch_plan_pb2.ACTIVE for c in activated.values())

    # The cron fires at the next minute boundary, the fixed rate one minute after activation.
    wait_for("a firing of both launch plans",
             lambda: all(executions_of(admin_stub, n) for n in (CRON_LP, RATE_LP)),
             timeout=130, engine=engine)
    firsts = {}
    for name in (CRON_LP, RATE_LP):
        e = min(executions_of(admin_stub, name), key=lambda x: x.spec.metadata.scheduled_at.seconds)
        firsts[name] = e
        assert e.spec.metadata.mode == execution_pb2.ExecutionMetadata.SCHEDULED
        assert e.spec.launch_plan.version == version
        assert NAME_PATTERN.match(e.id.name) and len(e.id.name) <= 63, e.id.name
        scheduled = e.spec.metadata.scheduled_at.seconds
        data = admin_stub.GetExecutionData(
            execution_pb2.WorkflowExecutionGetDataRequest(id=e.id))
        kickoff = data.full_inputs.literals["kickoff"].scalar.primitive.datetime
        assert (kickoff.seconds, kickoff.nanos) == (scheduled, e.spec.metadata.scheduled_at.nanos)
    assert firsts[CRON_LP].spec.metadata.scheduled_at.seconds % 60 == 0
    rate_anchor = activated[RATE_LP].updated_at.seconds
    assert firsts[RATE_LP].spec.metadata.scheduled_at.seconds == rate_anchor + 60

    # The executions run to SUCCEEDED, and the cron launch plan's email notification is
    # recorded.
    for name, e in firsts.items():
        def done():
            got = admin_stub.GetExecution(
                execution_pb2.WorkflowExecutionGetRequest(id=e.id)).closure.phase
            return got if got in TERMINAL else None
        phase = wait_for(f"{e.id.name} to end", done, timeout=150, engine=engine)
        assert phase == core_execution_pb2.WorkflowExecution.SUCCEEDED, (
            core_execution_pb2.WorkflowExecution.Phase.Name(phase))
    sent = wait_for("the SUCCEEDED notification",
                    lambda: notifications(engine, firsts[CRON_LP].id.name), timeout=20,
                    engine=engine)
    assert [(n["type"], n["recipient"], n["phase"]) for n in sent] == [
        ("email", "team@example.com", "SUCCEEDED")]
    assert firsts[CRON_LP].id.name in sent[0]["message"]
    assert notifications(engine, firsts[RATE_LP].id.name) == []  # Slack only on failure

    # Deactivated: no firing for any time after the deactivation.
    pyflyte(engine, "launchplan", "--project", PROJECT, "--domain", DOMAIN, "--deactivate",
            CRON_LP, version)
    remote.deactivate_launchplan(Identifier.from_flyte_idl(rate_id))
    stopped = {name: admin_stub.GetLaunchPlan(common_pb2.ObjectGetRequest(id=ident)).closure.updated_at.seconds
               for name, ident in ((CRON_LP, cron_id), (RATE_LP, rate_id))}
    # Wait past the next due time of both: the next minute boundary, and anchor + k minutes.
    now = time.time()
    next_cron = (int(now) // 60 + 1) * 60
    next_rate = rate_anchor + 60 * ((int(now) - rate_anchor) // 60 + 1)
    time.sleep(max(next_cron, next_rate) - time.time() + 8)
    for name in (CRON_LP, RATE_LP):
        late = [e.id.name for e in executions_of(admin_stub, name)
                if e.spec.metadata.scheduled_at.seconds > stopped[name]]
        assert late == [], f"{name} fired after deactivation: {late}"
