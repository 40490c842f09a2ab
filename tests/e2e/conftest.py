"""Fixtures that run the real flytebox-engine and point the real flytekit at it."""
import os
import pathlib
import socket
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("FLYTEBOX_ENGINE", str(REPO / "build" / "embedded" / "flytebox-engine"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"engine exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"engine did not listen on {port} within {timeout}s")


class Engine:
    def __init__(self, workdir: pathlib.Path, database: str = ""):
        self.workdir = workdir
        self.port = free_port()
        self.log = open(workdir / "engine.log", "wb")
        args = [ENGINE, "--port", str(self.port), "--data-dir", str(workdir / "data")]
        if database:
            args += ["--database", database]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc)
        self.config = workdir / "config.yaml"
        self.config.write_text(
            f"admin:\n  endpoint: dns:///localhost:{self.port}\n  insecure: true\n")

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def log_text(self) -> str:
        return (self.workdir / "engine.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def engine():
    with tempfile.TemporaryDirectory(prefix="flytebox-e2e-") as tmp:
        e = Engine(pathlib.Path(tmp), os.environ.get("FLYTEBOX_TEST_DATABASE", ""))
        try:
            yield e
        finally:
            e.stop()


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
