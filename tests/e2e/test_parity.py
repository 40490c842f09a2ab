"""FlyteAdmin calls beyond the basics, driven by the real flytekit, pyflyte and flyteidl's own
stubs: recovery of a failed execution (FlyteRemote's client, `pyflyte execution recover`, REST),
and the read and event calls a console or an external propeller makes."""
import datetime
import pathlib
import tempfile
import uuid

import grpc
import pytest
import requests
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from flytekit.models.core.execution import NodeExecutionPhase
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

from conftest import REPO, pyflyte

EXAMPLES = REPO / "examples"
POLL = datetime.timedelta(seconds=0.3)
PROJECT, DOMAIN = "flytesnacks", "development"


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:10]
    pyflyte(engine, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", v,
            str(EXAMPLES / "recovery.py"), str(EXAMPLES / "control_flow.py"),
            str(EXAMPLES / "decks.py"), str(EXAMPLES / "execution_config.py"), cwd=str(REPO))
    return v


def finish(remote, execution, engine, timeout=180):
    ex = remote.wait(execution, timeout=datetime.timedelta(seconds=timeout), poll_interval=POLL)
    assert ex.closure.phase in (Phase.SUCCEEDED, Phase.FAILED), engine.log_text()[-3000:]
    return ex


def runs(log_dir: pathlib.Path):
    return sorted((log_dir / "runs.txt").read_text().split("\n")[:-1])


def failed_run(remote, version, engine, log_dir):
    lp = remote.fetch_launch_plan(name="recovery.recovery_wf", version=version)
    ex = finish(remote, remote.execute(lp, inputs={"log_dir": str(log_dir), "n": 1}, wait=False),
                engine)
    assert ex.closure.phase == Phase.FAILED, engine.log_text()[-3000:]
    assert "no file 'go'" in ex.closure.error.message
    # step 1 -> 2; inner: step 2 -> 3; map over [2, 3]; fan(3): step 3 -> 4, gate 4 fails.
    assert runs(log_dir) == ["element 2", "element 3", "fan 3", "gate 4", "step 1", "step 2",
                             "step 3"]
    return ex


def check_recovered(remote, engine, original, recovered, log_dir):
    ex = finish(remote, recovered, engine)
    assert ex.closure.phase == Phase.SUCCEEDED, (
        f"{ex.closure.error.message if ex.closure.error else ''}\n{engine.log_text()[-3000:]}")
    assert ex.outputs.get("o0", int) == 40 + 4 + 9
    assert ex.spec.metadata.mode == execution_pb2.ExecutionMetadata.RECOVERED
    assert ex.spec.metadata.reference_execution.name == original.id.name
    # Only the failed gate ran again: no task, sub-workflow, map element or dynamic parent.
    assert runs(log_dir) == ["element 2", "element 3", "fan 3", "gate 4", "gate 4", "step 1",
                             "step 2", "step 3"]
    ex = remote.sync_execution(ex, sync_nodes=True)
    phases = {k: n.closure.phase for k, n in ex.node_executions.items()}
    for node in ("n0", "n1", "n2"):
        assert phases[node] == NodeExecutionPhase.RECOVERED, phases
    assert phases["n3"] == NodeExecutionPhase.SUCCEEDED, phases
    assert phases["n4"] == NodeExecutionPhase.SUCCEEDED, phases
    # flytekit's node `outputs` refuses RECOVERED (not in its done phases); the data call has them.
    data = remote.client.get_node_execution_data(ex.node_executions["n0"].id)
    assert data.full_outputs.literals["o0"].scalar.primitive.integer == 2
    return ex


def test_recover_with_flyteremote(engine, remote, version):
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = pathlib.Path(tmp)
        original = failed_run(remote, version, engine, log_dir)
        (log_dir / "go").touch()
        # FlyteRemote's client call (FlyteRemote itself has no recover in this flytekit).
        rid = remote.client.recover_execution(original.id)
        assert rid.name != original.id.name
        check_recovered(remote, engine, original, remote.fetch_execution(name=rid.name), log_dir)


