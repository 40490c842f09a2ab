"""Workflows for the data-plane benchmark (scripts/bench-dataplane.sh)."""
from typing import List

from flytekit import ContainerTask, map_task, task, workflow

noop_container = ContainerTask(name="noop_container", image="debian:12-slim", command=["true"])


@task
def noop(x: int) -> int:
    return x


@workflow
def fanout_1000_wf():
    for _ in range(1000):
        noop_container()


@workflow
def chain_100_wf():
    previous = None
    for _ in range(100):
        node = noop_container()
        if previous is not None:
            previous >> node
        previous = node


@workflow
def map_wf(xs: List[int]) -> List[int]:
    return map_task(noop)(x=xs)
