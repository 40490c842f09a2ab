"""`flytebox demo` in native mode with the real binaries: the CLI, the supervisor and the
engine, driven as a user would, checked through the engine's gRPC and REST, the status
endpoint and /proc. Every test has its own HOME (so ~/.flyte is a temporary folder), state
folder and free ports."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

import pytest

from conftest import REPO, VERSITYGW, free_port, wait_for

FLYTEBOX = os.environ.get("FLYTEBOX_CLI", str(REPO / "build" / "cli" / "flytebox"))
VENV = pathlib.Path(os.environ.get("FLYTEBOX_VENV", pathlib.Path.home() / ".cache/flytebox/venv"))
PYTHON = str(VENV / "bin" / "python")


def processes_using(path: pathlib.Path) -> list:
    """Processes with an argument inside `path` (the sandbox's components name their folders)."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(path).encode() in a for a in args):
            found.append((int(entry.name), b" ".join(args).decode(errors="replace")))
    return found


def alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Sandbox:
    def __init__(self, root: pathlib.Path, state_dir: pathlib.Path = None):
        self.home = root / "home"
        self.home.mkdir(parents=True)
        self.state = state_dir or self.home / ".local/share/flytebox"
        self.flyte_config = self.home / ".flyte/config-sandbox.yaml"
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("FLYTEBOX_HOME", "XDG_DATA_HOME", "FLYTEBOX_RUNTIME",
                                 "FLYTECTL_CONFIG")}
        self.env["HOME"] = str(self.home)
        self.env["FLYTEBOX_VERSITYGW"] = VERSITYGW  # found through the real HOME's cache
        if state_dir:
            self.env["FLYTEBOX_HOME"] = str(state_dir)

    def run(self, *args, timeout=120, check=False) -> subprocess.CompletedProcess:
        proc = subprocess.run([FLYTEBOX, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"flytebox {' '.join(args)} -> {proc.returncode}\n"
                                 f"{proc.stdout}\n{proc.stderr}\n{self.logs()}")
        return proc

    def start_args(self, *extra) -> list:
        return ["demo", "start", "--runtime", "native", "--port", str(self.port),
                "--python", PYTHON, *extra]

    def start(self, *extra, check=True) -> subprocess.CompletedProcess:
        return self.run(*self.start_args(*extra), check=check)

    def status(self) -> dict:
        proc = self.run("demo", "status", "-o", "json")
        return json.loads(proc.stdout)

    def component(self, name: str) -> dict:
        return next(c for c in self.status()["components"] if c["name"] == name)

    def logs(self) -> str:
        text = ""
        for path in [self.state / "supervisor.log", *sorted((self.state / "logs").glob("*.log"))]:
            if path.exists():
                text += f"--- {path.name} ---\n{path.read_text(errors='replace')[-3000:]}\n"
        return text

    def healthz(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
            return r.status

    def admin_stub(self):
        import grpc
        from flyteidl.service import admin_pb2_grpc

        channel = grpc.insecure_channel(f"localhost:{self.port}")
        return channel, admin_pb2_grpc.AdminServiceStub(channel)

    def project_ids(self) -> set:
        from flyteidl.admin import project_pb2

        channel, stub = self.admin_stub()
        try:
            projects = stub.ListProjects(project_pb2.ProjectListRequest(limit=100), timeout=10)
            return {p.id for p in projects.projects}
        finally:
            channel.close()


@pytest.fixture
def sandbox(tmp_path):
    box = Sandbox(tmp_path)
    try:
        yield box
    finally:
        box.run("demo", "teardown", "--volume")
        leftovers = processes_using(box.state)
        for pid, _ in leftovers:
            os.kill(pid, signal.SIGKILL)
        assert not leftovers, f"processes left behind: {leftovers}"


def test_start_is_ready_and_the_engine_answers_grpc_and_rest(sandbox):
    proc = sandbox.start()
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == f"export FLYTECTL_CONFIG={sandbox.flyte_config}", proc.stdout
    assert sandbox.flyte_config.stat().st_mode & 0o777 == 0o600
    config = sandbox.flyte_config.read_text()
    assert f"endpoint: dns:///localhost:{sandbox.port}" in config
    assert "insecure: true" in config
    assert (sandbox.state / "credentials.json").stat().st_mode & 0o777 == 0o600

    assert sandbox.healthz() == 200
    assert {"flytesnacks"} <= sandbox.project_ids()

    status = sandbox.status()
    assert status["running"] and status["ready"], status
    engine = sandbox.component("engine")
    assert engine["state"] == "running" and engine["ready"] and engine["restarts"] == 0
    assert engine["ports"] == [sandbox.port]
    assert engine["version"]
    assert alive(engine["pid"])
    assert 0 < engine["rss_bytes"] < 200 << 20
    assert engine["cpu_seconds"] >= 0
    assert status["supervisor"]["pid"] > 0 and alive(status["supervisor"]["pid"])

    text = sandbox.run("demo", "status")
    assert text.returncode == 0, text.stderr
    assert "engine" in text.stdout and "running" in text.stdout

    logs = sandbox.run("demo", "logs", "engine")
    assert logs.returncode == 0 and "serving gRPC and HTTP" in logs.stdout


def test_stop_keeps_state_and_start_resumes_it(sandbox):
    sandbox.start()
    from flyteidl.admin import project_pb2

    project = "keep" + uuid.uuid4().hex[:8]
    channel, stub = sandbox.admin_stub()
    stub.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=project, name=project)), timeout=10)
    channel.close()
    pids = [c["pid"] for c in sandbox.status()["components"]] + [
        sandbox.status()["supervisor"]["pid"]]

    stop = sandbox.run("demo", "stop")
    assert stop.returncode == 0, stop.stderr
    assert not any(alive(pid) for pid in pids)
    assert not processes_using(sandbox.state)
    assert sandbox.run("demo", "status").returncode == 1
    assert (sandbox.state / "engine").is_dir()

    sandbox.start()
    assert project in sandbox.project_ids()


