"""A map over many elements, each of which says which pod it ran in."""
import platform
from typing import List

from flytekit import map_task, task, workflow


@task
def square_where(x: int) -> str:
    """x squared and the hostname, which in a pod is the pod's name."""
    return f"{x * x} {platform.node()}"


@workflow
def fanout_wf(xs: List[int]) -> List[str]:
    return map_task(square_where)(x=xs)