def test_recover_with_pyflyte(engine, remote, version):
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = pathlib.Path(tmp)
        original = failed_run(remote, version, engine, log_dir)
        (log_dir / "go").touch()
        out = pyflyte(engine, "execution", "--project", PROJECT, "--domain", DOMAIN,
                      "--execution-id", original.id.name, "recover").stdout
        recovered = [e for e in remote.recent_executions(limit=20)
                     if e.spec.metadata.reference_execution is not None
                     and e.spec.metadata.reference_execution.name == original.id.name]
        assert len(recovered) == 1, out
        assert recovered[0].id.name in out
        check_recovered(remote, engine, original, recovered[0], log_dir)


def test_recover_over_rest(engine, remote, version):
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = pathlib.Path(tmp)
        original = failed_run(remote, version, engine, log_dir)
        (log_dir / "go").touch()
        name = "rec" + uuid.uuid4().hex[:8]
        body = {"id": {"project": PROJECT, "domain": DOMAIN, "name": original.id.name},
                "name": name}
        r = requests.post(f"http://{engine.endpoint}/api/v1/executions/recover", json=body,
                          timeout=30)
        assert r.status_code == 200, r.text
        assert r.json()["id"]["name"] == name
        check_recovered(remote, engine, original, remote.fetch_execution(name=name), log_dir)
        # Recovering a recovered execution takes everything from the chain: nothing runs.
        again = remote.client.recover_execution(remote.fetch_execution(name=name).id, "again" + name)
        ex = finish(remote, remote.fetch_execution(name=again.name), engine)
        assert ex.closure.phase == Phase.SUCCEEDED
        assert runs(log_dir).count("gate 4") == 2


def test_recover_refuses_unknown_and_incomplete_ids(admin_stub):
    req = execution_pb2.ExecutionRecoverRequest(
        id=identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN,
                                                      name="nosuchexecution"))
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.RecoverExecution(req)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "nosuchexecution" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.RecoverExecution(execution_pb2.ExecutionRecoverRequest())
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def run_dynamic(remote, version, engine, n=3):
    lp = remote.fetch_launch_plan(name="control_flow.dynamic_wf", version=version)
    ex = finish(remote, remote.execute(lp, inputs={"n": n}, wait=False), engine)
    assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
    return remote.sync_execution(ex, sync_nodes=True)


def node_id(ex, node):
    from flyteidl.core import identifier_pb2 as ids
    return ids.NodeExecutionIdentifier(node_id=node, execution_id=ex.id.to_flyte_idl())


def test_dynamic_node_workflow_and_its_nodes(engine, remote, version, admin_stub):
    from flyteidl.admin import node_execution_pb2
    ex = run_dynamic(remote, version, engine, n=3)
    resp = admin_stub.GetDynamicNodeWorkflow(
        node_execution_pb2.GetDynamicNodeWorkflowRequest(id=node_id(ex, "n0")))
    nodes = [n.id for n in resp.compiled_workflow.primary.template.nodes]
    assert len([n for n in nodes if n not in ("start-node", "end-node")]) == 4, nodes
    with pytest.raises(grpc.RpcError) as err:  # not a dynamic node
        admin_stub.GetDynamicNodeWorkflow(
            node_execution_pb2.GetDynamicNodeWorkflowRequest(id=node_id(ex, "start-node")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    from flyteidl.admin import task_execution_pb2
    [attempt] = admin_stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
        node_execution_id=node_id(ex, "n0"), limit=10)).task_executions
    children = admin_stub.ListNodeExecutionsForTask(
        node_execution_pb2.NodeExecutionForTaskListRequest(task_execution_id=attempt.id, limit=10))
    assert len(children.node_executions) == 4
    assert all(c.closure.phase == NodeExecutionPhase.SUCCEEDED for c in children.node_executions)
    with pytest.raises(grpc.RpcError) as err:
        missing = type(attempt.id)()
        missing.CopyFrom(attempt.id)
        missing.retry_attempt = 7
        admin_stub.ListNodeExecutionsForTask(
            node_execution_pb2.NodeExecutionForTaskListRequest(task_execution_id=missing,
                                                               limit=10))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_metrics_dump(engine, remote, version):
    ex = run_dynamic(remote, version, engine, n=2)
    out = pyflyte(engine, "metrics", "dump", ex.id.name).stdout
    for part in ("n0", "TASK_RUNTIME", "WORKFLOW_SETUP", "task_attempts", "nodes"):
        assert part in out, out
    span = remote.get_execution_metrics(id=ex.id, depth=-1).to_flyte_idl()
    assert span.workflow_id.name == ex.id.name
    assert span.end_time.ToMicroseconds() >= span.start_time.ToMicroseconds()
    [n0] = [s for s in span.spans if s.WhichOneof("id") == "node_id"]
    # The dynamic node's own attempt and its three children (two doubles and the total).
    assert len([s for s in n0.spans if s.WhichOneof("id") == "task_id"]) == 1
    assert len([s for s in n0.spans if s.WhichOneof("id") == "node_id"]) == 3


