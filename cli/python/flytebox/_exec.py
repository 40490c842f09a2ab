"""Console scripts: each replaces the Python process with the bundled program.

The programs find each other and the console relative to their own location
(bin/flytebox-sandbox next to bin/flytebox, bin/../share/flytebox/console).
"""
import os
import sys

BIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin")


def _exec(name):
    program = os.path.join(BIN_DIR, name)
    if not os.access(program, os.X_OK):
        sys.stderr.write(
            "error: %s is missing from this flytebox install (%s); reinstall the wheel\n"
            % (name, program))
        sys.exit(127)
    # Tasks run with the first python3 on PATH: put this environment's first, so a
    # flytekit installed next to flytebox (flytebox[flytekit]) is used even when the
    # virtual environment is not activated.
    env_bin = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if env_bin and env_bin not in path.split(os.pathsep):
        os.environ["PATH"] = env_bin + (os.pathsep + path if path else "")
    os.execv(program, [name] + sys.argv[1:])


def flytebox():
    _exec("flytebox")


def flytebox_sandbox():
    _exec("flytebox-sandbox")


def flytebox_engine():
    _exec("flytebox-engine")
