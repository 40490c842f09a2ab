"""Faults lose nothing (issue 11, item 7), injected for real into a real engine running the
real flytekit's workflows: the S3 server killed mid-run, the state folder's disk full,
Postgres restarted under load, the engine SIGKILLed at random points, again and again.
Every test has its own engine (and servers), so one fault cannot leak into the next."""
import contextlib
import datetime
import os
import pathlib
import random
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid

import pytest
from flytekit.models.core.execution import TaskExecutionPhase
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

import data_plane_runs
from conftest import (REPO, Engine, Versitygw, free_port, psql, pyflyte, wait_for,
                      wait_for_port)

HERE = pathlib.Path(__file__).resolve().parent
WORKFLOWS = HERE / "faults"
PG_SERVER = REPO / "tests" / "unit" / "store" / "postgres_server.sh"
PG_BIN = os.environ.get("FLYTEBOX_PG_BIN", "/usr/lib/postgresql/15/bin")
POLL = datetime.timedelta(seconds=0.3)
CHAIN = "chain.chain_wf"
STEPS = ["n0", "n1", "n2", "n3", "n4"]


def remote_for(engine):
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    return FlyteRemote(Config.for_endpoint(engine.endpoint, insecure=True),
                       default_project="flytesnacks", default_domain="development")


def register(engine) -> str:
    version = "v" + uuid.uuid4().hex[:10]
    pyflyte(engine, "register", "--project", "flytesnacks", "--domain", "development",
            "--version", version, str(WORKFLOWS / "chain.py"), cwd=str(HERE))
    return version


def launch(remote, version, **inputs):
    lp = remote.fetch_launch_plan(name=CHAIN, version=version)
    return remote.execute(lp, inputs=inputs, wait=False,
                          execution_name="f" + uuid.uuid4().hex[:12])


def finish(remote, name, timeout=240):
    return remote.wait(remote.fetch_execution(name=name),
                       timeout=datetime.timedelta(seconds=timeout), poll_interval=POLL)


def assert_right_result(engine, remote, name, x=0):
    ex = finish(remote, name)
    assert ex.closure.phase == Phase.SUCCEEDED, (
        f"{name}: {Phase.enum_to_string(ex.closure.phase)}: "
        f"{ex.closure.error.message if ex.closure.error else None}\n"
        f"--- engine log ---\n{engine.log_text()[-4000:]}")
    assert ex.outputs.get("o0", as_type=int) == x + 5
    return ex


def attempts(remote, ex) -> dict:
    """Each step's task attempts as (retry attempt, phase, error message), in order."""
    ex = remote.sync_execution(ex, sync_nodes=True)
    found = {}
    for node_id in STEPS:
        node = ex.node_executions[node_id]
        found[node_id] = sorted(
            (t.id.retry_attempt, t.closure.phase,
             t.closure.error.message if t.closure.error else "") for t in node.task_executions)
    return found


def assert_no_success_ran_twice(engine, remote, ex) -> dict:
    """Per step: one attempt succeeded, the last one, and no attempt number is used twice."""
    found = attempts(remote, ex)
    errors = "\n".join(line for line in engine.log_text().splitlines()
                       if (" ERROR " in line or " WARN " in line)
                       and "tried again every second" not in line)[-4000:]
    for node_id, tries in found.items():
        phases = [p for _, p, _ in tries]
        where = f"{ex.id.name} {node_id}: {tries}\n--- engine errors ---\n{errors}"
        assert phases.count(TaskExecutionPhase.SUCCEEDED) == 1, where
        assert phases[-1] == TaskExecutionPhase.SUCCEEDED, where
        numbers = [n for n, _, _ in tries]
        assert len(set(numbers)) == len(numbers), where
    return found


def healthz(engine) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{engine.port}/healthz", timeout=10) as r:
        return r.status


@contextlib.contextmanager
def flytekit_s3_env(s3):
    saved = {k: os.environ.get(k) for k in s3.flytekit_env()}
    os.environ.update(s3.flytekit_env())
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def workdir():
    d = pathlib.Path(tempfile.mkdtemp(prefix="flytebox-faults-"))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def restart_versitygw(s3, workdir):
    """A new versitygw on the same port, folder and keys (the engine's endpoint)."""
    env = dict(os.environ, ROOT_ACCESS_KEY_ID=s3.access_key,
               ROOT_SECRET_ACCESS_KEY=s3.secret_key)
    s3.log = open(workdir / "versitygw.log", "ab")
    s3.proc = subprocess.Popen(
        [s3.proc.args[0], "--port", f"127.0.0.1:{s3.port}", "--quiet", "--keep-alive", "posix",
         str(s3.data)], stdout=s3.log, stderr=subprocess.STDOUT, env=env)