def test_fetch_flyte_urls(engine, remote, version):
    ex = run_dynamic(remote, version, engine, n=3)
    base = f"flyte://v1/{PROJECT}/{DOMAIN}/{ex.id.name}/n0"
    out = pyflyte(engine, "fetch", base + "/o").stdout
    assert "6" in out, out  # the total of the doubles of 0, 1, 2
    assert remote.get(base + "/i").get("n", int) == 3
    assert remote.get(base + "/o/o0").scalar.primitive.integer == 6
    assert remote.get(base + "/0/i").get("n", int) == 3
    from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc
    stub = dataproxy_pb2_grpc.DataProxyServiceStub(grpc.insecure_channel(engine.endpoint))
    for bad, code in ((base + "/x", grpc.StatusCode.INVALID_ARGUMENT),
                      (base + "/o/nosuch", grpc.StatusCode.NOT_FOUND),
                      (base + "/9/o", grpc.StatusCode.NOT_FOUND)):
        with pytest.raises(grpc.RpcError) as err:
            stub.GetData(dataproxy_pb2.GetDataRequest(flyte_url=bad))
        assert err.value.code() == code, bad


def test_description_entities(admin_stub, version):
    from flyteidl.admin import common_pb2, description_entity_pb2
    tid = identifier_pb2.Identifier(resource_type=identifier_pb2.TASK, project=PROJECT,
                                    domain=DOMAIN, name="recovery.step", version=version)
    d = admin_stub.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=tid))
    assert d.short_description == "Adds one to x."
    assert "runs.txt" in d.long_description.value
    assert d.id.name == "recovery.step"
    listed = admin_stub.ListDescriptionEntities(description_entity_pb2.DescriptionEntityListRequest(
        resource_type=identifier_pb2.TASK,
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name="recovery.step"),
        limit=10))
    assert [e.id.version for e in listed.descriptionEntities] == [version]
    tid.version = "nosuchversion"
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=tid))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    tid.resource_type = identifier_pb2.LAUNCH_PLAN
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=tid))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_list_matchable_attributes(admin_stub):
    from flyteidl.admin import matchable_resource_pb2 as mr
    from flyteidl.admin import project_domain_attributes_pb2 as pda
    attrs = mr.MatchingAttributes(task_resource_attributes=mr.TaskResourceAttributes(
        defaults=mr.TaskResourceSpec(cpu="1", memory="200Mi")))
    admin_stub.UpdateProjectDomainAttributes(pda.ProjectDomainAttributesUpdateRequest(
        attributes=pda.ProjectDomainAttributes(project=PROJECT, domain=DOMAIN,
                                               matching_attributes=attrs)))
    got = admin_stub.ListMatchableAttributes(
        mr.ListMatchableAttributesRequest(resource_type=mr.TASK_RESOURCE))
    mine = [c for c in got.configurations if c.project == PROJECT and c.domain == DOMAIN
            and not c.workflow]
    assert len(mine) == 1 and mine[0].attributes == attrs
    none = admin_stub.ListMatchableAttributes(
        mr.ListMatchableAttributesRequest(resource_type=mr.PLUGIN_OVERRIDE))
    assert all(c.attributes.WhichOneof("target") == "plugin_overrides"
               for c in none.configurations)


def test_task_python_without_flytekit_says_what_to_install(monkeypatch):
    """An engine whose task Python lacks flytekit fails the task with the command to run,
    not with a bare exit code."""
    import sys
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote
    from conftest import Engine, engine_database
    with tempfile.TemporaryDirectory(prefix="flytebox-e2e-") as tmp:
        with monkeypatch.context() as m:
            m.setattr(sys, "executable", "/usr/bin/python3")  # the engine's --python
            m.setenv("PATH", "/usr/bin:/bin")
            e = Engine(pathlib.Path(tmp), engine_database())
        try:
            v = "v" + uuid.uuid4().hex[:10]
            pyflyte(e, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", v,
                    str(EXAMPLES / "hello_world.py"), cwd=str(REPO))
            r = FlyteRemote(Config.for_endpoint(e.endpoint, insecure=True),
                            default_project=PROJECT, default_domain=DOMAIN)
            lp = r.fetch_launch_plan(name="hello_world.hello_wf", version=v)
            ex = finish(r, r.execute(lp, inputs={"name": "x"}, wait=False), e)
            assert ex.closure.phase == Phase.FAILED
            msg = ex.closure.error.message
            assert "/usr/bin/python3 -m pip install flytekit" in msg, msg
            assert "exited with code" not in msg, msg
        finally:
            e.stop()


