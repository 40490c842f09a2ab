"""Every common type crossing task boundaries: the outputs are checked value by value."""
import datetime
import enum
from dataclasses import dataclass
from typing import Dict, List, Optional

from flytekit import task, workflow


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class Point:
    x: int
    y: float
    tags: List[str]


@task
def produce(n: int, ratio: float, word: str, flag: bool) -> tuple[List[int], Dict[str, float], Point, datetime.datetime, Color, Optional[int]]:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    maybe = n if flag else None
    return list(range(n)), {word: ratio, "n": float(n)}, Point(x=n, y=ratio, tags=[word, word.upper()]), when, Color.GREEN, maybe


@task
def consume(xs: List[int], d: Dict[str, float], p: Point, when: datetime.datetime, c: Color, maybe: Optional[int]) -> str:
    return (f"xs={xs} d={sorted(d.items())} p=({p.x},{p.y},{p.tags}) "
            f"when={when.isoformat()} c={c.value} maybe={maybe}")


@workflow
def typed_values_wf(n: int = 3, ratio: float = 0.5, word: str = "hi", flag: bool = True) -> tuple[str, List[int], Point, Optional[int]]:
    xs, d, p, when, c, maybe = produce(n=n, ratio=ratio, word=word, flag=flag)
    return consume(xs=xs, d=d, p=p, when=when, c=c, maybe=maybe), xs, p, maybe


@task
def times_ten(x: int) -> int:
    return x * 10


@task
def shout_word(word: str) -> str:
    return word + "!"


@workflow
def attr_path_wf(n: int = 4, word: str = "deep") -> tuple[int, str, float]:
    """Attribute paths into a dataclass (msgpack), a list inside it, and a dict."""
    xs, d, p, when, c, maybe = produce(n=n, ratio=0.25, word=word, flag=True)
    return times_ten(x=p.x), shout_word(word=p.tags[1]), d["n"]
