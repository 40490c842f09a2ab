"""Times executions on a running engine: python dataplane_bench.py ENDPOINT VERSION.

Server-side times come from the execution's own closure (created_at to the last update)
and the task executions' durations, so client polling does not count."""
import os
import statistics
import sys
import time

import grpc
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc

ENDPOINT, VERSION = sys.argv[1], sys.argv[2]
PROJECT, DOMAIN = "flytesnacks", "development"
stub = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(ENDPOINT))
ENDED = {4, 6, 7, 8}  # WorkflowExecution.Phase: SUCCEEDED, FAILED, ABORTED, TIMED_OUT


def seconds(ts):
    return ts.seconds + ts.nanos / 1e9


def launch(name, inputs=None):
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN)
    req.spec.launch_plan.CopyFrom(identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT, domain=DOMAIN, name=name,
        version=VERSION))
    req.spec.metadata.mode = execution_pb2.ExecutionMetadata.MANUAL
    if inputs:
        req.inputs.CopyFrom(inputs)
    return stub.CreateExecution(req).id


def wait(eid, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ex = stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=eid))
        if ex.closure.phase in ENDED:
            if ex.closure.phase != 4:
                raise SystemExit(f"{eid.name} ended in phase {ex.closure.phase}: {ex.closure.error.message[:500]}")
            return ex
        time.sleep(0.02)
    raise SystemExit(f"{eid.name} did not finish in {timeout}s")


def task_seconds(eid):
    nodes = stub.ListNodeExecutions(node_execution_pb2.NodeExecutionListRequest(
        workflow_execution_id=eid, limit=1000))
    total = 0.0
    for n in nodes.node_executions:
        if n.id.node_id in ("start-node", "end-node"):
            continue
        tasks = stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
            node_execution_id=n.id, limit=100))
        for t in tasks.task_executions:
            total += t.closure.duration.seconds + t.closure.duration.nanos / 1e9
    return total


def int_list(n):
    lm = literals_pb2.LiteralMap()
    coll = lm.literals["xs"].collection
    for i in range(n):
        coll.literals.add().scalar.primitive.integer = i
    return lm


def timed(name, inputs=None):
    eid = launch(name, inputs)
    ex = wait(eid)
    return eid, seconds(ex.closure.updated_at) - seconds(ex.closure.created_at)


def report(label, values, unit="s"):
    med = statistics.median(values)
    print(f"{label}: median {med:.3f} {unit} (runs: {', '.join(f'{v:.3f}' for v in values)})",
          flush=True)
    return med


def main():
    hello = literals_pb2.LiteralMap()
    hello.literals["name"].scalar.primitive.string_value = "bench"
    totals, tasks = [], []
    for _ in range(10):
        eid, total = timed("hello_world.hello_wf", hello)
        totals.append(total)
        tasks.append(task_seconds(eid))
    report("hello world, CreateExecution to SUCCEEDED", totals)
    report("hello world, of which the task process", tasks)
    report("hello world, of which the engine", [a - b for a, b in zip(totals, tasks)])

    fan = [timed("dataplane_workflows.fanout_1000_wf")[1] for _ in range(3)]
    med = report("fan-out of 1000 raw-container no-op nodes", fan)
    print(f"  = {1000 * med / 1000:.2f} ms per node (wall clock / nodes)")
    chain = [timed("dataplane_workflows.chain_100_wf")[1] for _ in range(3)]
    med = report("chain of 100 sequential raw-container no-op nodes", chain)
    print(f"  = {med * 1000 / 100:.2f} ms per node, process start and exit included")
    report("map task over 50 no-op elements", [timed("dataplane_workflows.map_wf", int_list(50))[1] for _ in range(3)])
    if os.environ.get("FLYTEBOX_BENCH_QUICK"):  # before/after comparisons: leave out the longest
        return
    report("map task over 1000 no-op elements", [timed("dataplane_workflows.map_wf", int_list(1000))[1] for _ in range(3)])


if __name__ == "__main__":
    main()
