"""The control plane answers the real flytekit as FlyteAdmin does."""
import pathlib
import shutil
import uuid

import grpc
import pytest

from conftest import REPO, pyflyte

EXAMPLES = REPO / "examples"


def test_version_and_project_seeded(remote):
    projects = remote.client.list_projects()
    ids = [p.id for p in projects.projects]
    assert "flytesnacks" in ids
    domains = {d.id for d in projects.projects[ids.index("flytesnacks")].domains}
    assert domains == {"development", "staging", "production"}


def test_register_examples_twice_then_fetch(engine, remote, tmp_path):
    version = "v" + uuid.uuid4().hex[:8]
    for _ in range(2):  # the second run answers ALREADY_EXISTS everywhere, which is success
        pyflyte(engine, "register", "--project", "flytesnacks", "--domain", "development",
                "--version", version, str(EXAMPLES / "hello_world.py"),
                str(EXAMPLES / "typed_pipeline.py"), cwd=str(REPO))

    task = remote.fetch_task(name="typed_pipeline.summarize", version=version)
    assert set(task.interface.inputs) == {"numbers", "scale"}
    assert set(task.interface.outputs) == {"o0"}

    wf = remote.fetch_workflow(name="typed_pipeline.typed_wf", version=version)
    compiled = remote.client.get_workflow(wf.id).closure.compiled_workflow
    node_ids = {n.id for n in compiled.primary.template.nodes}
    assert {"start-node", "end-node", "n0", "n1", "n2"} <= node_ids
    downstream = compiled.primary.connections.downstream
    assert "n1" in downstream["n0"].ids
    assert "n2" in downstream["n1"].ids
    assert {t.template.id.name for t in compiled.tasks} == {
        "typed_pipeline.make_numbers", "typed_pipeline.summarize", "typed_pipeline.describe"}

    lp = remote.fetch_launch_plan(name="typed_pipeline.typed_wf", version=version)
    closure = remote.client.get_launch_plan(lp.id).closure
    assert set(closure.expected_inputs.parameters) == {"n", "scale", "label"}
    assert set(closure.expected_outputs.variables) == {"o0"}


def test_changed_task_same_version_is_refused(engine, tmp_path):
    version = "v" + uuid.uuid4().hex[:8]
    script = tmp_path / "changing.py"
    script.write_text((EXAMPLES / "hello_world.py").read_text())
    pyflyte(engine, "register", "--version", version, str(script), cwd=str(tmp_path))
    script.write_text(script.read_text().replace("Hello", "Hi"))
    proc = pyflyte(engine, "register", "--version", version, str(script), cwd=str(tmp_path),
                   check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "different definition" in output, output


def test_run_remote_creates_execution(engine, remote):
    name = "e" + uuid.uuid4().hex[:12]
    pyflyte(engine, "run", "--remote", "--name", name, str(EXAMPLES / "hello_world.py"),
            "hello_wf", "--name", "flytebox", cwd=str(REPO))
    execution = remote.fetch_execution(name=name)
    assert execution.id.name == name
    assert execution.spec.launch_plan.name == "hello_world.hello_wf"
    data = remote.client.get_execution_data(execution.id)
    assert data.full_inputs.literals["name"].scalar.primitive.string_value == "flytebox"


def test_run_remote_single_task(engine, remote, admin_stub):
    name = "t" + uuid.uuid4().hex[:12]
    pyflyte(engine, "run", "--remote", "--name", name, str(EXAMPLES / "hello_world.py"),
            "say_hello", "--name", "task", cwd=str(REPO))
    execution = remote.fetch_execution(name=name)
    # The spec keeps the TASK id; admin made a .flytegen workflow to run it.
    assert execution.spec.launch_plan.resource_type == 1  # TASK
    from flyteidl.admin import execution_pb2
    raw = admin_stub.GetExecution(
        execution_pb2.WorkflowExecutionGetRequest(id=execution.id.to_flyte_idl()))
    assert raw.closure.workflow_id.name == ".flytegen.hello_world.say_hello"
    from flyteidl.admin import common_pb2
    wf = admin_stub.GetWorkflow(common_pb2.ObjectGetRequest(id=raw.closure.workflow_id))
    nodes = [n.id for n in wf.closure.compiled_workflow.primary.template.nodes]
    assert "helloworldsayhello" in nodes  # task name kept to [A-Za-z0-9-]


def test_bad_inputs_get_clear_codes(admin_stub):
    from flyteidl.admin import execution_pb2
    from flyteidl.core import identifier_pb2

    stub = admin_stub
    req = execution_pb2.ExecutionCreateRequest(project="no-such-project", domain="development")
    req.spec.launch_plan.CopyFrom(identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project="no-such-project",
        domain="development", name="x", version="v"))
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateExecution(req)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "no-such-project" in err.value.details()

    req = execution_pb2.ExecutionCreateRequest(project="flytesnacks", domain="development",
                                               name="Bad_Name")
    req.spec.launch_plan.CopyFrom(identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project="flytesnacks", domain="development",
        name="x", version="v"))
    with pytest.raises(grpc.RpcError) as err:
        stub.CreateExecution(req)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "lowercase" in err.value.details()

    with pytest.raises(grpc.RpcError) as err:
        stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(
            id=identifier_pb2.WorkflowExecutionIdentifier(
                project="flytesnacks", domain="development", name="missing")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
