"""The real flytekit runs real workflows end to end on the engine: phases and output values."""
import datetime
import os
import pathlib
import time
import uuid

import pytest
from flytekit.models.core.execution import NodeExecutionPhase, TaskExecutionPhase
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

from conftest import REPO, pyflyte, wait_for

EXAMPLES = REPO / "examples"
MODULES = ["hello_world.py", "typed_values.py", "files.py", "dataframe.py", "map_tasks.py",
           "control_flow.py", "behaviours.py", "raw_container.py"]
POLL = datetime.timedelta(seconds=0.3)


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:10]
    pyflyte(engine, "register", "--project", "flytesnacks", "--domain", "development",
            "--version", v, *[str(EXAMPLES / m) for m in MODULES], cwd=str(REPO))
    return v


def launch(remote, version, lp_name, **inputs):
    lp = remote.fetch_launch_plan(name=lp_name, version=version)
    return remote.execute(lp, inputs=inputs, wait=False)


def finish(remote, execution, timeout=180):
    return remote.wait(execution, timeout=datetime.timedelta(seconds=timeout), poll_interval=POLL)


def run(remote, version, lp_name, timeout=180, **inputs):
    return finish(remote, launch(remote, version, lp_name, **inputs), timeout)


def succeeded(ex, engine):
    assert ex.closure.phase == Phase.SUCCEEDED, (
        f"{ex.id.name}: phase {Phase.enum_to_string(ex.closure.phase)}, error "
        f"{ex.closure.error.message if ex.closure.error else None}\n--- engine log ---\n{engine.log_text()[-3000:]}")
    return ex


def test_hello_world(engine, remote, version):
    ex = succeeded(run(remote, version, "hello_world.hello_wf", name="Flytebox"), engine)
    assert ex.outputs.get("o0", as_type=str) == "Hello, Flytebox!"
    ex = remote.sync_execution(ex, sync_nodes=True)
    assert set(ex.node_executions) == {"start-node", "n0", "end-node"}
    node = ex.node_executions["n0"]
    assert node.closure.phase == NodeExecutionPhase.SUCCEEDED
    assert node.outputs.get("o0", as_type=str) == "Hello, Flytebox!"
    [attempt] = node.task_executions
    assert attempt.closure.phase == TaskExecutionPhase.SUCCEEDED
    assert attempt.closure.logs and attempt.closure.logs[0].uri.startswith("http://localhost:")


def test_typed_values(engine, remote, version):
    from typing import List, Optional
    ex = succeeded(run(remote, version, "typed_values.typed_values_wf", n=3, ratio=0.5,
                       word="hi", flag=True), engine)
    text = ex.outputs.get("o0", as_type=str)
    assert text == ("xs=[0, 1, 2] d=[('hi', 0.5), ('n', 3.0)] p=(3,0.5,['hi', 'HI']) "
                    "when=2026-01-02T03:04:05+00:00 c=green maybe=3"), text
    assert ex.outputs.get("o1", as_type=List[int]) == [0, 1, 2]
    assert ex.outputs.get("o3", as_type=Optional[int]) == 3
    ex = succeeded(run(remote, version, "typed_values.typed_values_wf", n=2, ratio=1.5,
                       word="yo", flag=False), engine)
    assert ex.outputs.get("o0", as_type=str).endswith("maybe=None")
    assert ex.outputs.get("o3", as_type=Optional[int]) is None


def test_attribute_paths(engine, remote, version):
    ex = succeeded(run(remote, version, "typed_values.attr_path_wf", n=4, word="deep"), engine)
    assert ex.outputs.get("o0", as_type=int) == 40
    assert ex.outputs.get("o1", as_type=str) == "DEEP!"
    assert ex.outputs.get("o2", as_type=float) == 4.0


def test_files_and_directories(engine, remote, version, tmp_path):
    from flytekit.types.file import FlyteFile
    ex = succeeded(run(remote, version, "files.files_wf", text="hello files", n=4), engine)
    assert ex.outputs.get("o0", as_type=str) == "HELLO FILES"
    assert ex.outputs.get("o1", as_type=int) == 0 + 1 + 4 + 9
    f = ex.outputs.get("o2", as_type=FlyteFile)
    local = tmp_path / "loud.txt"
    remote.file_access.get_data(f.remote_source or f.path, str(local))  # as the host sees it
    assert local.read_text() == "HELLO FILES"


def test_local_file_uploaded_as_input(engine, remote, tmp_path):
    local = tmp_path / "note.txt"
    local.write_text("from the host")
    name = "f" + uuid.uuid4().hex[:12]
    pyflyte(engine, "run", "--remote", "--name", name, str(EXAMPLES / "files.py"),
            "file_input_wf", "--f", str(local), cwd=str(EXAMPLES))
    ex = succeeded(finish(remote, remote.fetch_execution(name=name)), engine)
    assert ex.outputs.get("o0", as_type=str) == "FROM THE HOST"


