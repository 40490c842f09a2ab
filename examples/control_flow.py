"""Dynamic workflows, conditionals, sub-workflows, launch-plan nodes and gates."""
import datetime
from typing import List

from flytekit import LaunchPlan, approve, conditional, dynamic, sleep, task, workflow


@task
def double(x: int) -> int:
    return x * 2


@task
def total(xs: List[int]) -> int:
    return sum(xs)


@task
def label(kind: str, x: int) -> str:
    return f"{kind}:{x}"


@dynamic
def fan_out(n: int) -> int:
    return total(xs=[double(x=i) for i in range(n)])


@workflow
def dynamic_wf(n: int = 4) -> int:
    return fan_out(n=n)


@workflow
def branch_wf(x: int) -> str:
    return (
        conditional("sign")
        .if_(x > 0).then(label(kind="positive", x=x))
        .elif_(x < 0).then(label(kind="negative", x=x))
        .else_().then(label(kind="zero", x=x))
    )


@workflow
def inner_wf(x: int) -> int:
    return double(x=double(x=x))


@workflow
def outer_wf(x: int = 3) -> int:
    return double(x=inner_wf(x=x))


inner_lp = LaunchPlan.get_or_create(inner_wf, name="inner_lp")


@workflow
def lp_wf(x: int = 5) -> int:
    return double(x=inner_lp(x=x))


@workflow
def gate_wf(x: int = 3) -> int:
    """Waits one second, then for a person to approve the doubled value."""
    doubled = double(x=x)
    pause = sleep(datetime.timedelta(seconds=1))
    doubled >> pause
    approved = approve(doubled, "approve-double", timeout=datetime.timedelta(minutes=10))
    pause >> approved
    return double(x=approved)
