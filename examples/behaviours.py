"""Caching, retries, failures, timeouts and long-running tasks."""
import datetime
import os
import time
import typing

from flytekit import task, workflow
from flytekit.exceptions.user import FlyteRecoverableException
from flytekit.types.error import FlyteError


@task(cache=True, cache_version="1")
def cached_square(x: int) -> int:
    return x * x


@workflow
def cached_wf(x: int = 7) -> int:
    return cached_square(x=x)


@task(retries=2)
def flaky(x: int) -> int:
    if int(os.environ.get("FLYTE_ATTEMPT_NUMBER", "0")) == 0:
        raise FlyteRecoverableException("the first attempt always fails")
    return x + 100


@workflow
def retry_wf(x: int = 1) -> int:
    return flaky(x=x)


@task
def broken(x: int) -> int:
    if x > 0:
        raise ValueError(f"the input {x} is not acceptable")
    return x


@workflow
def failing_wf(x: int = 3) -> int:
    return broken(x=x)


@task(timeout=datetime.timedelta(seconds=2))
def slow(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@workflow
def timeout_wf(seconds: int = 60) -> int:
    return slow(seconds=seconds)


@task
def sleepy(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@workflow
def sleepy_wf(seconds: int = 600) -> int:
    return sleepy(seconds=seconds)


@workflow
def two_step_wf(seconds: int = 5) -> int:
    return sleepy(seconds=sleepy(seconds=seconds))


@task(cache=True, cache_version="1", cache_serialize=True)
def slow_cached(x: int) -> int:
    time.sleep(2)
    return x * 3


@workflow
def serial_cache_wf(x: int = 1) -> int:
    return slow_cached(x=x)


@task
def note_failure(x: int, marker: str, err: typing.Optional[FlyteError] = None) -> None:
    """The failure handler: leaves a note naming what failed."""
    with open(marker, "w") as f:
        f.write(f"x={x} node={err.failed_node_id if err else None} message={err.message if err else None}")


@workflow(on_failure=note_failure)
def failing_with_handler_wf(x: int = 3, marker: str = "/tmp/flytebox-failure-note") -> int:
    return broken(x=x)