def test_structured_dataset(engine, remote, version):
    ex = succeeded(run(remote, version, "dataframe.frame_wf", n=5), engine)
    assert ex.outputs.get("o0", as_type=int) == 0 + 1 + 4 + 9 + 16


def test_map_task_over_100(engine, remote, version):
    ex = succeeded(run(remote, version, "map_tasks.map_wf", timeout=600, xs=list(range(100))),
                   engine)
    assert ex.outputs.get("o0", as_type=int) == sum(i * i for i in range(100))
    ex = remote.sync_execution(ex, sync_nodes=True)
    array_node = ex.node_executions["n0"]
    assert array_node.closure.phase == NodeExecutionPhase.SUCCEEDED
    [attempt] = remote.client.list_task_executions_paginated(array_node.id)[0]
    resources = attempt.closure.metadata.external_resources
    assert sorted(r.index for r in resources) == list(range(100))


def test_map_task_tolerates_failures(engine, remote, version):
    ex = succeeded(run(remote, version, "map_tasks.tolerant_map_wf", xs=list(range(8))), engine)
    # 3 and 7 fail; the other six give x + 1.
    assert ex.outputs.get("o0", as_type=str) == f"6 of 8, sum {sum(x + 1 for x in range(8) if x % 4 != 3)}"


def test_dynamic(engine, remote, version):
    ex = succeeded(run(remote, version, "control_flow.dynamic_wf", n=4), engine)
    assert ex.outputs.get("o0", as_type=int) == 2 * (0 + 1 + 2 + 3)
    ex = remote.sync_execution(ex, sync_nodes=True)
    parent = ex.node_executions["n0"]
    assert parent.metadata.is_dynamic
    assert len(parent.subworkflow_node_executions) >= 5  # four doubles and the total


@pytest.mark.parametrize("x,expected", [(3, "positive:3"), (-2, "negative:-2"), (0, "zero:0")])
def test_conditional_every_branch(engine, remote, version, x, expected):
    ex = succeeded(run(remote, version, "control_flow.branch_wf", x=x), engine)
    assert ex.outputs.get("o0", as_type=str) == expected


def test_subworkflow(engine, remote, version):
    ex = succeeded(run(remote, version, "control_flow.outer_wf", x=3), engine)
    assert ex.outputs.get("o0", as_type=int) == 24
    ex = remote.sync_execution(ex, sync_nodes=True)
    assert ex.node_executions["n0"].metadata.is_parent_node


def test_launch_plan_node(engine, remote, version):
    ex = succeeded(run(remote, version, "control_flow.lp_wf", x=5), engine)
    assert ex.outputs.get("o0", as_type=int) == 40
    node = remote.client.get_node_execution(
        remote.sync_execution(ex, sync_nodes=True).node_executions["n0"].id)
    child_id = node.closure.workflow_node_metadata.execution_id
    child = remote.fetch_execution(name=child_id.name)
    assert child.closure.phase == Phase.SUCCEEDED
    assert child.spec.metadata.mode == 4  # CHILD_WORKFLOW


def test_sleep_and_approve_gates(engine, remote, version):
    ex = launch(remote, version, "control_flow.gate_wf", x=3)
    wait_for(lambda: remote.list_signals(ex.id.name), timeout=60, what="the approval signal")
    time.sleep(0.5)
    assert remote.fetch_execution(name=ex.id.name).closure.phase == Phase.RUNNING  # still waiting
    remote.approve("approve-double", ex.id.name)
    ex = succeeded(finish(remote, ex), engine)
    assert ex.outputs.get("o0", as_type=int) == 12
    # The one-second sleep gate waited its second: by the times the engine recorded, it ran for
    # at least that long and the approval after it started no earlier.
    wf = remote.fetch_workflow(name="control_flow.gate_wf", version=version)
    [sleep_id] = [n.id for n in wf.template.nodes if n.gate_node and n.gate_node.sleep]
    [approve_id] = [n.id for n in wf.template.nodes if n.gate_node and n.gate_node.approve]
    nodes = remote.sync_execution(ex, sync_nodes=True).node_executions
    pause, approval = nodes[sleep_id].closure, nodes[approve_id].closure
    assert pause.phase == NodeExecutionPhase.SUCCEEDED
    assert pause.duration >= datetime.timedelta(seconds=1), pause.duration
    assert approval.started_at >= pause.started_at + datetime.timedelta(seconds=1), (
        pause.started_at, approval.started_at)


def test_cache_hit_on_second_run(engine, remote, version):
    x = int(time.time()) % 100000  # a fresh input: the first run must populate
    first = succeeded(run(remote, version, "behaviours.cached_wf", x=x), engine)
    second = succeeded(run(remote, version, "behaviours.cached_wf", x=x), engine)
    assert first.outputs.get("o0", as_type=int) == second.outputs.get("o0", as_type=int) == x * x
    n1 = remote.client.get_node_execution(remote.sync_execution(first, sync_nodes=True).node_executions["n0"].id)
    n2 = remote.client.get_node_execution(remote.sync_execution(second, sync_nodes=True).node_executions["n0"].id)
    assert n1.closure.task_node_metadata.cache_status == 3  # CACHE_POPULATED
    assert n2.closure.task_node_metadata.cache_status == 2  # CACHE_HIT
    assert n2.closure.task_node_metadata.catalog_key.dataset_id.name == "flyte_task-behaviours.cached_square"
    tasks, _ = remote.client.list_task_executions_paginated(n2.id)
    assert tasks == []


