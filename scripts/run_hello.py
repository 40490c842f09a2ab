"""Runs examples/hello_world.py on the sandbox FLYTECTL_CONFIG points at, and waits for it.

The real `pyflyte run --remote` registers and launches; the wait polls every half second
(pyflyte's own --wait polls far less often)."""
import datetime
import os
import pathlib
import subprocess
import sys
import uuid

from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

ROOT = pathlib.Path(__file__).resolve().parents[1]
config = os.environ["FLYTECTL_CONFIG"]
name = "hello-" + uuid.uuid4().hex[:8]
pyflyte = pathlib.Path(sys.executable).parent / "pyflyte"
subprocess.run([str(pyflyte), "-c", config, "run", "--remote", "--name", name,
                "hello_world.py", "hello_wf", "--name", "Flytebox"],
               cwd=ROOT / "examples", check=True)
remote = FlyteRemote(Config.auto(config), default_project="flytesnacks",
                     default_domain="development")
execution = remote.wait(remote.fetch_execution(name=name),
                        timeout=datetime.timedelta(minutes=5),
                        poll_interval=datetime.timedelta(seconds=0.5))
phase = execution.closure.phase
if phase != 4:  # SUCCEEDED
    sys.exit(f"execution {name} ended in phase {phase}: {execution.closure.error}")
print(f"execution {name} SUCCEEDED: {execution.outputs.get('o0', as_type=str)!r}")