def test_killed_engine_is_restarted_and_ready_again(sandbox):
    sandbox.start()
    first = sandbox.component("engine")["pid"]
    os.kill(first, signal.SIGKILL)

    def restarted():
        engine = sandbox.component("engine")
        return engine if engine["ready"] and engine["restarts"] == 1 else None

    engine = wait_for(restarted, what="the engine to be restarted")
    assert engine["pid"] != first
    assert engine["last_exit"] == "killed by signal 9"
    assert sandbox.healthz() == 200
    assert sandbox.run("demo", "status").returncode == 0


def test_a_component_that_keeps_crashing_is_reported_crash_looping(sandbox):
    sandbox.start()
    config_path = sandbox.state / "supervisor.json"
    config = json.loads(config_path.read_text())
    config["components"].append({"name": "broken", "command": ["/bin/false"],
                                 "backoff": {"initial_ms": 10, "crash_loop_exits": 3}})
    config_path.write_text(json.dumps(config))
    reload = sandbox.run("demo", "reload")
    assert reload.returncode == 0, reload.stderr

    def looping():
        broken = sandbox.component("broken")
        return broken if broken["state"] == "crash-looping" else None

    broken = wait_for(looping, what="crash-looping")
    assert not broken["ready"] and broken["restarts"] >= 2
    assert broken["last_exit"] == "exit code 1"
    status = sandbox.run("demo", "status")
    assert status.returncode == 1  # not everything is ready
    assert "crash-looping" in status.stdout
    assert sandbox.component("engine")["ready"]

    config_path.write_text("{not json")
    refused = sandbox.run("demo", "reload")
    assert refused.returncode == 1 and "kept its configuration" in refused.stderr


