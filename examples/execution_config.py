"""Tasks that show which execution config (the request's, the launch plan's or the matchable
attributes') an execution ran with: one reports an environment variable, one is cached and
returns a value that differs on each real run (so a cache hit is told from a run)."""
import os
import uuid

from flytekit import LaunchPlan, task, workflow


@task
def read_env(name: str) -> str:
    return os.environ.get(name, "<unset>")


@workflow
def env_wf(name: str = "FLYTEBOX_MATCHED") -> str:
    return read_env(name=name)


@task(cache=True, cache_version="1")
def stamp(key: str) -> str:
    return key + ":" + uuid.uuid4().hex


@workflow
def cached_wf(key: str) -> str:
    return stamp(key=key)


# The same workflow through a launch plan that overwrites the cache.
fresh_lp = LaunchPlan.get_or_create(cached_wf, name="execution_config.cached_wf_fresh",
                                    overwrite_cache=True)