def test_task_phases_and_node_closure(engine, remote, version, admin_stub):
    """Attempts are recorded QUEUED, INITIALIZING, then RUNNING from their process start; the
    node closure carries its task metadata and, for a task that wrote one, its deck."""
    lp = remote.fetch_launch_plan(name="decks.deck_wf", version=version)
    ex = finish(remote, remote.execute(lp, inputs={"title": "hi"}, wait=False), engine)
    assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
    ex = remote.sync_execution(ex, sync_nodes=True)
    node = ex.node_executions["n0"]
    [attempt] = node.task_executions
    c = attempt.closure
    assert c.created_at <= c.started_at <= c.updated_at
    assert c.duration.total_seconds() > 0
    raw = admin_stub.GetNodeExecution(node_execution_pb2_request(ex, "n0"))
    assert raw.closure.WhichOneof("target_metadata") == "task_node_metadata"
    assert raw.closure.deck_uri.endswith("/deck.html"), raw.closure
    html = remote.get(f"flyte://v1/{PROJECT}/{DOMAIN}/{ex.id.name}/n0/d")
    assert b"<h1>hi</h1>" in (html if isinstance(html, bytes) else str(html).encode())


def node_execution_pb2_request(ex, node):
    from flyteidl.admin import node_execution_pb2
    return node_execution_pb2.NodeExecutionGetRequest(id=node_id(ex, node))


def test_events_as_an_external_propeller_sends_them(engine, remote, version, admin_stub):
    from flyteidl.admin import event_pb2 as admin_events
    from flyteidl.admin import node_execution_pb2, task_execution_pb2
    from flyteidl.core import execution_pb2 as core_exec
    from flyteidl.event import event_pb2
    from google.protobuf import timestamp_pb2

    def now():
        ts = timestamp_pb2.Timestamp()
        ts.GetCurrentTime()
        return ts

    def code_of(call, req):
        with pytest.raises(grpc.RpcError) as err:
            call(req)
        return err.value.code()

    ex = run_dynamic(remote, version, engine, n=1)
    exec_id = ex.id.to_flyte_idl()
    wf_event = lambda eid, phase: admin_events.WorkflowExecutionEventRequest(  # noqa: E731
        request_id="r", event=event_pb2.WorkflowExecutionEvent(
            execution_id=eid, phase=phase, occurred_at=now(), producer_id="ext"))
    unknown = identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN,
                                                         name="nosuchexec")
    assert code_of(admin_stub.CreateWorkflowEvent,
                   wf_event(unknown, core_exec.WorkflowExecution.RUNNING)) == grpc.StatusCode.NOT_FOUND
    assert code_of(admin_stub.CreateWorkflowEvent,
                   wf_event(exec_id, core_exec.WorkflowExecution.RUNNING)) == \
        grpc.StatusCode.FAILED_PRECONDITION  # it already SUCCEEDED

    nid = node_id(ex, "ext-n0")
    node_event = lambda phase, **kw: admin_events.NodeExecutionEventRequest(  # noqa: E731
        request_id="r", event=event_pb2.NodeExecutionEvent(
            id=nid, phase=phase, occurred_at=now(), producer_id="ext", spec_node_id="ext-n0",
            retry_group="0", **kw))
    admin_stub.CreateNodeEvent(node_event(core_exec.NodeExecution.RUNNING, input_uri="s3://b/in"))
    assert code_of(admin_stub.CreateNodeEvent, node_event(core_exec.NodeExecution.RUNNING)) == \
        grpc.StatusCode.ALREADY_EXISTS
    admin_stub.CreateNodeEvent(node_event(core_exec.NodeExecution.SUCCEEDED, output_uri="s3://b/out"))
    got = admin_stub.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(id=nid))
    assert got.closure.phase == core_exec.NodeExecution.SUCCEEDED
    assert got.input_uri == "s3://b/in" and got.metadata.spec_node_id == "ext-n0"
    assert got.closure.started_at.ToMicroseconds() > 0
    assert code_of(admin_stub.CreateNodeEvent, node_event(core_exec.NodeExecution.RUNNING)) == \
        grpc.StatusCode.FAILED_PRECONDITION

    task_id = identifier_pb2.Identifier(resource_type=identifier_pb2.TASK, project=PROJECT,
                                        domain=DOMAIN, name="ext.task", version="1")
    task_event = lambda phase, node=nid, **kw: admin_events.TaskExecutionEventRequest(  # noqa: E731
        request_id="r", event=event_pb2.TaskExecutionEvent(
            task_id=task_id, parent_node_execution_id=node, retry_attempt=0, phase=phase,
            occurred_at=now(), producer_id="ext", **kw))
    admin_stub.CreateTaskEvent(task_event(core_exec.TaskExecution.RUNNING,
                                          logs=[core_exec.TaskLog(uri="http://l", name="log")]))
    assert code_of(admin_stub.CreateTaskEvent, task_event(core_exec.TaskExecution.RUNNING)) == \
        grpc.StatusCode.ALREADY_EXISTS
    admin_stub.CreateTaskEvent(task_event(core_exec.TaskExecution.SUCCEEDED))
    [te] = admin_stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
        node_execution_id=nid, limit=10)).task_executions
    assert te.closure.phase == core_exec.TaskExecution.SUCCEEDED
    assert [log.uri for log in te.closure.logs] == ["http://l"]
    assert code_of(admin_stub.CreateTaskEvent, task_event(core_exec.TaskExecution.RUNNING)) == \
        grpc.StatusCode.FAILED_PRECONDITION
    assert code_of(admin_stub.CreateTaskEvent, task_event(core_exec.TaskExecution.RUNNING,
                                                          node=node_id(ex, "nosuchnode"))) == \
        grpc.StatusCode.NOT_FOUND


