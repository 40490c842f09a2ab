"""The real pyflyte, run as a user runs it, for the subcommands that talk to the cluster and are
not covered elsewhere: `run --remote` with its execution options, `package`, `info`, `backfill`,
`execution relaunch`, and FlyteRemote's list/fetch/sync/terminate. Results are read back through
FlyteRemote and flyteidl's own stubs."""
import datetime
import random
import re
import uuid

import pytest
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import catalog_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

from conftest import REPO, pyflyte, wait_for

EXAMPLES = REPO / "examples"
PROJECT, DOMAIN = "flytesnacks", "development"
POLL = datetime.timedelta(seconds=0.3)
SCOPE = ("--project", PROJECT, "--domain", DOMAIN)


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:10]
    pyflyte(engine, "register", *SCOPE, "--version", v, str(EXAMPLES / "behaviours.py"),
            str(EXAMPLES / "scheduled.py"), cwd=str(REPO))
    return v


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def execution_id(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN, name=name)


def get_execution(admin_stub, name: str) -> execution_pb2.Execution:
    return admin_stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=execution_id(name)))


def finish(remote, name: str, engine, timeout=180):
    ex = remote.wait(remote.fetch_execution(name=name), timeout=datetime.timedelta(seconds=timeout),
                     poll_interval=POLL)
    assert ex.is_done, engine.log_text()[-3000:]
    return ex


def run_remote(engine, *args: str):
    return pyflyte(engine, "run", "--remote", *SCOPE, *args, cwd=str(REPO))


def test_run_remote_with_name_env_tags_service_account_and_wait(engine, remote, admin_stub):
    name = unique_name("pf-run")
    run_remote(engine, "--name", name, "--env", "FLYTEBOX_PF_K=pf-value", "--tags", "pf-alpha",
               "--tags", "pf-beta", "--service-account", "pf-robot", "--wait",
               str(EXAMPLES / "execution_config.py"), "env_wf", "--name", "FLYTEBOX_PF_K")
    # --wait: pyflyte returned only once the execution had finished.
    ex = get_execution(admin_stub, name)
    assert ex.closure.phase == core_execution_pb2.WorkflowExecution.SUCCEEDED, (
        f"{ex.closure}\n{engine.log_text()[-3000:]}")
    # --env reached the task's process: the workflow returns the variable's value.
    assert remote.fetch_execution(name=name).outputs.get("o0", str) == "pf-value"
    assert {kv.key: kv.value for kv in ex.spec.envs.values} == {"FLYTEBOX_PF_K": "pf-value"}
    assert sorted(ex.spec.tags) == ["pf-alpha", "pf-beta"]
    assert ex.spec.security_context.run_as.k8s_service_account == "pf-robot"
    # The tags select the execution as FlyteAdmin's list filter does.
    listed = admin_stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=100,
        filters="eq(execution_tag.key,pf-beta)"))
    assert name in [e.id.name for e in listed.executions]


def cache_status(remote, name: str) -> int:
    ex = remote.sync_execution(remote.fetch_execution(name=name), sync_nodes=True)
    node = ex.node_executions["n0"]
    return node.closure.to_flyte_idl().task_node_metadata.cache_status


def test_run_remote_overwrite_cache_runs_a_cached_task_again(engine, remote, admin_stub):
    x = str(random.randint(10_000, 10_000_000))
    cached = str(EXAMPLES / "behaviours.py")
    first, second, third = (unique_name("pf-cache") for _ in range(3))
    run_remote(engine, "--name", first, "--wait", cached, "cached_wf", "--x", x)
    run_remote(engine, "--name", second, "--wait", cached, "cached_wf", "--x", x)
    run_remote(engine, "--name", third, "--overwrite-cache", "--wait", cached, "cached_wf",
               "--x", x)
    for name in (first, second, third):
        ex = finish(remote, name, engine)
        assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
        assert ex.outputs.get("o0", int) == int(x) ** 2
    assert get_execution(admin_stub, third).spec.overwrite_cache
    assert not get_execution(admin_stub, second).spec.overwrite_cache
    assert cache_status(remote, first) == catalog_pb2.CACHE_POPULATED
    assert cache_status(remote, second) == catalog_pb2.CACHE_HIT
    # The overwrite skipped the lookup, ran the task and wrote its result back.
    assert cache_status(remote, third) == catalog_pb2.CACHE_POPULATED


def test_info_prints_the_engine_version_and_endpoint(engine, admin_stub):
    from flyteidl.admin import version_pb2

    v = admin_stub.GetVersion(version_pb2.GetVersionRequest())
    assert v.control_plane_version.Version
    out = pyflyte(engine, "info").stdout
    assert v.control_plane_version.Version in out, out
    assert engine.endpoint in out, out


