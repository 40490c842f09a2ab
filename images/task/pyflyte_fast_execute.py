"""`pyflyte-fast-execute` of the default task image: flytekit's own command (same options,
same help, same download, same exit codes), but a task command that is `pyflyte-execute` or
`pyflyte-map-execute` runs in this interpreter instead of a second one.

flytekit's command downloads the code distribution and then starts `pyflyte-execute` as a
child process, so every fast-registered task pays two Python start-ups and two imports of
flytekit (seconds of CPU in a pod held to 500m). It does so because in an image that holds an
older copy of the user's code, that copy may already be imported; this entry point imports
no user code before the download, so the task's modules are found in the downloaded code
exactly as the child would find them: the destination folder after PYTHONPATH's entries and
before the standard library, and in PYTHONPATH for any process the task starts.

Any other task command (a user's program) runs as flytekit runs it.
scripts/k8s-images.sh installs this file as /opt/venv/bin/pyflyte-fast-execute."""
import importlib
import os
import sys

from flytekit.bin import entrypoint

_flytekit_fast_execute = entrypoint.fast_execute_task_cmd.callback
# The task commands run here, by name.
_IN_PROCESS = {"pyflyte-execute": entrypoint.execute_task_cmd,
               "pyflyte-map-execute": entrypoint.map_execute_task_cmd}


def _with_distribution(args, additional_distribution, dest_dir):
    """The task command with the distribution's options before --resolver, as flytekit adds
    them."""
    out = []
    for arg in args:
        if arg == "--resolver":
            out.extend(["--dynamic-addl-distro", additional_distribution,
                        "--dynamic-dest-dir", dest_dir])
        out.append(arg)
    return out


def _put_on_path(dest_dir):
    """dest_dir where the child's interpreter would have it: in PYTHONPATH (last), and in
    sys.path right after PYTHONPATH's entries."""
    resolved = os.path.realpath(os.path.expanduser(dest_dir))
    env_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env_path + os.pathsep + resolved if env_path else resolved
    at = 1  # sys.path[0] is this script's folder
    for entry in (env_path or "").split(os.pathsep):
        if entry and entry in sys.path[at:]:
            at = sys.path.index(entry, at) + 1
    sys.path.insert(at, resolved)
    importlib.invalidate_caches()


def _fast_execute(additional_distribution, dest_dir, task_execute_cmd):
    if (not task_execute_cmd or task_execute_cmd[0] not in _IN_PROCESS or
            additional_distribution is None):
        return _flytekit_fast_execute(additional_distribution, dest_dir, task_execute_cmd)
    if not dest_dir:
        dest_dir = os.getcwd()
    entrypoint._download_distribution(additional_distribution, dest_dir)
    args = _with_distribution(list(task_execute_cmd[1:]), additional_distribution, dest_dir)
    _put_on_path(dest_dir)
    name = task_execute_cmd[0]
    sys.argv = [name] + args
    _IN_PROCESS[name].main(args=args, prog_name=name)


entrypoint.fast_execute_task_cmd.callback = _fast_execute

if __name__ == "__main__":
    sys.exit(entrypoint.fast_execute_task_cmd())
