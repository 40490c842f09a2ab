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
from flyteidl.admin import execution_pb2
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
            str(EXAMPLES / "recovery.py"), str(EXAMPLES / "control_flow.py"), cwd=str(REPO))
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
