"""Typed chain, fan-out/fan-in, defaults, optional inputs, a node without inputs."""
import typing
from enum import Enum

from flytekit import task, workflow


class Color(Enum):
    RED = "red"
    GREEN = "green"


@task
def make(n: int) -> typing.List[int]:
    return list(range(n))


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)


@task
def scale(x: int, factor: float = 2.0) -> float:
    return x * factor


@task
def describe(a: float, b: float, label: typing.Optional[str] = None, color: str = "red") -> str:
    return f"{label}: {a} {b} {color}"


@task
def constant() -> int:
    return 7


@task
def pick(c: Color) -> Color:
    return c


@workflow
def chain_wf(n: int = 3, c: Color = Color.RED) -> typing.Tuple[str, int, Color]:
    xs = make(n=n)
    t = total(xs=xs)
    a = scale(x=t)
    b = scale(x=constant(), factor=0.5)
    d = describe(a=a, b=b)
    return d, t, pick(c=c)
