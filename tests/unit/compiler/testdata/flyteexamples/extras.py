"""Attribute paths, optional values, list/dict bindings, unions, a failure node."""
import typing
from dataclasses import dataclass

from flytekit import task, workflow
from flytekit.types.error import FlyteError


@dataclass
class Point:
    x: int
    y: float


@task
def make_point(x: int) -> Point:
    return Point(x=x, y=x / 2)


@task
def use_int(x: int) -> int:
    return x


@task
def use_float(y: float) -> float:
    return y


@workflow
def attr_wf(x: int = 1) -> typing.Tuple[int, float]:
    p = make_point(x=x)
    return use_int(x=p.x), use_float(y=p.y)


@task
def maybe(x: int) -> typing.Optional[int]:
    return x if x > 0 else None


@task
def takes_optional(x: typing.Optional[int] = None) -> int:
    return x or 0


@task
def either(v: typing.Union[int, str]) -> str:
    return str(v)


@workflow
def optional_wf(x: int = 1) -> typing.Tuple[int, str]:
    return takes_optional(x=maybe(x=x)), either(v=x)


@task
def total(xs: typing.List[int]) -> int:
    return sum(xs)


@task
def sum_map(m: typing.Dict[str, int]) -> int:
    return sum(m.values())


@workflow
def collections_wf(a: int = 1, b: int = 2) -> typing.Tuple[int, int]:
    return total(xs=[a, b, use_int(x=a)]), sum_map(m={"a": a, "b": 2})


@task
def cleanup(x: int, err: typing.Optional[FlyteError] = None) -> None:
    print(x, err)


@workflow(on_failure=cleanup)
def failing_wf(x: int = 1) -> int:
    return use_int(x=x)
