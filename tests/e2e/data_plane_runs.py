"""The data-plane suite's workflows as one batch: each launch plan of examples/ with its inputs
and the output it must end with. Suites that run them under a fault (the engine killed, tasks
as pods in the container) launch them together and check each result."""

MODULES = ["hello_world.py", "typed_values.py", "files.py", "dataframe.py", "map_tasks.py",
           "control_flow.py", "behaviours.py"]

# (launch plan, inputs, output name, output type, expected value, needs pandas)
RUNS = [
    ("hello_world.hello_wf", {"name": "batch"}, "o0", str, "Hello, batch!", False),
    ("typed_values.attr_path_wf", {"n": 4, "word": "deep"}, "o0", int, 40, False),
    ("files.files_wf", {"text": "in a batch", "n": 4}, "o0", str, "IN A BATCH", False),
    ("dataframe.frame_wf", {"n": 5}, "o0", int, 30, True),
    ("map_tasks.map_wf", {"xs": list(range(8))}, "o0", int, sum(i * i for i in range(8)), False),
    ("control_flow.dynamic_wf", {"n": 4}, "o0", int, 12, False),
    ("control_flow.branch_wf", {"x": -2}, "o0", str, "negative:-2", False),
    ("control_flow.outer_wf", {"x": 3}, "o0", int, 24, False),
    ("control_flow.lp_wf", {"x": 5}, "o0", int, 40, False),
    ("behaviours.retry_wf", {"x": 1}, "o0", int, 101, False),
]


def launch_all(remote, version: str, runs=RUNS) -> list:
    """Launches every run at once; returns (run, execution name) pairs."""
    import uuid

    launched = []
    for run in runs:
        lp = remote.fetch_launch_plan(name=run[0], version=version)
        ex = remote.execute(lp, inputs=run[1], wait=False,
                            execution_name="b" + uuid.uuid4().hex[:12])
        launched.append((run, ex.id.name))
    return launched


def wrong_result(ex, run) -> str:
    """Why the finished execution `ex` is not what `run` expects, or "" when it is."""
    from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

    lp_name, _, output, kind, expected, _ = run
    if ex.closure.phase != Phase.SUCCEEDED:
        error = ex.closure.error.message if ex.closure.error else None
        return f"{lp_name} {ex.id.name}: {Phase.enum_to_string(ex.closure.phase)}: {error}"
    got = ex.outputs.get(output, as_type=kind)
    return "" if got == expected else f"{lp_name} {ex.id.name}: {output} = {got!r}, expected {expected!r}"