def test_workflow_execution_config_from_matchable_attributes(engine, remote, version, admin_stub):
    """WORKFLOW_EXECUTION_CONFIG set for a workflow applies to its new executions (envs reach the
    task, labels the execution); what the request sets wins; deleting it stops it."""
    from flyteidl.admin import common_pb2
    from flyteidl.admin import matchable_resource_pb2 as mr
    from flyteidl.admin import workflow_attributes_pb2 as wa
    from flyteidl.core import literals_pb2

    wf = "execution_config.env_wf"
    attrs = mr.MatchingAttributes(workflow_execution_config=mr.WorkflowExecutionConfig(
        envs=common_pb2.Envs(values=[literals_pb2.KeyValuePair(key="FLYTEBOX_MATCHED",
                                                                value="from-attributes")]),
        labels=common_pb2.Labels(values={"team": "matched"})))
    admin_stub.UpdateWorkflowAttributes(wa.WorkflowAttributesUpdateRequest(
        attributes=wa.WorkflowAttributes(project=PROJECT, domain=DOMAIN, workflow=wf,
                                         matching_attributes=attrs)))
    lp = remote.fetch_launch_plan(PROJECT, DOMAIN, wf, version)

    def run(**kwargs):
        ex = finish(remote, remote.execute(lp, inputs={}, **kwargs), engine)
        assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
        stored = admin_stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(
            id=ex.id.to_flyte_idl()))
        return ex.outputs.get("o0", str), dict(stored.spec.labels.values)

    try:
        assert run() == ("from-attributes", {"team": "matched"})
        assert run(envs={"FLYTEBOX_MATCHED": "from-request"}) == ("from-request",
                                                                   {"team": "matched"})
    finally:
        admin_stub.DeleteWorkflowAttributes(wa.WorkflowAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN, workflow=wf,
            resource_type=mr.WORKFLOW_EXECUTION_CONFIG))
    assert run() == ("<unset>", {})


def attributes_stubs():
    from flyteidl.admin import matchable_resource_pb2 as mr
    from flyteidl.admin import project_domain_attributes_pb2 as pda
    from flyteidl.admin import workflow_attributes_pb2 as wa
    return mr, pda, wa


def code_and_message(call, request):
    with pytest.raises(grpc.RpcError) as err:
        call(request)
    return err.value.code(), err.value.details()


