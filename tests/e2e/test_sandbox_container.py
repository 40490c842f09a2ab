"""`flytebox demo` in container mode with a real engine and the locally built image, driven as
a user would: the engine is FLYTEBOX_TEST_ENGINE (docker or podman). Workflows are run from
the host with the real flytekit, whose file uploads go through signed URLs to the published
S3 port. Every test has its own HOME, container and volume name and free ports, so nothing
collides with a user's sandbox; whatever a test leaves is removed by its fixture."""
import datetime
import http.client
import json
import os
import pathlib
import socket
import subprocess
import urllib.request
import uuid

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
FLYTEBOX = os.environ.get("FLYTEBOX_CLI", str(REPO / "build" / "cli" / "flytebox"))
VENV = pathlib.Path(os.environ.get("FLYTEBOX_VENV", pathlib.Path.home() / ".cache/flytebox/venv"))
ENGINE = os.environ.get("FLYTEBOX_TEST_ENGINE", "docker")
EXAMPLES = REPO / "examples"
VERSION = next(line.split("VERSION")[1].split()[0]
               for line in (REPO / "CMakeLists.txt").read_text().splitlines()
               if line.startswith("project(flytebox"))
# FLYTEBOX_TEST_IMAGE: another tag, so that a worktree's image does not replace the default
# one other sandboxes on the machine use.
IMAGE = os.environ.get("FLYTEBOX_TEST_IMAGE") or f"flytebox:{VERSION}"
SUCCEEDED = 4  # WorkflowExecution.Phase


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def engine(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([ENGINE, *args], capture_output=True, text=True, timeout=timeout)


def container(name: str):
    """The engine's `container inspect` of `name`, or None."""
    proc = engine("container", "inspect", name)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None


def volume_exists(name: str) -> bool:
    return engine("volume", "inspect", name).returncode == 0


@pytest.fixture(scope="module", autouse=True)
def image():
    """The engine answers, and the image is built from the current programs (a no-op when it
    is up to date)."""
    subprocess.run([str(REPO / "scripts" / "container-engines.sh"), ENGINE], check=True,
                   timeout=300)
    subprocess.run([str(REPO / "scripts" / "build-image.sh"), "--engine", ENGINE, "--tag", IMAGE],
                   check=True, timeout=3600)
    assert engine("image", "inspect", IMAGE).returncode == 0
    return IMAGE


class Box:
    def __init__(self, root: pathlib.Path):
        self.home = root / "home"
        self.home.mkdir(parents=True)
        self.state = self.home / ".local/share/flytebox"
        self.flyte_config = self.home / ".flyte/config-sandbox.yaml"
        self.name = "fbtest-" + uuid.uuid4().hex[:10]
        self.port, self.s3_port = free_port(), free_port()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("FLYTEBOX_HOME", "XDG_DATA_HOME", "FLYTEBOX_RUNTIME",
                                 "FLYTECTL_CONFIG")}
        self.env["HOME"] = str(self.home)

    def run(self, *args, timeout=300, check=False) -> subprocess.CompletedProcess:
        proc = subprocess.run([FLYTEBOX, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"flytebox {' '.join(args)} -> {proc.returncode}\n"
                                 f"{proc.stdout}\n{proc.stderr}\n{self.logs()}")
        return proc

    def start_args(self, *extra) -> list:
        return ["demo", "start", "--runtime", ENGINE, "--name", self.name, "--port",
                str(self.port), "--s3-port", str(self.s3_port), "--image", IMAGE, *extra]

    def start(self, *extra, check=True) -> subprocess.CompletedProcess:
        return self.run(*self.start_args(*extra), check=check)

    def status(self) -> dict:
        return json.loads(self.run("demo", "status", "-o", "json").stdout)

    def logs(self) -> str:
        out = engine("logs", "--tail", "40", self.name)
        return f"--- {ENGINE} logs {self.name} ---\n{out.stdout}{out.stderr}"

    def healthz(self) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as r:
            return r.status

    def pyflyte_run(self, execution: str, *args) -> None:
        env = dict(self.env, FLYTECTL_CONFIG=str(self.flyte_config))
        proc = subprocess.run([str(VENV / "bin" / "pyflyte"), "run", "--remote", "--name",
                               execution, *args], cwd=str(EXAMPLES), env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}\n{self.logs()}"

    def remote(self):
        from flytekit.configuration import Config
        from flytekit.remote import FlyteRemote

        # The written config (with --auth, its ClientSecret settings); before a start, none.
        config = (Config.auto(str(self.flyte_config)) if self.flyte_config.exists()
                  else Config.for_endpoint(f"localhost:{self.port}", insecure=True))
        return FlyteRemote(config, default_project="flytesnacks", default_domain="development")

    def finished(self, execution: str):
        remote = self.remote()
        ex = remote.wait(remote.fetch_execution(name=execution),
                         timeout=datetime.timedelta(seconds=240),
                         poll_interval=datetime.timedelta(seconds=0.3))
        assert ex.closure.phase == SUCCEEDED, (
            f"{execution}: phase {ex.closure.phase}, error "
            f"{ex.closure.error.message if ex.closure.error else None}\n{self.logs()}")
        return ex

    def remove_everything(self):
        self.run("demo", "teardown", "--volume", "--runtime", ENGINE, "--name", self.name)
        engine("rm", "-f", "-v", self.name)
        engine("volume", "rm", "-f", self.name)
        engine("network", "rm", self.name + "-net")


@pytest.fixture
def box(tmp_path):
    b = Box(tmp_path)
    try:
        yield b
    finally:
        b.remove_everything()


def test_workflows_from_the_host_survive_stop_and_start_and_teardown_leaves_nothing(
        box, tmp_path):
    started = box.start()
    assert started.stdout.strip().splitlines()[-1] == f"export FLYTECTL_CONFIG={box.flyte_config}"
    assert box.flyte_config.stat().st_mode & 0o777 == 0o600
    config = box.flyte_config.read_text()
    assert f"endpoint: dns:///localhost:{box.port}" in config
    assert f"endpoint: http://localhost:{box.s3_port}" in config
    assert "access-key: fb" in config  # the sandbox's own generated credentials

    # One container, unprivileged, labelled, its state in the named volume, ports on loopback.
    c = container(box.name)
    assert c["State"]["Running"]
    assert not c["HostConfig"].get("Privileged")
    assert c["Config"]["Labels"]["org.flytebox.sandbox"] == "1"
    bindings = c["HostConfig"]["PortBindings"]
    assert bindings["30080/tcp"][0]["HostIp"] == "127.0.0.1"
    assert bindings["30080/tcp"][0]["HostPort"] == str(box.port)
    assert bindings["30002/tcp"][0]["HostPort"] == str(box.s3_port)
    assert any(m.get("Name") == box.name and m["Destination"] == "/var/lib/flytebox"
               for m in c["Mounts"])
    first_id = c["Id"]

    assert box.healthz() == 200
    status = box.status()
    assert status["running"] and status["ready"], status
    assert status["runtime"] == ENGINE and status["container"]["name"] == box.name
    assert {comp["name"] for comp in status["components"]} == {"s3", "engine"}
    assert all(comp["ready"] for comp in status["components"])
    assert box.run("demo", "status").returncode == 0

    hello = "hw" + uuid.uuid4().hex[:10]
    box.pyflyte_run(hello, "hello_world.py", "hello_wf", "--name", "container")
    token = "from the host " + uuid.uuid4().hex[:8]
    local = tmp_path / "note.txt"
    local.write_text(token)
    files = "ff" + uuid.uuid4().hex[:10]
    box.pyflyte_run(files, "files.py", "file_input_wf", "--f", str(local))

    def outputs():
        got = {}
        for name, expected in ((hello, "Hello, container!"), (files, token.upper())):
            ex = box.finished(name)
            got[name] = ex.outputs.get("o0", as_type=str)
            assert got[name] == expected
        return got

    before = outputs()
    ex = box.remote().fetch_execution(name=files)
    uploaded = box.remote().client.get_execution_data(ex.id).full_inputs.literals["f"]
    assert uploaded.scalar.blob.uri.startswith("s3://my-s3-bucket/"), uploaded

    logs = box.run("demo", "logs", "engine")
    assert logs.returncode == 0 and files in logs.stdout, logs.stderr
    inside = box.run("demo", "exec", "--", "sh", "-c", "echo $FLYTE_PLATFORM_URL; id -un")
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout.split() == ["localhost:30080", "flytebox"]
    assert box.run("demo", "exec", "--", "sh", "-c", "exit 7").returncode == 7

    stopped = box.run("demo", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not container(box.name)["State"]["Running"]
    assert box.run("demo", "status").returncode == 1
    assert volume_exists(box.name)
    assert "SUCCEEDED" in box.run("demo", "logs", "engine").stdout  # read from the volume

    again = box.start()
    assert container(box.name)["Id"] == first_id, again.stderr  # resumed, not recreated
    assert "container resumed" in again.stderr
    assert outputs() == before

    down = box.run("demo", "teardown", "--volume")
    assert down.returncode == 0, down.stderr
    assert container(box.name) is None
    assert not volume_exists(box.name)
    assert not box.flyte_config.exists()
    assert not (box.state / "container.json").exists()
    assert engine("image", "inspect", IMAGE).returncode == 0  # the image stays


def test_a_taken_port_fails_fast_and_creates_nothing(box):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", box.s3_port))
        taken.listen()
        proc = box.start(check=False)
    assert proc.returncode == 4, proc.stderr
    assert f"port {box.s3_port}" in proc.stderr and "--s3-port" in proc.stderr
    assert f"pid {os.getpid()}" in proc.stderr
    assert container(box.name) is None
    assert not volume_exists(box.name)
    assert not box.flyte_config.exists()


def test_already_running_is_exit_3_and_force_replaces_it_keeping_the_data(box):
    box.start()
    from flyteidl.admin import project_pb2
    import grpc
    from flyteidl.service import admin_pb2_grpc

    project = "keep" + uuid.uuid4().hex[:8]
    channel = grpc.insecure_channel(f"localhost:{box.port}")
    admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=project, name=project)), timeout=10)
    channel.close()
    first = container(box.name)["Id"]

    again = box.start(check=False)
    assert again.returncode == 3 and "already running" in again.stderr
    assert container(box.name)["Id"] == first

    box.start("--force")
    assert container(box.name)["Id"] != first
    channel = grpc.insecure_channel(f"localhost:{box.port}")
    projects = admin_pb2_grpc.AdminServiceStub(channel).ListProjects(
        project_pb2.ProjectListRequest(limit=100), timeout=10)
    channel.close()
    assert project in {p.id for p in projects.projects}