def test_cache_serializable_runs_once(engine, remote, version):
    x = int(time.time() * 1000) % 1000003
    a = launch(remote, version, "behaviours.serial_cache_wf", x=x)
    b = launch(remote, version, "behaviours.serial_cache_wf", x=x)
    results = [succeeded(finish(remote, e), engine) for e in (a, b)]
    assert [r.outputs.get("o0", as_type=int) for r in results] == [3 * x, 3 * x]
    attempts = []
    for r in results:
        node = remote.client.get_node_execution(remote.sync_execution(r, sync_nodes=True).node_executions["n0"].id)
        attempts.append(len(remote.client.list_task_executions_paginated(node.id)[0]))
    assert sorted(attempts) == [0, 1]  # one ran, the other waited and took its result


def test_retry_after_recoverable_failure(engine, remote, version):
    ex = succeeded(run(remote, version, "behaviours.retry_wf", x=1), engine)
    assert ex.outputs.get("o0", as_type=int) == 101
    node = remote.sync_execution(ex, sync_nodes=True).node_executions["n0"]
    phases = sorted((t.id.retry_attempt, t.closure.phase) for t in node.task_executions)
    assert phases == [(0, TaskExecutionPhase.FAILED), (1, TaskExecutionPhase.SUCCEEDED)]


def test_user_error_is_reported(engine, remote, version):
    ex = run(remote, version, "behaviours.failing_wf", x=3)
    assert ex.closure.phase == Phase.FAILED
    assert "the input 3 is not acceptable" in ex.closure.error.message
    assert ex.closure.error.kind == 1  # USER


def test_failure_node_runs_on_failure(engine, remote, version, tmp_path):
    marker = tmp_path / "note"
    ex = run(remote, version, "behaviours.failing_with_handler_wf", x=5, marker=str(marker))
    assert ex.closure.phase == Phase.FAILED
    assert "the input 5 is not acceptable" in ex.closure.error.message
    note = marker.read_text()  # the task ran as a local process on this machine
    assert note.startswith("x=5 node=n0 message=") and "not acceptable" in note, note


def test_timeout(engine, remote, version):
    ex = run(remote, version, "behaviours.timeout_wf", seconds=60)
    assert ex.closure.phase == Phase.FAILED
    assert "Timeout" in ex.closure.error.code or "timed out" in ex.closure.error.message


def processes_of(execution_name):
    """Live task processes of this execution: their output goes to its task log."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            target = os.readlink(f"/proc/{pid}/fd/1")
        except OSError:
            continue
        if f"/logs/flytesnacks/development/{execution_name}/" in target:
            found.append(int(pid))
    return found


def test_abort_running_execution(engine, remote, version):
    ex = launch(remote, version, "behaviours.sleepy_wf", seconds=600)
    name = ex.id.name
    wait_for(lambda: processes_of(name), timeout=60, what="the task process")
    remote.terminate(ex, cause="stopped by the test")
    ex = finish(remote, ex, timeout=60)
    assert ex.closure.phase == Phase.ABORTED
    wait_for(lambda: not processes_of(name), timeout=10, what="the task process to end")
    node = remote.client.get_node_execution(remote.sync_execution(ex, sync_nodes=True).node_executions["n0"].id)
    assert node.closure.phase == NodeExecutionPhase.ABORTED


def test_raw_container(engine, remote, version):
    ex = succeeded(run(remote, version, "raw_container.raw_wf", x=7, word="quiet"), engine)
    assert ex.outputs.get("o0", as_type=int) == 49
    assert ex.outputs.get("o1", as_type=str) == "QUIET"
    ex = run(remote, version, "raw_container.raw_error_wf", x=3)
    assert ex.closure.phase == Phase.FAILED
    assert "x must be even" in ex.closure.error.message


def test_single_task_run(engine, remote):
    name = "t" + uuid.uuid4().hex[:12]
    pyflyte(engine, "run", "--remote", "--name", name, str(EXAMPLES / "hello_world.py"),
            "say_hello", "--name", "task", cwd=str(EXAMPLES))
    ex = succeeded(finish(remote, remote.fetch_execution(name=name)), engine)
    assert ex.outputs.get("o0", as_type=str) == "Hello, task!"


def test_engine_restart_mid_workflow(engine, remote, version):
    ex = launch(remote, version, "behaviours.two_step_wf", seconds=4)
    name = ex.id.name
    wait_for(lambda: processes_of(name), timeout=60, what="the first task")
    engine.restart(kill=True)
    ex = succeeded(finish(remote, remote.fetch_execution(name=name), timeout=120), engine)
    assert ex.outputs.get("o0", as_type=int) == 4
