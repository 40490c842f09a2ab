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

The code distribution, the task's inputs file and its outputs travel through S3 by the
engine's copilot client (flytebox_copilot, the standard library's HTTP; installed beside this
file) instead of flytekit's fsspec/s3fs, whose start costs about 0.4 CPU-s of every pod: the
task reads its inputs from a local copy and writes its outputs to a local folder, uploaded to
the output prefix once it has ended, whatever its exit. Anything the copilot client cannot
fetch (another scheme, an error) is left to flytekit, as without it; the task's own files
(FlyteFile, FlyteDirectory, checkpoints) always are.

Any other task command (a user's program) runs as flytekit runs it.
scripts/k8s-images.sh installs this file as /opt/venv/bin/pyflyte-fast-execute."""
import importlib
import os
import sys
import tempfile

from flytekit.bin import entrypoint

try:
    import flytebox_copilot
except ImportError:  # not the default task image: flytekit moves everything
    flytebox_copilot = None

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


_buckets = {}  # name -> Bucket: the code, the inputs and the outputs share one connection


def _split(uri):
    name, _, key = uri[len("s3://"):].partition("/")
    if name not in _buckets:
        _buckets[name] = flytebox_copilot.Bucket(f"s3://{name}")
    return _buckets[name], key


def _fetch(uri, folder):
    """The s3:// object uri as a file of folder named as its key ends, or None when the copilot
    client cannot fetch it (flytekit then reads uri itself)."""
    if flytebox_copilot is None or not uri.startswith("s3://"):
        return None
    try:
        bucket, key = _split(uri)
        target = os.path.join(folder, os.path.basename(key))
        bucket.get_file(key, target)
        return target
    except SystemExit as e:  # the client's errors: one line naming the object
        print(f"pyflyte-fast-execute: {e}; flytekit reads {uri} itself", file=sys.stderr)
        return None


def _local_io(args, staging):
    """args with --inputs a local copy and --output-prefix a local folder, and the function
    that uploads that folder to the output prefix; or args unchanged and None."""
    try:
        inputs, prefix = args.index("--inputs") + 1, args.index("--output-prefix") + 1
    except ValueError:
        return args, None
    if prefix >= len(args) or not args[prefix].startswith("s3://"):
        return args, None
    local_inputs = _fetch(args[inputs], staging)
    if local_inputs is None:
        return args, None
    outputs = os.path.join(staging, "outputs")
    os.mkdir(outputs)
    bucket, key = _split(args[prefix])
    args = list(args)
    args[inputs], args[prefix] = local_inputs, outputs

    def upload():
        for folder, _, names in os.walk(outputs):
            for name in names:
                path = os.path.join(folder, name)
                bucket.put_file(path, key.rstrip("/") + "/" + os.path.relpath(path, outputs))
    return args, upload


def _fast_execute(additional_distribution, dest_dir, task_execute_cmd):
    if (not task_execute_cmd or task_execute_cmd[0] not in _IN_PROCESS or
            additional_distribution is None):
        return _flytekit_fast_execute(additional_distribution, dest_dir, task_execute_cmd)
    if not dest_dir:
        dest_dir = os.getcwd()
    staging = tempfile.mkdtemp(prefix="flytebox-io-")
    distribution = _fetch(additional_distribution, staging) or additional_distribution
    entrypoint._download_distribution(distribution, dest_dir)
    args = _with_distribution(list(task_execute_cmd[1:]), additional_distribution, dest_dir)
    args, upload = _local_io(args, staging)
    _put_on_path(dest_dir)
    name = task_execute_cmd[0]
    sys.argv = [name] + args
    try:
        _IN_PROCESS[name].main(args=args, prog_name=name)
    finally:  # click ends with SystemExit, the task's error written first
        if upload is not None:
            upload()


entrypoint.fast_execute_task_cmd.callback = _fast_execute

if __name__ == "__main__":
    sys.exit(entrypoint.fast_execute_task_cmd())
