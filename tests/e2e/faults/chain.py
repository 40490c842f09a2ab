"""The workflow the fault suite runs: a chain of short steps, so that a fault lands between
and during tasks. chain_wf(x) returns x + 5."""
import time

from flytekit import task, workflow


@task
def step(x: int, seconds: float) -> int:
    time.sleep(seconds)
    return x + 1


@workflow
def chain_wf(x: int = 0, seconds: float = 1.0) -> int:
    a = step(x=x, seconds=seconds)
    b = step(x=a, seconds=seconds)
    c = step(x=b, seconds=seconds)
    d = step(x=c, seconds=seconds)
    return step(x=d, seconds=seconds)
