"""A workflow to recover: its last step fails until a marker file exists, so a recovered
execution must re-run only that step. Every task notes each run in <log_dir>/runs.txt, which
shows what ran again: a plain task, a sub-workflow's task, a map task's elements and a dynamic
node's children."""
import functools
import os
from typing import List

from flytekit import dynamic, map_task, task, workflow


def _note(log_dir: str, what: str) -> None:
    with open(os.path.join(log_dir, "runs.txt"), "a") as f:
        f.write(what + "\n")


@task
def step(log_dir: str, x: int) -> int:
    """Adds one to x.

    Notes the run in runs.txt first, so a test sees whether it ran again.
    """
    _note(log_dir, f"step {x}")
    return x + 1


@task
def element(log_dir: str, x: int) -> int:
    _note(log_dir, f"element {x}")
    return x * x


@task
def gate(log_dir: str, x: int) -> int:
    _note(log_dir, f"gate {x}")
    if not os.path.exists(os.path.join(log_dir, "go")):
        raise RuntimeError(f"no file 'go' in {log_dir} yet")
    return x * 10


@task
def total(x: int, ys: List[int]) -> int:
    return x + sum(ys)


@workflow
def inner(log_dir: str, x: int) -> int:
    return step(log_dir=log_dir, x=x)


@dynamic
def fan(log_dir: str, n: int) -> int:
    _note(log_dir, f"fan {n}")
    a = step(log_dir=log_dir, x=n)
    return gate(log_dir=log_dir, x=a)


@workflow
def recovery_wf(log_dir: str, n: int = 1) -> int:
    a = step(log_dir=log_dir, x=n)
    b = inner(log_dir=log_dir, x=a)
    squares = map_task(functools.partial(element, log_dir=log_dir))(x=[a, b])
    d = fan(log_dir=log_dir, n=b)
    return total(x=d, ys=squares)
