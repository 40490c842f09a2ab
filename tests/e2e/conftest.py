"""Fixtures that run the real flytebox-engine and point the real flytekit at it."""
import os
import pathlib
import secrets
import socket
import subprocess
import sys
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("FLYTEBOX_ENGINE", str(REPO / "build" / "embedded" / "flytebox-engine"))
_CACHE = pathlib.Path(os.environ.get("FLYTEBOX_CACHE") or pathlib.Path(
    os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "flytebox")
VERSITYGW = os.environ.get("FLYTEBOX_VERSITYGW", str(_CACHE / "bin" / "versitygw"))
PSQL = os.environ.get("FLYTEBOX_PSQL", "/usr/lib/postgresql/15/bin/psql")
# Tables the suites write to through flytekit or the API (registrations, executions).
WRITTEN_TABLES = ("tasks", "workflows", "launch_plans", "executions")


def engine_database() -> str:
    """The engine's --database for this run ("" = its SQLite default). FLYTEBOX_TEST_DB names
    the backend the ctest variant promises (sqlite or postgres); postgres takes its connection
    from FLYTEBOX_TEST_DATABASE=postgres:CONNINFO (set by with_postgres.sh). A variant whose
    promise is not kept fails here instead of running on SQLite."""
    url = os.environ.get("FLYTEBOX_TEST_DATABASE", "")
    want = os.environ.get("FLYTEBOX_TEST_DB") or ("postgres" if url else "sqlite")
    assert want in ("sqlite", "postgres"), f"FLYTEBOX_TEST_DB={want}: expected sqlite or postgres"
    if want == "postgres":
        assert url.startswith("postgres:"), (
            f"FLYTEBOX_TEST_DB=postgres but FLYTEBOX_TEST_DATABASE is {url!r}: run the suite "
            "through tests/e2e/with_postgres.sh")
    else:
        assert not url.startswith("postgres:"), (
            f"FLYTEBOX_TEST_DB=sqlite but FLYTEBOX_TEST_DATABASE is {url!r}")
    return url


def psql(database: str, sql: str, check: bool = True) -> str:
    """Runs `sql` on the Postgres of `database` (postgres:CONNINFO) with the real psql; its
    output, or (check=False) "" when it fails."""
    proc = subprocess.run([PSQL, database[len("postgres:"):], "-AtX", "-v", "ON_ERROR_STOP=1",
                           "-c", sql], capture_output=True, text=True, timeout=30)
    if not check and proc.returncode != 0:
        return ""
    assert proc.returncode == 0, f"psql {sql!r} failed ({proc.returncode}): {proc.stderr}"
    return proc.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=15.0, what="condition", interval=0.02):
    """Polls `predicate` until it returns something true, which is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0,
                  name: str = "engine") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"engine did not listen on {port} within {timeout}s")


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Versitygw:
    """A real versitygw (S3 over a folder) on a free port with random credentials."""

    def __init__(self, workdir: pathlib.Path, buckets=()):
        self.data = workdir / "s3"
        self.data.mkdir()
        for bucket in buckets:  # a folder at the top is a bucket to the posix backend
            (self.data / bucket).mkdir()
        self.port = free_port()
        self.access_key = "AK" + secrets.token_hex(8)
        self.secret_key = secrets.token_hex(20)
        self.log = open(workdir / "versitygw.log", "wb")
        env = dict(os.environ, ROOT_ACCESS_KEY_ID=self.access_key,
                   ROOT_SECRET_ACCESS_KEY=self.secret_key)
        self.proc = subprocess.Popen(
            [VERSITYGW, "--port", f"127.0.0.1:{self.port}", "--quiet", "--keep-alive",
             "posix", str(self.data)], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(self.port, self.proc, name="versitygw")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flytekit_env(self) -> dict:
        return {"FLYTE_AWS_ENDPOINT": self.endpoint, "FLYTE_AWS_ACCESS_KEY_ID": self.access_key,
                "FLYTE_AWS_SECRET_ACCESS_KEY": self.secret_key}

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


class Engine:
    def __init__(self, workdir: pathlib.Path, database: str = "", s3: Versitygw = None,
                 extra_args=(), extra_env=None):
        self.workdir = workdir
        self.port = free_port()
        self.s3 = s3
        self.log = open(workdir / "engine.log", "wb")
        # Tasks run as processes of this Python, which has the pinned flytekit.
        args = [ENGINE, "--port", str(self.port), "--data-dir", str(workdir / "data"),
                "--python", sys.executable, *extra_args]
        if database:
            args += ["--database", database]
        env = dict(os.environ, **(extra_env or {}))
        if s3:  # the host reaches S3 as localhost, the engine as 127.0.0.1
            args += ["--storage", "s3", "--s3-endpoint", s3.endpoint,
                     "--s3-public-endpoint", f"http://localhost:{s3.port}"]
            env.update(FLYTEBOX_S3_ACCESS_KEY=s3.access_key, FLYTEBOX_S3_SECRET_KEY=s3.secret_key)
        self.args, self.env = args, env
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(self.port, self.proc)
        self.database = database
        self.check_database()
        self.config = workdir / "config.yaml"
        self.config.write_text(
            f"admin:\n  endpoint: dns:///localhost:{self.port}\n  insecure: true\n")

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.port}"

    def check_database(self) -> None:
        """The engine keeps its metadata where it was told: on Postgres, the server holds the
        engine's migrated schema and no SQLite file appears; else the SQLite file exists."""
        sqlite_file = self.workdir / "data" / "flytebox.db"
        if self.database.startswith("postgres:"):
            sql = "SELECT coalesce(max(version), 0) FROM schema_version"
            wait_for(lambda: psql(self.database, sql, check=False) not in ("", "0"),
                     timeout=10, what="the engine's migrated schema in Postgres")
            assert not sqlite_file.exists(), f"the engine made {sqlite_file} though on Postgres"
            # No session of the engine's is a superuser's (with_postgres.sh makes its role).
            supers = psql(self.database, "SELECT count(*) FROM pg_stat_activity a JOIN pg_roles r "
                          "ON r.rolname = a.usename WHERE a.backend_type = 'client backend' "
                          "AND (r.rolsuper OR r.rolcreatedb OR r.rolcreaterole)")
            assert supers == "0", f"{supers} sessions as a privileged Postgres role"
        elif not self.database:
            assert sqlite_file.exists(), f"the engine on SQLite made no {sqlite_file}"

    def postgres_rows(self) -> int:
        """Rows the suite's registrations and executions left in Postgres."""
        sql = " + ".join(f"(SELECT count(*) FROM {t})" for t in WRITTEN_TABLES)
        return int(psql(self.database, "SELECT " + sql))

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()

    def restart(self, kill: bool = True) -> None:
        """Stops the engine (SIGKILL by default, as a crash) and starts it again on the same
        port and data."""
        if kill:
            self.proc.kill()
            self.proc.wait()
        else:
            stop_process(self.proc)
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env)
        wait_for_port(self.port, self.proc)

    def log_text(self) -> str:
        return (self.workdir / "engine.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def engine():
    """The engine; with FLYTEBOX_TEST_STORAGE=s3 its objects go to a versitygw started first,
    and flytekit (this process and pyflyte) gets the FLYTE_AWS_* settings to reach it."""
    storage = os.environ.get("FLYTEBOX_TEST_STORAGE", "file")
    assert storage in ("file", "s3"), f"FLYTEBOX_TEST_STORAGE={storage}: expected file or s3"
    with tempfile.TemporaryDirectory(prefix="flytebox-e2e-") as tmp:
        s3 = Versitygw(pathlib.Path(tmp)) if storage == "s3" else None
        saved = {k: os.environ.get(k) for k in (s3.flytekit_env() if s3 else {})}
        try:
            if s3:
                os.environ.update(s3.flytekit_env())
            e = Engine(pathlib.Path(tmp), engine_database(), s3)
            try:
                yield e
                if e.database:
                    assert e.postgres_rows() > 0, "the suite left no rows in Postgres"
            finally:
                e.stop()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            if s3:
                s3.stop()


@pytest.fixture(scope="module")
def remote(engine):
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    return FlyteRemote(
        Config.for_endpoint(engine.endpoint, insecure=True),
        default_project="flytesnacks",
        default_domain="development",
    )


def pyflyte(engine, *args: str, cwd=None, check=True) -> subprocess.CompletedProcess:
    """Runs the real pyflyte CLI against the engine."""
    exe = pathlib.Path(os.environ.get("FLYTEBOX_VENV", "")) / "bin" / "pyflyte"
    if not exe.exists():
        import shutil
        exe = pathlib.Path(shutil.which("pyflyte") or "pyflyte")
    env = dict(os.environ, FLYTECTL_CONFIG=str(engine.config))
    proc = subprocess.run([str(exe), "-c", str(engine.config), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"pyflyte {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            f"\n--- engine log ---\n{engine.log_text()[-4000:]}")
    return proc


@pytest.fixture(scope="module")
def admin_stub(engine):
    """A plain gRPC AdminService stub: raw status codes, no flytekit wrapping."""
    import grpc
    from flyteidl.service import admin_pb2_grpc

    channel = grpc.insecure_channel(engine.endpoint)
    yield admin_pb2_grpc.AdminServiceStub(channel)
    channel.close()


def expect_grpc_error(call, request, code, *needles) -> str:
    """`call(request)` must fail with `code` (never UNKNOWN or INTERNAL: those are bugs, not
    verdicts on the request); its message must hold every needle. Returns the message."""
    import grpc

    with pytest.raises(grpc.RpcError) as err:
        call(request, timeout=60)
    got, details = err.value.code(), err.value.details() or ""
    assert got not in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), f"{got}: {details}"
    assert got == code, f"expected {code}, got {got}: {details}"
    for needle in needles:
        assert needle in details, f"{needle!r} not in {details!r}"
    return details


def set_primitive_inputs(literals, inputs) -> None:
    """Fills a LiteralMap's `literals` with str and int primitives from `inputs`."""
    for key, value in inputs.items():
        primitive = literals[key].scalar.primitive
        if isinstance(value, str):
            primitive.string_value = value
        else:
            primitive.integer = value
