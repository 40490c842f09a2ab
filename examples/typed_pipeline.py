"""A typed multi-task workflow: several primitive and collection types between tasks."""
from typing import Dict, List

from flytekit import task, workflow


@task
def make_numbers(n: int) -> List[int]:
    return list(range(n))


@task
def summarize(numbers: List[int], scale: float) -> Dict[str, float]:
    total = float(sum(numbers)) * scale
    return {"total": total, "count": float(len(numbers))}


@task
def describe(summary: Dict[str, float], label: str) -> str:
    return f"{label}: {summary['count']:.0f} numbers, total {summary['total']:.1f}"


@workflow
def typed_wf(n: int = 5, scale: float = 2.0, label: str = "run") -> str:
    numbers = make_numbers(n=n)
    summary = summarize(numbers=numbers, scale=scale)
    return describe(summary=summary, label=label)
