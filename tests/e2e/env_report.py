"""What a task process can see, reported by a flytekit task: its environment as Python has it
and as the kernel recorded it when the process (or the task host it was forked from) was
started, and its open file descriptors."""
import json
import os

from flytekit import task, workflow


@task
def report() -> str:
    with open("/proc/self/environ", "rb") as f:
        initial = [kv.decode(errors="replace") for kv in f.read().split(b"\0") if kv]
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            pass
    return json.dumps({"environ": dict(os.environ), "initial": initial, "fds": fds})


@workflow
def report_wf() -> str:
    return report()
