"""Map tasks: one over many items, one whose failures are tolerated."""
from typing import List, Optional

from flytekit import map_task, task, workflow


@task
def square(x: int) -> int:
    return x * x


@task
def fragile(x: int) -> int:
    if x % 4 == 3:
        raise ValueError(f"item {x} is unlucky")
    return x + 1


@task
def add_up(xs: List[int]) -> int:
    return sum(xs)


@task
def add_present(xs: List[Optional[int]]) -> str:
    present = [x for x in xs if x is not None]
    return f"{len(present)} of {len(xs)}, sum {sum(present)}"


@workflow
def map_wf(xs: List[int] = list(range(100))) -> int:
    return add_up(xs=map_task(square)(x=xs))


@workflow
def tolerant_map_wf(xs: List[int] = list(range(8))) -> str:
    return add_present(xs=map_task(fragile, min_success_ratio=0.5)(x=xs))
