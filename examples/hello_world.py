"""The smallest Flyte workflow: one task, one input, one output."""
from flytekit import task, workflow


@task
def say_hello(name: str) -> str:
    return f"Hello, {name}!"


@workflow
def hello_wf(name: str = "world") -> str:
    return say_hello(name=name)
