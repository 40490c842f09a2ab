"""A task that reports one environment variable: shows which execution config (the request's,
the launch plan's or the matchable attributes') an execution ran with."""
import os

from flytekit import task, workflow


@task
def read_env(name: str) -> str:
    return os.environ.get(name, "<unset>")


@workflow
def env_wf(name: str = "FLYTEBOX_MATCHED") -> str:
    return read_env(name=name)
