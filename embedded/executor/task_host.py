"""Flytebox task host: a Python that has imported flytekit once and forks one child per task.

Started by the engine's local runner as `python task_host.py SOCKET`. Importing flytekit
costs over a second of CPU; a forked child starts with it already imported, so a task
attempt starts in milliseconds. No user code is imported before the fork, so every child
imports the task's code fresh.

Protocol over the Unix socket, one JSON object per line:
  engine -> host: {"id": N, "argv": [...], "env": {...}, "cwd": DIR, "log": FILE}
  host -> engine: {"id": N, "pid": P} once the child runs, then {"id": N, "exit": CODE}
A child leads its own session, so the engine stops a task by signalling its process group.
When the engine goes away the host exits; running children carry on and are re-attached.
"""
import json
import os
import signal
import socket
import sys
import threading

import flytekit  # noqa: F401  (the point of this process)
from flytekit.bin import entrypoint

COMMANDS = {
    "pyflyte-execute": entrypoint.execute_task_cmd,
    "pyflyte-map-execute": entrypoint.map_execute_task_cmd,
}


def fast_execute(args):
    """pyflyte-fast-execute without a second interpreter: fetch the code, then run the task."""
    distribution, dest_dir, i = None, None, 0
    while i < len(args) and args[i] != "--":
        if args[i] == "--additional-distribution":
            distribution, i = args[i + 1], i + 2
        elif args[i] == "--dest-dir":
            dest_dir, i = args[i + 1], i + 2
        else:
            i += 1
    task_cmd = args[i + 1:]
    dest_dir = dest_dir or os.getcwd()
    if distribution:
        entrypoint._download_distribution(distribution, dest_dir)
    cmd = []
    for arg in task_cmd:
        if arg == "--resolver" and distribution:
            cmd += ["--dynamic-addl-distro", distribution, "--dynamic-dest-dir", dest_dir]
        cmd.append(arg)
    resolved = os.path.realpath(os.path.expanduser(dest_dir))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), resolved]))
    sys.path.insert(0, resolved)
    return run(cmd)


def run(argv):
    name = os.path.basename(argv[0])
    if name == "pyflyte-fast-execute":
        return fast_execute(argv[1:])
    command = COMMANDS.get(name)
    if command is None:
        os.execvp(argv[0], argv)  # not a flytekit entry point: run it as it is
    try:
        command.main(args=argv[1:], prog_name=name, standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def child(request):
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.closerange(3, 1 << 16)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])
    code = 1
    try:
        code = run(request["argv"])
    except BaseException as e:  # anything the task command did not handle
        import traceback
        traceback.print_exc()
        code = getattr(e, "code", 1) if isinstance(e, SystemExit) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code if isinstance(code, int) else 1)


def main():
    path = sys.argv[1]
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    lock = threading.Lock()
    plock = threading.Lock()  # held across fork and bookkeeping, so exits find their id
    pids = {}

    def send(obj):
        data = (json.dumps(obj) + "\n").encode()
        with lock:
            conn.sendall(data)

    def reap():
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                if stop.wait(0.05):
                    return
                continue
            with plock:
                request_id = pids.pop(pid, None)
            if request_id is not None:
                send({"id": request_id, "exit": os.waitstatus_to_exitcode(status)})

    stop = threading.Event()
    reader = conn.makefile("rb")
    reaper = None
    for line in reader:
        request = json.loads(line)
        with plock:
            pid = os.fork()
            if pid == 0:
                child(request)
            pids[pid] = request["id"]
        send({"id": request["id"], "pid": pid})
        if reaper is None:  # started after the first fork: a forked child never has it
            reaper = threading.Thread(target=reap, daemon=True)
            reaper.start()
    stop.set()


if __name__ == "__main__":
    main()