def test_not_ready_in_time_is_exit_5_and_leaves_the_container_stopped(box):
    proc = box.start("--wait-timeout", "0.001", check=False)
    assert proc.returncode == 5, proc.stderr
    assert "not ready within" in proc.stderr
    assert not container(box.name)["State"]["Running"]
    box.start()  # nothing stands in the way of a proper start
    assert box.status()["ready"]


def test_postgres_metadata_on_its_published_port(box):
    db_port = free_port()
    box.start("--db", "postgres", "--db-port", str(db_port))
    status = box.status()
    assert {comp["name"] for comp in status["components"]} == {"postgres", "s3", "engine"}
    ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(db_port)],
                           capture_output=True, text=True, timeout=30)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    name = "pg" + uuid.uuid4().hex[:10]
    box.pyflyte_run(name, "hello_world.py", "hello_wf", "--name", "postgres")
    assert box.finished(name).outputs.get("o0", as_type=str) == "Hello, postgres!"

    # The engine's role owns its database and is no superuser; the superuser initdb made
    # takes no TCP connection, only the container user's through the Unix socket (peer).
    creds = json.loads(engine("exec", box.name, "cat", "/var/lib/flytebox/credentials.json").stdout)

    def psql(user, sql, password=creds["db_password"]):
        return subprocess.run(["psql", f"host=127.0.0.1 port={db_port} user={user} dbname=postgres",
                               "-AtX", "-c", sql], env=dict(os.environ, PGPASSWORD=password),
                              capture_output=True, text=True, timeout=30)

    me = psql("flytebox_engine", "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                                 "WHERE rolname = current_user")
    assert me.stdout.strip() == "f|f|f", me.stdout + me.stderr
    sessions = psql("flytebox_engine", "SELECT DISTINCT usename FROM pg_stat_activity WHERE "
                                       "backend_type = 'client backend' AND pid <> pg_backend_pid()")
    assert sessions.stdout.split() == ["flytebox_engine"], sessions.stdout + sessions.stderr
    su = psql(creds["db_user"], "SELECT 1")
    assert su.returncode != 0 and "rejects connection" in su.stderr, su.stdout + su.stderr
    inside = engine("exec", "-u", "flytebox", box.name, "/usr/lib/postgresql/15/bin/psql", "-h",
                    "/var/lib/flytebox/postgres", "-p", "30001", "-U", creds["db_user"], "-AtX",
                    "-d", "postgres", "-c", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert inside.stdout.strip() == "t", inside.stdout + inside.stderr

    # Nothing inside listens on the container's network beyond the published ports.
    assert listening_ports(box.name) == {30080, 30002, 30001}


LISTENERS = """
import socket, struct
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(name).read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A":
            print(local)
"""


def listening_ports(name: str) -> set:
    """The TCP ports listening inside the container on an address other than loopback."""
    proc = engine("exec", name, "python3", "-c", LISTENERS)
    assert proc.returncode == 0, proc.stderr
    ports = set()
    for local in proc.stdout.split():
        addr, port = local.split(":")
        loopback = addr in ("0100007F", "00000000000000000000000001000000") or (
            len(addr) == 8 and addr.endswith("7F"))
        if not loopback:
            ports.add(int(port, 16))
    return ports


def test_without_postgres_only_the_api_and_s3_ports_listen_beyond_loopback(box):
    """Without --db postgres no Postgres runs at all, and nothing but the engine's API and the
    S3 port (both published) listens on the container's network; with --auth the same."""
    box.start("--auth")
    assert {comp["name"] for comp in box.status()["components"]} == {"s3", "engine"}
    assert listening_ports(box.name) == {30080, 30002}
    processes = engine("exec", box.name, "sh", "-c", "cat /proc/[0-9]*/comm")
    assert processes.returncode == 0, processes.stderr
    assert "postgres" not in processes.stdout.split()


def post(port: int, path: str, body: bytes, headers: dict):
    """A POST with exactly these headers (Host included), as a browser page could send it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def test_web_page_attacks_on_the_published_port_are_refused(box):
    """The browser attacks of the security suite, sent to the container's published port: a
    body without a JSON type (415), a foreign Origin (403), a rebinding Host (421); the same
    request as the owner's tools send it is the control that works."""
    box.start()
    project = "web" + uuid.uuid4().hex[:8]
    body = json.dumps({"project": {"id": project, "name": project}}).encode()
    own = f"localhost:{box.port}"
    for headers, status in (({"Host": own}, 415),
                            ({"Host": own, "Content-Type": "text/plain"}, 415),
                            ({"Host": own, "Content-Type": "application/json",
                              "Origin": "http://evil.example"}, 403),
                            ({"Host": f"attacker.example:{box.port}",
                              "Content-Type": "application/json"}, 421)):
        got, text = post(box.port, "/api/v1/projects", body, headers)
        assert got == status, (headers, got, text)

    def projects():
        with urllib.request.urlopen(f"http://127.0.0.1:{box.port}/api/v1/projects?limit=1000",
                                    timeout=30) as r:
            return {p["id"] for p in json.loads(r.read())["projects"]}

    assert project not in projects()
    got, text = post(box.port, "/api/v1/projects", body,
                     {"Host": own, "Content-Type": "application/json"})
    assert got == 200, text
    assert project in projects()


def test_dry_run_prints_the_commands_and_runs_none(box):
    proc = box.run(*box.start_args("--dry-run"))
    assert proc.returncode == 0, proc.stderr
    assert f"{ENGINE} run -d --name {box.name} --pull never" in proc.stdout
    assert f"127.0.0.1:{box.port}:30080" in proc.stdout
    assert container(box.name) is None
    assert not volume_exists(box.name)
    assert not box.flyte_config.exists()


def test_auth_pyflyte_works_with_the_written_config_and_calls_without_a_token_are_refused(box):
    import base64
    import time
    import urllib.error

    import grpc
    from flyteidl.admin import project_pb2
    from flyteidl.service import admin_pb2_grpc

    box.start("--auth", "--auth-token-ttl", "5")
    config = box.flyte_config.read_text()
    assert "  authType: ClientSecret\n" in config, config
    secret_file = box.home / ".flyte" / "sandbox-client-secret"
    assert oct(secret_file.stat().st_mode & 0o777) == "0o600"
    channel = grpc.insecure_channel(f"localhost:{box.port}")
    try:
        with pytest.raises(grpc.RpcError) as err:
            admin_pb2_grpc.AdminServiceStub(channel).ListProjects(
                project_pb2.ProjectListRequest(), timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        channel.close()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://localhost:{box.port}/api/v1/projects", timeout=10)
    assert refused.value.code == 401

    name = "auth" + uuid.uuid4().hex[:10]
    box.pyflyte_run(name, "hello_world.py", "hello_wf", "--name", "auth")
    assert box.finished(name).outputs.get("o0", as_type=str) == "Hello, auth!"

    client_id = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                     if "clientId:" in line)
    basic = base64.b64encode(f"{client_id}:{secret_file.read_text().strip()}".encode()).decode()
    req = urllib.request.Request(f"http://localhost:{box.port}/oauth2/token",
                                 data=b"grant_type=client_credentials", method="POST",
                                 headers={"Authorization": "Basic " + basic})
    with urllib.request.urlopen(req, timeout=10) as r:
        access = json.loads(r.read())["access_token"]
    ok = urllib.request.Request(f"http://localhost:{box.port}/api/v1/projects",
                                headers={"Authorization": "Bearer " + access})
    with urllib.request.urlopen(ok, timeout=10) as r:
        assert r.status == 200
    time.sleep(6)
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(ok, timeout=10)
    assert expired.value.code == 401 and b"expired" in expired.value.read()


# Asks each port for HTTP; "answered" only when an HTTP server replied (a bare TCP connect
# is not enough: some networks accept every connection and forward it on).
PROBE = ("import socket, sys\n"
         "for port in (30080, 30002):\n"
         "    try:\n"
         "        s = socket.create_connection((sys.argv[1], port), timeout=3)\n"
         "        s.sendall(b'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n')\n"
         "        data = s.recv(64)\n"
         "        print(port, 'answered' if data.startswith(b'HTTP/') else 'no answer')\n"
         "    except OSError as e:\n"
         "        print(port, 'no answer', e)\n")


def test_a_neighbouring_container_cannot_reach_the_sandbox(box):
    box.start()
    settings = container(box.name)["NetworkSettings"]
    if ENGINE == "podman":
        # slirp4netns: the sandbox has no address on any bridge, so there is nothing another
        # container could connect to (its 10.0.2.100 exists only inside its own namespace;
        # outside, that address is not ours to send to).
        assert not settings.get("IPAddress"), settings
        assert not any(n.get("IPAddress") for n in (settings.get("Networks") or {}).values())
        assert box.healthz() == 200  # the published port still leads in
        box.run("demo", "teardown", "--volume", "--runtime", ENGINE, "--name", box.name,
                check=True)
        return
    networks = settings["Networks"]
    assert list(networks) == [box.name + "-net"], networks
    address = networks[box.name + "-net"]["IPAddress"]
    assert address
    # A container of this test on the default bridge, as any other container would be.
    neighbour = engine("run", "--rm", "--pull", "never", IMAGE, "python3", "-c", PROBE, address,
                       timeout=60)
    assert neighbour.returncode == 0, neighbour.stderr
    assert "answered" not in neighbour.stdout, neighbour.stdout
    # Control: on the sandbox's own network the same probe gets through, so the refusal
    # above is the network's doing.
    inside = engine("run", "--rm", "--pull", "never", "--network", box.name + "-net", IMAGE,
                    "python3", "-c", PROBE, address, timeout=60)
    assert inside.stdout.count("answered") == 2, inside.stdout + inside.stderr
    assert box.healthz() == 200  # the published port still leads in

    box.run("demo", "teardown", "--volume", "--runtime", ENGINE, "--name", box.name, check=True)
    assert engine("network", "inspect", box.name + "-net").returncode != 0



class Published:
    """The container's engine as the security suite's checks address an engine: its published
    port, its log, and whether it still runs."""

    def __init__(self, box: Box):
        self.box = box
        self.port = box.port
        self.endpoint = f"localhost:{box.port}"
        self.proc = self

    def poll(self):
        state = (container(self.box.name) or {}).get("State", {})
        return None if state.get("Running") else state.get("ExitCode", 1)

    def log_text(self) -> str:
        return self.box.logs()


def get_json(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return json.loads(r.read())


def run_raw_task(target: Published, command: str, output: str, folder: bool = False) -> dict:
    """Runs `sh -c command` inside the sandbox as a raw-container task with one output read
    from /var/outputs/<output> (a string, or a folder); returns the execution."""
    import test_security as attacks
    from flyteidl.core import types_pb2

    job = attacks.Attack(pathlib.Path("/nonexistent"), "ctr")
    template = job.task.spec.template
    var = template.interface.outputs.variables[output]
    if folder:
        var.type.blob.dimensionality = types_pb2.BlobType.MULTIPART
    else:
        var.type.simple = types_pb2.STRING
    template.container.data_config.enabled = True
    template.container.data_config.input_path = "/var/inputs"
    template.container.data_config.output_path = "/var/outputs"
    template.container.command[:] = ["sh", "-c", command]
    attacks.submit_and_wait(target, job)
    return get_json(target.port, f"/api/v1/executions/flytesnacks/development/"
                                 f"{job.execution.name}")


def test_engine_attacks_on_the_published_port_are_refused(box):
    """The security suite's attacks on the engine itself, sent to the container's published
    port: the 200,000-deep chain, a list limit of 2^32-1, names that are not file names, 600
    idle connections, a link loop in a task's outputs. Each is refused or contained and the
    engine serves on. A task inside sees none of the sandbox's secrets."""
    import grpc
    from flyteidl.service import admin_pb2_grpc
    import test_security as attacks

    box.start()
    target = Published(box)
    channel = grpc.insecure_channel(target.endpoint)
    try:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        attacks.test_200000_deep_sub_workflow_chain_is_invalid_argument(target, stub)
        attacks.test_huge_list_limit_is_capped(target, stub)
        for name in ("../../escape", "a/b", ".."):
            attacks.test_variable_names_that_are_not_file_names_are_refused(target, stub, name)
        attacks.test_600_idle_connections_do_not_starve_healthz(target, stub)
    finally:
        channel.close()

    loop = run_raw_task(target, "mkdir -p /var/outputs/d && echo A > /var/outputs/d/a.txt && "
                                "ln -s loop /var/outputs/d/loop", "d", folder=True)
    assert loop["closure"]["phase"] == "FAILED", (loop, box.logs())
    assert "symbolic link" in loop["closure"]["error"]["message"], loop
    attacks.assert_engine_serving(target)

    env = run_raw_task(target, "env > /var/outputs/o", "o")
    assert env["closure"]["phase"] == "SUCCEEDED", (env, box.logs())
    data = get_json(box.port, "/api/v1/data/executions/flytesnacks/development/" + env["id"]["name"])
    text = data["full_outputs"]["literals"]["o"]["scalar"]["primitive"]["string_value"]
    assert "PATH=" in text, text
    for name in ("FLYTEBOX_", "PGPASSWORD"):
        assert name not in text, f"the task's environment names {name}:\n{text}"
    creds = json.loads(engine("exec", box.name, "cat", "/var/lib/flytebox/credentials.json").stdout)
    for key in ("url_secret", "db_password", "client_secret", "s3_secret_key"):
        assert not creds.get(key) or creds[key] not in text, f"the task sees {key}"

def test_tasks_get_the_tasks_s3_account_limited_to_the_bucket(box):
    """Issue 11, item 4 in the image: a flytekit task's environment holds the tasks' own S3
    keys, not versitygw's root keys, and with them it is refused other buckets, bucket
    changes and admin calls, while its own objects go through (tests/e2e/s3_probe.py)."""
    import botocore.session
    from botocore.config import Config

    box.start()
    cat = engine("exec", box.name, "cat", "/var/lib/flytebox/credentials.json")
    assert cat.returncode == 0, cat.stderr
    creds = json.loads(cat.stdout)
    assert creds["s3_task_access_key"] and creds["s3_task_access_key"] != creds["s3_access_key"]
    root = botocore.session.get_session().create_client(
        "s3", endpoint_url=f"http://localhost:{box.s3_port}", region_name="us-east-1",
        aws_access_key_id=creds["s3_access_key"], aws_secret_access_key=creds["s3_secret_key"],
        config=Config(s3={"addressing_style": "path"}))
    other = "other-" + uuid.uuid4().hex[:8]
    root.create_bucket(Bucket=other)
    root.put_object(Bucket=other, Key="secret", Body=b"not for tasks")

    env = dict(box.env, FLYTECTL_CONFIG=str(box.flyte_config))
    outputs = {}
    for script, workflow, inputs in [("env_report.py", "report_wf", []),
                                     ("s3_probe.py", "probe_wf", ["--other_bucket", other])]:
        name = "s3iam" + uuid.uuid4().hex[:10]
        proc = subprocess.run([str(VENV / "bin" / "pyflyte"), "run", "--remote", "--name", name,
                               script, workflow, *inputs], cwd=str(REPO / "tests" / "e2e"),
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}\n{box.logs()}"
        outputs[workflow] = json.loads(box.finished(name).outputs.get("o0", as_type=str))

    environ = outputs["report_wf"]["environ"]
    assert environ["FLYTE_AWS_ACCESS_KEY_ID"] == creds["s3_task_access_key"]
    initial = "\n".join(outputs["report_wf"]["initial"])
    for secret in (creds["s3_access_key"], creds["s3_secret_key"]):
        assert secret not in json.dumps(environ) and secret not in initial
    probe = outputs["probe_wf"]
    for attempt in ("create_bucket", "get_other", "list_other", "put_other", "copy_from_other",
                    "delete_other", "delete_own_bucket", "put_own_policy"):
        assert probe[attempt] == {"error": "AccessDenied"}, (attempt, probe)
    assert probe["list_buckets"] == {"ok": []}, probe
    assert probe["admin_create_user"] == "403 XAdminAccessDenied", probe
    assert probe["get_own"] == {"ok": "mine"}, probe
    assert {b["Name"] for b in root.list_buckets()["Buckets"]} == {"my-s3-bucket", other}
    assert root.get_object(Bucket=other, Key="secret")["Body"].read() == b"not for tasks"