def test_backfill_runs_the_scheduled_launch_plan_for_each_time_in_the_window(
        engine, remote, admin_stub, version):
    name = unique_name("pf-backfill")
    out = pyflyte(engine, "backfill", *SCOPE, "--from-date", "2026-01-02 03:04:00",
                  "--to-date", "2026-01-02 03:07:00", "--execution-name", name,
                  "scheduled.every_minute_cron", version, cwd=str(REPO)).stdout
    assert name in out, out
    ex = finish(remote, name, engine)
    assert ex.closure.phase == Phase.SUCCEEDED, (
        f"{ex.closure.error.message if ex.closure.error else ''}\n{engine.log_text()[-3000:]}")
    # Each scheduled minute of the window ran as its own execution of the launch plan, with
    # that minute as its kickoff time.
    listed = admin_stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=100,
        filters="eq(launch_plan.name,scheduled.every_minute_cron)"))
    children = [e for e in listed.executions
                if e.spec.metadata.parent_node_execution.execution_id.name == name]
    # FlyteKit plans the times after --from-date and before --to-date: 03:05 and 03:06.
    assert len(children) == 2, [e.id.name for e in listed.executions]
    greetings = set()
    for child in children:
        done = finish(remote, child.id.name, engine)
        assert done.closure.phase == Phase.SUCCEEDED
        greetings.add(done.outputs.get("o0", str))
    assert sorted(g.split("scheduled for ")[1] for g in greetings) == [
        "2026-01-02T03:05:00+00:00", "2026-01-02T03:06:00+00:00"], greetings


def test_execution_relaunch(engine, remote, admin_stub, version):
    name = unique_name("pf-failed")
    run_remote(engine, "--name", name, str(EXAMPLES / "behaviours.py"), "failing_wf", "--x", "5")
    finish(remote, name, engine)
    original = get_execution(admin_stub, name)
    assert original.closure.phase == core_execution_pb2.WorkflowExecution.FAILED
    out = pyflyte(engine, "execution", *SCOPE, "--execution-id", name, "relaunch").stdout
    relaunched = [e for e in admin_stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=200)).executions
        if e.spec.metadata.reference_execution.name == name]
    assert len(relaunched) == 1, out
    again = relaunched[0]
    assert again.id.name in out, out
    assert again.spec.metadata.mode == execution_pb2.ExecutionMetadata.RELAUNCH
    assert again.spec.launch_plan == original.spec.launch_plan
    # The relaunch ran with the original's inputs (x=5) and failed the same way.
    done = finish(remote, again.id.name, engine)
    assert done.closure.phase == Phase.FAILED
    assert remote.client.get_execution_data(done.id).full_inputs.literals[
        "x"].scalar.primitive.integer == 5


def test_flyteremote_list_fetch_sync_and_terminate(engine, remote, version):
    lp = remote.fetch_launch_plan(name="behaviours.two_step_wf", version=version)
    done = remote.wait(remote.execute(lp, inputs={"seconds": 1}), poll_interval=POLL,
                       timeout=datetime.timedelta(seconds=120))
    assert done.closure.phase == Phase.SUCCEEDED
    sleeping = remote.execute(remote.fetch_launch_plan(name="behaviours.sleepy_wf",
                                                       version=version),
                              inputs={"seconds": 600}, wait=False)
    # list: the recent executions and the client's paginated list both hold both.
    recent = [e.id.name for e in remote.recent_executions(limit=100)]
    assert done.id.name in recent and sleeping.id.name in recent
    page, token = remote.client.list_executions_paginated(PROJECT, DOMAIN, limit=1)
    assert len(page) == 1 and token
    names, token = [e.id.name for e in page], token
    while token:
        page, token = remote.client.list_executions_paginated(PROJECT, DOMAIN, limit=1,
                                                              token=token)
        names += [e.id.name for e in page]
    assert len(names) == len(set(names)) and {done.id.name, sleeping.id.name} <= set(names)
    # fetch + sync with nodes: every node's phase and outputs.
    fetched = remote.sync_execution(remote.fetch_execution(name=done.id.name), sync_nodes=True)
    assert fetched.closure.phase == Phase.SUCCEEDED
    assert {"n0", "n1"} <= set(fetched.node_executions), fetched.node_executions.keys()
    assert fetched.outputs.get("o0", int) == fetched.node_executions["n1"].outputs.get("o0", int)
    # terminate: a running execution ends ABORTED with the cause recorded.
    wait_for(lambda: remote.fetch_execution(name=sleeping.id.name).closure.phase == Phase.RUNNING,
             timeout=60, what="the sleepy execution to run")
    remote.terminate(sleeping, cause="pf test stop")
    ended = finish(remote, sleeping.id.name, engine, timeout=60)
    assert ended.closure.phase == Phase.ABORTED
    assert "pf test stop" in ended.closure.to_flyte_idl().abort_metadata.cause