def test_cluster_assignment_from_attributes(engine, remote, version, admin_stub):
    """CLUSTER_ASSIGNMENT of the project-domain is the execution's pool (in its spec) unless the
    request names one; a request naming another pool is refused as FlyteAdmin refuses it."""
    from flyteidl.admin import cluster_assignment_pb2
    mr, pda, _ = attributes_stubs()
    lp = remote.fetch_launch_plan(PROJECT, DOMAIN, "execution_config.env_wf", version)

    def spec_of(**kwargs):
        ex = finish(remote, remote.execute(lp, inputs={}, **kwargs), engine)
        assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
        return admin_stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(
            id=ex.id.to_flyte_idl())).spec

    admin_stub.UpdateProjectDomainAttributes(pda.ProjectDomainAttributesUpdateRequest(
        attributes=pda.ProjectDomainAttributes(
            project=PROJECT, domain=DOMAIN, matching_attributes=mr.MatchingAttributes(
                cluster_assignment=cluster_assignment_pb2.ClusterAssignment(cluster_pool_name="pool-a")))))
    try:
        assert spec_of().cluster_assignment.cluster_pool_name == "pool-a"
        spec = spec_of(cluster_pool="pool-a", execution_cluster_label="gpu")
        assert spec.cluster_assignment.cluster_pool_name == "pool-a"
        assert spec.execution_cluster_label.value == "gpu"
        request = execution_pb2.ExecutionCreateRequest(
            project=PROJECT, domain=DOMAIN, spec=execution_pb2.ExecutionSpec(
                launch_plan=lp.id.to_flyte_idl(),
                cluster_assignment=cluster_assignment_pb2.ClusterAssignment(cluster_pool_name="pool-b")))
        code, message = code_and_message(admin_stub.CreateExecution, request)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert 'cannot run on cluster pool "pool-b"' in message
        assert 'configured to run on pool "pool-a"' in message
    finally:
        admin_stub.DeleteProjectDomainAttributes(pda.ProjectDomainAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN, resource_type=mr.CLUSTER_ASSIGNMENT))
    assert spec_of(cluster_pool="pool-b").cluster_assignment.cluster_pool_name == "pool-b"
    assert not spec_of().HasField("cluster_assignment")


def test_child_execution_inherits_the_parents_cluster_label(engine, remote, version, admin_stub):
    """As FlyteAdmin: the execution a launch plan node starts carries its parent's
    execution_cluster_label in its spec."""
    lp = remote.fetch_launch_plan(PROJECT, DOMAIN, "control_flow.lp_wf", version)
    ex = finish(remote, remote.execute(lp, inputs={"x": 2}, execution_cluster_label="gpu"),
                engine)
    assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
    listed = admin_stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=200,
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING)))
    children = [e for e in listed.executions
                if e.spec.metadata.parent_node_execution.execution_id.name == ex.id.name]
    assert len(children) == 1, [e.id.name for e in children]
    assert children[0].spec.metadata.mode == execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
    assert children[0].spec.execution_cluster_label.value == "gpu"
    plain = finish(remote, remote.execute(lp, inputs={"x": 2}), engine)
    assert plain.closure.phase == Phase.SUCCEEDED