def test_sigterm_to_the_supervisor_stops_everything_without_orphans(sandbox):
    sandbox.start()
    status = sandbox.status()
    supervisor = status["supervisor"]["pid"]
    engine = sandbox.component("engine")["pid"]
    began = time.monotonic()
    os.kill(supervisor, signal.SIGTERM)
    wait_for(lambda: not alive(supervisor) and not alive(engine), timeout=10,
             what="the supervisor and the engine to stop")
    assert time.monotonic() - began < 10  # the engine's grace period
    assert not processes_using(sandbox.state)
    assert not (sandbox.state / "supervisor.pid").exists()
    assert sandbox.run("demo", "status").returncode == 1


def test_a_taken_port_fails_fast_names_it_and_leaves_nothing(sandbox):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", sandbox.port))
        taken.listen()
        began = time.monotonic()
        proc = sandbox.start(check=False)
        took = time.monotonic() - began
    assert proc.returncode == 4, proc.stderr
    assert took < 2
    assert f"port {sandbox.port}" in proc.stderr
    assert f"pid {os.getpid()}" in proc.stderr
    assert "--port" in proc.stderr
    assert not sandbox.state.exists()
    assert not sandbox.flyte_config.exists()
    assert not processes_using(sandbox.state)


def test_a_second_start_says_a_sandbox_is_already_running(sandbox):
    starts = [subprocess.Popen([FLYTEBOX, *sandbox.start_args()], env=sandbox.env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in starts]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 3], results
    loser = next(err for code, err in results if code == 3)
    assert "already running" in loser
    assert len([p for p, _ in processes_using(sandbox.state)]) >= 1
    again = sandbox.start(check=False)
    assert again.returncode == 3 and "already running" in again.stderr
    assert sandbox.run("demo", "status").returncode == 0


def test_not_ready_in_time_fails_with_its_own_code_and_stops_what_it_started(sandbox):
    proc = sandbox.start("--wait-timeout", "0.001", check=False)
    assert proc.returncode == 5, proc.stderr
    assert "not ready within" in proc.stderr
    assert not processes_using(sandbox.state)
    assert sandbox.run("demo", "status").returncode == 1
    sandbox.start()  # nothing stands in the way of a proper start


def test_teardown_volume_leaves_nothing(sandbox):
    sandbox.start()
    pids = [c["pid"] for c in sandbox.status()["components"]]
    down = sandbox.run("demo", "teardown", "--volume")
    assert down.returncode == 0, down.stderr
    assert not sandbox.state.exists()
    assert not sandbox.flyte_config.exists()
    assert not any(alive(pid) for pid in pids)
    assert not processes_using(sandbox.state)


def test_exec_runs_a_command_with_the_sandbox_environment(sandbox):
    sandbox.start()
    proc = sandbox.run("demo", "exec", "--", PYTHON, "-c",
                       "import os; print(os.environ['FLYTECTL_CONFIG']); "
                       "print(os.environ['FLYTE_PLATFORM_URL'])")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [str(sandbox.flyte_config), f"localhost:{sandbox.port}"]
    assert sandbox.run("demo", "exec", "--", "sh", "-c", "exit 7").returncode == 7
    assert sandbox.run("demo", "exec", "--", "no-such-command-here").returncode == 127


def pyflyte(sandbox, *args):
    env = dict(sandbox.env, FLYTECTL_CONFIG=str(sandbox.flyte_config))
    return subprocess.run([str(VENV / "bin" / "pyflyte"), *args], cwd=str(REPO), env=env,
                          capture_output=True, text=True, timeout=300)


