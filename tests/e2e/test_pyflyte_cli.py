"""The real pyflyte, run as a user runs it, for the subcommands that talk to the cluster and are
not covered elsewhere: `run --remote` with its execution options, `package`, `info`, `backfill`,
`execution relaunch`, and FlyteRemote's list/fetch/sync/terminate. Results are read back through
FlyteRemote and flyteidl's own stubs."""
import datetime
import random
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


def fill_ids(message, version: str) -> None:
    """Gives every Identifier in `message` the project, domain and version it lacks, as
    `flytectl register files` does with a package's entities."""
    from google.protobuf.message import Message
    if isinstance(message, identifier_pb2.Identifier):
        message.project = message.project or PROJECT
        message.domain = message.domain or DOMAIN
        message.version = message.version or version
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            fill_ids(value, version)
        else:  # a repeated field or a map
            items = value.values() if field.message_type.GetOptions().map_entry else value
            for item in items:
                if isinstance(item, Message):
                    fill_ids(item, version)


def register_package(engine, admin_stub, package, names: str, version: str) -> None:
    """Registers the entities of a `pyflyte package` archive whose file names contain `names`,
    as `flytectl register files` does: the fast-registration tarball goes up through DataProxy's
    upload location, the entities are registered in the archive's order with it as their code."""
    import base64
    import hashlib
    import io
    import tarfile

    import grpc
    import requests
    from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
    from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc

    with tarfile.open(package) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    [fast] = [n for n in members if n.startswith("fast") and n.endswith(".tar.gz")]
    md5 = hashlib.md5(members[fast]).digest()
    with grpc.insecure_channel(engine.endpoint) as channel:
        where = dataproxy_pb2_grpc.DataProxyServiceStub(channel).CreateUploadLocation(
            dataproxy_pb2.CreateUploadLocationRequest(project=PROJECT, domain=DOMAIN,
                                                      filename=fast, content_md5=md5))
    put = requests.put(where.signed_url, data=members[fast], timeout=30,
                       headers={"Content-MD5": base64.b64encode(md5).decode()})
    assert put.ok, put.text
    for name in sorted(n for n in members if n.endswith(".pb") and names in n):
        data, kind = members[name], name.rsplit("_", 1)[1]
        if kind == "1.pb":
            spec = task_pb2.TaskSpec.FromString(data)
            fill_ids(spec, version)
            args = spec.template.container.args
            args[:] = [a.replace("{{ .remote_package_path }}", where.native_url) for a in args]
            admin_stub.CreateTask(task_pb2.TaskCreateRequest(id=spec.template.id, spec=spec))
        elif kind == "2.pb":
            spec = workflow_pb2.WorkflowSpec.FromString(data)
            fill_ids(spec, version)
            admin_stub.CreateWorkflow(workflow_pb2.WorkflowCreateRequest(id=spec.template.id,
                                                                         spec=spec))
        else:
            lp = launch_plan_pb2.LaunchPlan.FromString(data)
            fill_ids(lp, version)
            admin_stub.CreateLaunchPlan(launch_plan_pb2.LaunchPlanCreateRequest(id=lp.id,
                                                                                spec=lp.spec))


def test_package_then_register_the_package_then_run(engine, remote, admin_stub, tmp_path):
    package = tmp_path / "flyte-package.tgz"
    out = pyflyte(engine, "--pkgs", "examples", "package", "--image", "localhost/flytebox:demo",
                  "--copy", "all", "--output", str(package), cwd=str(REPO)).stdout
    assert "Successfully packaged" in out and package.exists(), out
    version = "p" + uuid.uuid4().hex[:10]
    register_package(engine, admin_stub, package, "examples.execution_config.", version)
    # The registered entities run the package's code, shipped in its fast-registration tarball.
    name = unique_name("pf-package")
    run_remote(engine, "--name", name, "--env", "FLYTEBOX_PF_PKG=from-package", "--wait",
               "remote-launchplan", f"examples.execution_config.env_wf:{version}",
               "--name", "FLYTEBOX_PF_PKG")
    ex = remote.fetch_execution(name=name)
    assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
    assert ex.outputs.get("o0", str) == "from-package"
    task = admin_stub.GetTask(common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN,
        name="examples.execution_config.read_env", version=version)))
    assert "pyflyte-fast-execute" in task.closure.compiled_task.template.container.args


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