def test_overwrite_cache_and_interruptible_reach_the_tasks(engine, remote, version, admin_stub):
    """overwrite_cache from the launch plan or the WORKFLOW_EXECUTION_CONFIG attributes runs a
    cached task again (CACHE_POPULATED, a new value); interruptible from the attributes makes
    the attempts INTERRUPTIBLE, unless the request says otherwise."""
    from flyteidl.admin import task_execution_pb2
    from flyteidl.core import catalog_pb2
    from flyteidl.event import event_pb2
    from google.protobuf import wrappers_pb2
    mr, _, wa = attributes_stubs()
    wf = "execution_config.cached_wf"
    lp = remote.fetch_launch_plan(PROJECT, DOMAIN, wf, version)
    fresh = remote.fetch_launch_plan(PROJECT, DOMAIN, "execution_config.cached_wf_fresh", version)
    key = uuid.uuid4().hex

    def run(plan, **kwargs):
        ex = finish(remote, remote.execute(plan, inputs={"key": key}, **kwargs), engine)
        assert ex.closure.phase == Phase.SUCCEEDED, engine.log_text()[-3000:]
        node = admin_stub.GetNodeExecution(node_execution_pb2_request(ex, "n0"))
        status = node.closure.task_node_metadata.cache_status
        if status == catalog_pb2.CACHE_HIT:
            return ex.outputs.get("o0", str), status, None
        [attempt] = admin_stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
            node_execution_id=node.id, limit=10)).task_executions
        return ex.outputs.get("o0", str), status, attempt.closure.metadata.instance_class

    default, interruptible = (event_pb2.TaskExecutionMetadata.DEFAULT,
                              event_pb2.TaskExecutionMetadata.INTERRUPTIBLE)
    first, status, cls = run(lp)
    assert (status, cls) == (catalog_pb2.CACHE_POPULATED, default)
    assert run(lp) == (first, catalog_pb2.CACHE_HIT, None)
    second, status, _ = run(fresh)
    assert second != first and status == catalog_pb2.CACHE_POPULATED
    assert run(lp)[:2] == (second, catalog_pb2.CACHE_HIT)

    admin_stub.UpdateWorkflowAttributes(wa.WorkflowAttributesUpdateRequest(
        attributes=wa.WorkflowAttributes(
            project=PROJECT, domain=DOMAIN, workflow=wf,
            matching_attributes=mr.MatchingAttributes(
                workflow_execution_config=mr.WorkflowExecutionConfig(
                    overwrite_cache=True, interruptible=wrappers_pb2.BoolValue(value=True))))))
    try:
        third, status, cls = run(lp)
        assert third not in (first, second)
        assert (status, cls) == (catalog_pb2.CACHE_POPULATED, interruptible)
        fourth, status, cls = run(lp, interruptible=False)
        assert fourth != third and (status, cls) == (catalog_pb2.CACHE_POPULATED, default)
    finally:
        admin_stub.DeleteWorkflowAttributes(wa.WorkflowAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN, workflow=wf,
            resource_type=mr.WORKFLOW_EXECUTION_CONFIG))
    assert run(lp)[:2] == (fourth, catalog_pb2.CACHE_HIT)
    assert run(fresh, interruptible=True)[1:] == (catalog_pb2.CACHE_POPULATED, interruptible)


def test_plugin_overrides(engine, remote, version, admin_stub):
    """PLUGIN_OVERRIDE updates merge by task type; an override naming no plugin this engine has
    fails the task when it says FAIL, and is ignored with USE_DEFAULT."""
    mr, _, wa = attributes_stubs()
    wf = "execution_config.env_wf"
    lp = remote.fetch_launch_plan(PROJECT, DOMAIN, wf, version)

    def override(task_type, plugins, behavior):
        admin_stub.UpdateWorkflowAttributes(wa.WorkflowAttributesUpdateRequest(
            attributes=wa.WorkflowAttributes(
                project=PROJECT, domain=DOMAIN, workflow=wf,
                matching_attributes=mr.MatchingAttributes(plugin_overrides=mr.PluginOverrides(
                    overrides=[mr.PluginOverride(task_type=task_type, plugin_id=plugins,
                                                 missing_plugin_behavior=behavior)])))))

    def run():
        return finish(remote, remote.execute(lp, inputs={}), engine).closure

    try:
        override("python-task", ["spark-only"], mr.PluginOverride.FAIL)
        override("sql", ["sqlite"], mr.PluginOverride.USE_DEFAULT)
        got = admin_stub.GetWorkflowAttributes(wa.WorkflowAttributesGetRequest(
            project=PROJECT, domain=DOMAIN, workflow=wf, resource_type=mr.PLUGIN_OVERRIDE))
        overrides = got.attributes.matching_attributes.plugin_overrides.overrides
        assert [(o.task_type, list(o.plugin_id)) for o in overrides] == [
            ("python-task", ["spark-only"]), ("sql", ["sqlite"])]
        closure = run()
        assert closure.phase == Phase.FAILED
        assert "no matching plugin implementation found for task type [python-task]" in \
            closure.error.message, closure.error.message
        override("python-task", ["spark-only"], mr.PluginOverride.USE_DEFAULT)
        assert run().phase == Phase.SUCCEEDED
        override("python-task", ["spark-only", "container"], mr.PluginOverride.FAIL)
        assert run().phase == Phase.SUCCEEDED
    finally:
        admin_stub.DeleteWorkflowAttributes(wa.WorkflowAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN, workflow=wf, resource_type=mr.PLUGIN_OVERRIDE))