def test_hello_world_runs_to_success_and_survives_a_restart(sandbox):
    sandbox.start()
    name = "hw" + uuid.uuid4().hex[:10]
    run = pyflyte(sandbox, "run", "--remote", "--wait", "--name", name,
                  "examples/hello_world.py", "hello_wf", "--name", "flytebox")
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{sandbox.logs()}"

    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    def fetch():
        remote = FlyteRemote(Config.for_endpoint(f"localhost:{sandbox.port}", insecure=True),
                             default_project="flytesnacks", default_domain="development")
        execution = remote.fetch_execution(name=name)
        data = remote.client.get_execution_data(execution.id)
        return execution.closure.phase, data.full_outputs.literals["o0"].scalar.primitive

    phase, output = fetch()
    assert phase == 4, f"phase {phase}\n{sandbox.logs()}"  # SUCCEEDED
    assert output.string_value == "Hello, flytebox!"

    assert sandbox.run("demo", "stop").returncode == 0
    sandbox.start()
    phase, output = fetch()
    assert phase == 4
    assert output.string_value == "Hello, flytebox!"


def psql(port: int, user: str, password: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(["psql", f"host=127.0.0.1 port={port} user={user} dbname=postgres",
                           "-AtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          env=dict(os.environ, PGPASSWORD=password), capture_output=True,
                          text=True, timeout=30)


def assert_engine_role_not_superuser(port: int, creds: dict) -> None:
    me = psql(port, "flytebox_engine", creds["db_password"],
              "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
              "WHERE rolname = current_user")
    assert me.returncode == 0, me.stderr
    assert me.stdout.strip() == "f|f|f", me.stdout
    # Every session the engine holds is of that role, and it owns the tables it made.
    users = psql(port, "flytebox_engine", creds["db_password"],
                 "SELECT DISTINCT usename FROM pg_stat_activity "
                 "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
    assert users.returncode == 0, users.stderr
    assert users.stdout.split() == ["flytebox_engine"], users.stdout
    owners = psql(port, "flytebox_engine", creds["db_password"],
                  "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners.stdout.split() == ["flytebox_engine"], owners.stdout + owners.stderr
    su = psql(port, creds["db_user"], creds["db_password"], "SELECT 1")
    assert su.returncode != 0 and "rejects connection" in su.stderr, su.stdout + su.stderr


def test_postgres_and_s3_components(tmp_path):
    # As root Postgres runs as the postgres user, which must reach the state folder.
    state = pathlib.Path(tempfile.mkdtemp(prefix="fb-sandbox-pg-", dir="/tmp")) / "state"
    state.parent.chmod(0o755)
    box = Sandbox(tmp_path, state_dir=state)
    db_port, s3_port = free_port(), free_port()
    args = ("--db", "postgres", "--db-port", str(db_port), "--s3", "--s3-port", str(s3_port))
    try:
        box.start(*args)
        status = box.status()
        assert status["ready"], status
        assert {c["name"] for c in status["components"]} == {"postgres", "s3", "engine"}
        assert box.component("postgres")["ports"] == [db_port]
        assert box.component("s3")["ports"] == [s3_port]
        config = box.flyte_config.read_text()
        assert "storage:" in config and f"endpoint: http://localhost:{s3_port}" in config
        assert "flytesnacks" in box.project_ids()

        # A workflow's data goes through the object store, one file per object.
        name = "pg" + uuid.uuid4().hex[:10]
        run = pyflyte(box, "run", "--remote", "--wait", "--name", name,
                      "examples/hello_world.py", "hello_wf", "--name", "s3")
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{box.logs()}"
        bucket = state / "s3" / "my-s3-bucket"
        assert any(p.is_file() for p in bucket.rglob("*")), "no object in the S3 bucket"

        # The engine connects as its own role, which is no superuser; the superuser initdb
        # made takes no TCP connection, whatever the password.
        creds = json.loads((state / "credentials.json").read_text())
        assert_engine_role_not_superuser(db_port, creds)

        assert box.run("demo", "stop").returncode == 0
        box.start(*args)
        assert "flytesnacks" in box.project_ids()
    finally:
        box.run("demo", "teardown", "--volume")
        shutil.rmtree(state.parent, ignore_errors=True)
    assert not processes_using(state)