class Api:
    """Plain gRPC reads, which need nothing from the object store (flytekit's
    fetch_execution also reads the execution's data, which is in it)."""

    def __init__(self, engine):
        import grpc
        from flyteidl.service import admin_pb2_grpc

        self.channel = grpc.insecure_channel(engine.endpoint)
        self.stub = admin_pb2_grpc.AdminServiceStub(self.channel)

    def execution(self, name):
        from flyteidl.admin import execution_pb2
        from flyteidl.core import identifier_pb2

        wid = identifier_pb2.WorkflowExecutionIdentifier(project="flytesnacks",
                                                         domain="development", name=name)
        return self.stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=wid),
                                      timeout=30)

    def attempts(self, name):
        """(node, retry attempt, phase, error message) of every task attempt."""
        from flyteidl.admin import node_execution_pb2, task_execution_pb2

        found = []
        wid = self.execution(name).id
        nodes = self.stub.ListNodeExecutions(node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=wid, limit=100), timeout=30)
        for node in nodes.node_executions:
            tasks = self.stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
                node_execution_id=node.id, limit=100), timeout=30)
            for t in tasks.task_executions:
                found.append((node.id.node_id, t.id.retry_attempt, t.closure.phase,
                              t.closure.error.message, t.closure.error.kind))
        return found


def test_s3_killed_mid_run_fails_attempts_as_system_errors_and_resumes(workdir):
    s3 = Versitygw(workdir)
    engine = None
    try:
        with flytekit_s3_env(s3):
            engine = Engine(workdir, "", s3)
            remote, api = remote_for(engine), Api(engine)
            version = register(engine)
            name = launch(remote, version, x=0, seconds=2.0).id.name
            wait_for(lambda: any(a[2] == TaskExecutionPhase.RUNNING for a in api.attempts(name)),
                     timeout=60, interval=0.2, what="a step to start")
            s3.proc.kill()
            s3.proc.wait()
            # While the store is gone, attempts fail as system errors with a message naming it.
            failed = wait_for(
                lambda: [a for a in api.attempts(name) if a[2] == TaskExecutionPhase.FAILED],
                timeout=60, interval=0.5, what="an attempt to fail while S3 is down")
            _, _, _, message, kind = failed[0]
            assert f"127.0.0.1:{s3.port}" in message, failed
            assert kind == 2, failed  # ExecutionError.SYSTEM
            assert healthz(engine) == 200
            time.sleep(10)
            assert api.execution(name).closure.phase == Phase.RUNNING, (
                "the execution did not wait for the store\n" + engine.log_text()[-3000:])
            restart_versitygw(s3, workdir)
            wait_for_port(s3.port, s3.proc, name="versitygw")
            ex = assert_right_result(engine, remote, name)
            assert_no_success_ran_twice(engine, remote, ex)
    finally:
        if engine:
            engine.stop()
        s3.stop()


