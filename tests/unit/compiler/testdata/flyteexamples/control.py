"""Sub-workflow, conditional branch, map task, launch-plan node, gates."""
import typing
from datetime import timedelta

from flytekit import LaunchPlan, approve, conditional, map_task, sleep, task, wait_for_input, workflow


@task
def square(x: int) -> int:
    return x * x


@task
def double(x: int) -> int:
    return 2 * x


@task
def add(a: int, b: int) -> int:
    return a + b


@workflow
def inner_wf(x: int) -> int:
    return double(x=square(x=x))


@workflow
def sub_wf(x: int = 2) -> int:
    y = inner_wf(x=x)
    return add(a=y, b=x)


@workflow
def branch_wf(x: int = 4) -> int:
    return (
        conditional("pick")
        .if_(x > 10).then(square(x=x))
        .elif_(x < 0).then(double(x=x))
        .else_().then(add(a=x, b=1))
    )


@workflow
def map_wf(xs: typing.List[int] = [1, 2, 3]) -> typing.List[int]:
    return map_task(square)(x=xs)


inner_lp = LaunchPlan.get_or_create(inner_wf, name="inner_lp", default_inputs={"x": 3})


@workflow
def lp_wf(x: int = 5) -> int:
    return add(a=inner_lp(x=x), b=1)


@workflow
def gate_wf(x: int = 1) -> int:
    y = square(x=x)
    ok = approve(y, "approve-y", timeout=timedelta(hours=1))
    z = wait_for_input("extra", timeout=timedelta(hours=1), expected_type=int)
    s = sleep(timedelta(seconds=1))
    r = add(a=ok, b=z)
    s >> r
    return r