@pytest.fixture
def small_disk(workdir):
    """A 24 MiB tmpfs for the engine's state folder."""
    mount = workdir / "small"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs",
                           str(mount)], capture_output=True, text=True)
    assert proc.returncode == 0, f"cannot mount a small tmpfs (the suite needs root): {proc.stderr}"
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path: pathlib.Path) -> pathlib.Path:
    """Fills the filesystem of `path` to the last block."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def test_disk_full_is_a_clear_error_and_the_database_survives(workdir, small_disk):
    import grpc
    from flyteidl.admin import common_pb2, execution_pb2
    from flyteidl.service import admin_pb2_grpc

    engine = Engine(small_disk)
    try:
        remote = remote_for(engine)
        version = register(engine)
        before = launch(remote, version, x=1, seconds=0.0).id.name
        assert_right_result(engine, remote, before, x=1)

        filler = fill(small_disk)
        stub = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(engine.endpoint))
        errors = []
        for i in range(3):
            try:
                name = launch(remote, version, x=2, seconds=0.0).id.name
                ex = finish(remote, name, timeout=120)
                assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
                errors.append(ex.closure.error.message)
            except Exception as e:  # flytekit wraps the gRPC error
                errors.append(str(e))
        text = "\n".join(errors)
        # Refused with the code that says so and a message naming the cause.
        assert "RESOURCE_EXHAUSTED" in text and "disk is full" in text, text
        # Reads still work: the execution from before, the list, /healthz.
        got = stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(
            id=remote.fetch_execution(name=before).id.to_flyte_idl()), timeout=30)
        assert got.closure.phase == Phase.SUCCEEDED
        listed = stub.ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project="flytesnacks", domain="development"),
            limit=100), timeout=30)
        assert before in [e.id.name for e in listed.executions]
        assert healthz(engine) == 200

        # Room again: work goes on, and the database is whole.
        filler.unlink()
        after = launch(remote, version, x=3, seconds=0.0).id.name
        assert_right_result(engine, remote, after, x=3)
    finally:
        engine.stop()
    db = small_disk / "data" / "flytebox.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [r[0] for r in conn.execute("SELECT name FROM executions")]
    assert before in names and after in names


# The sandbox's own Postgres settings (cli/native_config.cc, the image's entrypoint) that
# decide what a crash may lose. fsync stays off for the tests' speed: a process crash does
# not lose what was written to the kernel, only what was still in Postgres' memory.
PG_SANDBOX_OPTS = "-c synchronous_commit=on -c max_connections=50"


def _pgid(pid: int):
    try:
        return os.getpgid(pid)
    except OSError:
        return None


class Postgres:
    """A Postgres server of the test's own, with the sandbox's settings; the engine's role no
    superuser. restart() stops it cleanly, crash() SIGKILLs every one of its processes."""

    def __init__(self):
        self.port = free_port()
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="flytebox-faults-pg-", dir="/tmp"))
        self.dir.chmod(0o755)
        self.data = self.dir / "pg" / "data"
        subprocess.run([str(PG_SERVER), "start", str(self.dir / "pg"), str(self.port)],
                       check=True, timeout=300,
                       env=dict(os.environ, FLYTEBOX_PG_EXTRA_OPTS=PG_SANDBOX_OPTS))
        self.conn = f"host=127.0.0.1 port={self.port} dbname=postgres"
        subprocess.run(["psql", self.conn + " user=postgres", "-qAtX", "-v", "ON_ERROR_STOP=1",
                        "-c", "CREATE ROLE flytebox_engine LOGIN; "
                        "ALTER DATABASE postgres OWNER TO flytebox_engine; "
                        "ALTER SCHEMA public OWNER TO flytebox_engine;"],
                       check=True, timeout=60)
        self.database = f"postgres:{self.conn} user=flytebox_engine"

    def _ctl(self):
        as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return [*as_owner, f"{PG_BIN}/pg_ctl", "-D", str(self.data)]

    def start(self):
        opts = (f"-p {self.port} -h 127.0.0.1 -k {self.dir / 'pg'} -c fsync=off "
                + PG_SANDBOX_OPTS)
        # After a crash the old server's last processes may still hold its shared memory
        # for a moment: Postgres refuses to start until they are gone.
        deadline = time.monotonic() + 60
        while True:
            run = subprocess.run([*self._ctl(), "-l", str(self.dir / "pg" / "server.log"), "-o",
                                  opts, "-w", "-t", "60", "start"],
                                 capture_output=True, text=True, timeout=90)
            if run.returncode == 0:
                return
            assert time.monotonic() < deadline, run.stdout + run.stderr
            time.sleep(0.5)

    def restart(self):
        subprocess.run([*self._ctl(), "-m", "fast", "-w", "-t", "30", "stop"], check=True,
                       capture_output=True, timeout=60)
        time.sleep(2)
        self.start()

    def crash(self):
        """SIGKILL to every Postgres process at once (pg_ctl makes the postmaster a session
        leader, so they share its process group): no checkpoint, no flush; what only
        Postgres' memory held is gone."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        assert os.getpgid(postmaster) == postmaster
        os.killpg(postmaster, 9)
        wait_for(lambda: not any(_pgid(int(p)) == postmaster
                                 for p in os.listdir("/proc") if p.isdigit()),
                 timeout=30, what="the killed Postgres processes to go", interval=0.2)

    def stop(self):
        subprocess.run([str(PG_SERVER), "stop", str(self.dir / "pg"), str(self.port)],
                       timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres(workdir):
    pg = Postgres()
    try:
        yield pg
    finally:
        pg.stop()


def test_postgres_restarted_under_load_loses_and_duplicates_nothing(workdir, postgres):
    engine = Engine(workdir, postgres.database)
    try:
        remote = remote_for(engine)
        version = register(engine)
        names = [launch(remote, version, x=i, seconds=0.5).id.name for i in range(6)]
        time.sleep(2)
        postgres.restart()
        # More work arrives right after the restart; a create the engine answers OK is kept.
        for i in range(6, 9):
            for _ in range(30):
                try:
                    names.append(launch(remote, version, x=i, seconds=0.5).id.name)
                    break
                except Exception:
                    time.sleep(1)
        assert len(names) == 9
        for i, name in enumerate(names):
            ex = assert_right_result(engine, remote, name, x=i)
            assert_no_success_ran_twice(engine, remote, ex)
        rows = psql(postgres.database, "SELECT name FROM executions").split()
        assert sorted(n for n in rows if n in names) == sorted(names)
        assert healthz(engine) == 200
    finally:
        engine.stop()


def test_postgres_crash_under_load_loses_no_acknowledged_execution(workdir, postgres):
    """SIGKILL of every Postgres process while executions are created and run: each execution
    whose CreateExecution was answered OK is there after the restart and ends right."""
    engine = Engine(workdir, postgres.database)
    try:
        remote = remote_for(engine)
        version = register(engine)
        created = {}  # name -> x, only for creates the engine answered OK
        stop = threading.Event()

        def create_continuously():
            i = 0
            while not stop.is_set():
                try:
                    created[launch(remote, version, x=i, seconds=0.3).id.name] = i
                    i += 1
                except Exception:
                    time.sleep(0.05)  # refused while Postgres is down: not acknowledged

        creator = threading.Thread(target=create_continuously, daemon=True)
        creator.start()
        wait_for(lambda: len(created) >= 4, timeout=120, what="the first executions")
        # The crash comes right after a create was acknowledged, when a commit Postgres
        # acknowledged before flushing its WAL would still be in its memory only.
        before = len(created)
        wait_for(lambda: len(created) > before, timeout=60, what="one more execution",
                 interval=0.001)
        postgres.crash()
        before = len(created)
        time.sleep(1)
        postgres.start()
        wait_for(lambda: len(created) >= before + 3, timeout=120,
                 what="executions created after the restart")
        stop.set()
        creator.join(timeout=60)
        assert not creator.is_alive()

        rows = set(psql(postgres.database, "SELECT name FROM executions").split())
        lost = sorted(n for n in created if n not in rows)
        assert not lost, (f"acknowledged but lost in the crash: {lost}\n"
                          f"--- engine log ---\n{engine.log_text()[-4000:]}")
        for name, x in created.items():
            ex = assert_right_result(engine, remote, name, x=x)
            assert_no_success_ran_twice(engine, remote, ex)
        assert healthz(engine) == 200
    finally:
        engine.stop()


def test_engine_sigkilled_at_random_points_ends_every_execution_right(workdir):
    engine = Engine(workdir)
    rng = random.Random(int(os.environ.get("FLYTEBOX_FAULT_SEED", "11")))
    try:
        remote = remote_for(engine)
        version = register(engine)
        names = [launch(remote, version, x=i, seconds=0.4).id.name for i in range(4)]
        for _ in range(6):
            time.sleep(rng.uniform(0.2, 2.5))
            engine.restart(kill=True)
        for i, name in enumerate(names):
            ex = assert_right_result(engine, remote, name, x=i)
            assert_no_success_ran_twice(engine, remote, ex)
    finally:
        engine.stop()



def assert_each_node_succeeded_once(remote, nodes: dict, where: str) -> None:
    """Every node, at any depth (sub-workflows, dynamic children): its attempt numbers are
    distinct and, if any attempt succeeded, exactly one did, the last."""
    for node_id, node in nodes.items():
        attempts, _ = remote.client.list_task_executions_paginated(node.id, limit=100)
        tries = sorted((t.id.retry_attempt, t.closure.phase) for t in attempts)
        phases = [p for _, p in tries]
        here = f"{where}/{node_id}: {tries}"
        assert len({n for n, _ in tries}) == len(tries), here
        if TaskExecutionPhase.SUCCEEDED in phases:
            assert phases.count(TaskExecutionPhase.SUCCEEDED) == 1, here
            assert phases[-1] == TaskExecutionPhase.SUCCEEDED, here
        assert_each_node_succeeded_once(remote, node.subworkflow_node_executions or {}, here)


def test_engine_sigkilled_at_random_points_of_the_data_plane_workflows(workdir):
    """The data-plane suite's workflows (files, a data frame, a map, dynamic, branch,
    sub-workflow, launch-plan node, retries) launched at once while the engine is SIGKILLed
    again and again: each ends with its right result and no task ran again after it had
    succeeded."""
    engine = Engine(workdir)
    rng = random.Random(int(os.environ.get("FLYTEBOX_FAULT_SEED", "11")) + 1)
    try:
        remote = remote_for(engine)
        version = "v" + uuid.uuid4().hex[:10]
        pyflyte(engine, "register", "--project", "flytesnacks", "--domain", "development",
                "--version", version, *[str(REPO / "examples" / m) for m in data_plane_runs.MODULES],
                cwd=str(REPO))
        launched = data_plane_runs.launch_all(remote, version)
        for _ in range(6):
            time.sleep(rng.uniform(0.3, 3.0))
            engine.restart(kill=True)
        for run, name in launched:
            ex = finish(remote, name, timeout=300)
            wrong = data_plane_runs.wrong_result(ex, run)
            assert not wrong, f"{wrong}\n--- engine log ---\n{engine.log_text()[-4000:]}"
            ex = remote.sync_execution(ex, sync_nodes=True)
            assert_each_node_succeeded_once(remote, ex.node_executions, f"{run[0]} {name}")
        assert healthz(engine) == 200
    finally:
        engine.stop()
