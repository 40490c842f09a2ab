"""Attacks on a running engine, sent for real; each must be refused and leave nothing behind.

The engine runs with its executor, as in a sandbox. The attack of issue 11: a web page sends
a "simple" request (no CORS preflight) that registers a raw-container task running
`sh -c "id > FILE"`, and a second one that launches it. Every variant must be refused before
it is read, by the real HTTP stack and by a real headless Chromium loading a page of another
origin; the same requests sent as the owner's tools send them must work, so the refusals are
the guard's doing, not a broken request.
"""
import datetime
import http.server
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import grpc
import pytest
import requests
from flyteidl.admin import common_pb2
from flyteidl.admin import execution_pb2
from flyteidl.admin import launch_plan_pb2
from flyteidl.admin import project_pb2
from flyteidl.admin import task_pb2
from flyteidl.admin import workflow_pb2
from flyteidl.core import identifier_pb2
from flyteidl.core import interface_pb2
from flyteidl.core import tasks_pb2
from flyteidl.core import types_pb2
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase
from google.protobuf import json_format

from conftest import Engine, pyflyte, wait_for

HERE = pathlib.Path(__file__).resolve().parent

PROJECT = "flytesnacks"
DOMAIN = "development"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# Secrets in the engine's own environment, as the supervisor gives them; none may reach a
# task. FLYTE_AWS_* included: the store here is the local filesystem, so tasks get no S3
# credentials at all.
CANARY = "canary" + uuid.uuid4().hex[:8]
ENGINE_SECRETS = {
    "FLYTEBOX_URL_SECRET": CANARY + "-url-secret",
    "PGPASSWORD": CANARY + "-pg",
    "FLYTEBOX_S3_SECRET_KEY": CANARY + "-s3",
    "FLYTE_AWS_SECRET_ACCESS_KEY": CANARY + "-aws",
    "FLYTE_AWS_ACCESS_KEY_ID": CANARY + "-aws-id",
    "SOME_TOKEN": CANARY + "-token",
}


@pytest.fixture(scope="module")
def engine():
    with tempfile.TemporaryDirectory(prefix="flytebox-security-") as tmp:
        e = Engine(pathlib.Path(tmp), os.environ.get("FLYTEBOX_TEST_DATABASE", ""),
                   extra_env=ENGINE_SECRETS)
        try:
            yield e
        finally:
            e.stop()


def to_json(msg) -> str:
    return json_format.MessageToJson(msg, preserving_proto_field_name=True)


def raw_task(name: str, command: str) -> task_pb2.TaskCreateRequest:
    """A raw-container task running `sh -c command`, as the attack registers it."""
    tid = identifier_pb2.Identifier(resource_type=identifier_pb2.TASK, project=PROJECT,
                                    domain=DOMAIN, name=name, version="v1")
    template = tasks_pb2.TaskTemplate(
        id=tid, type="raw-container", interface=interface_pb2.TypedInterface(),
        metadata=tasks_pb2.TaskMetadata(
            runtime=tasks_pb2.RuntimeMetadata(type=tasks_pb2.RuntimeMetadata.OTHER)),
        container=tasks_pb2.Container(image="debian:12-slim",
                                      command=["sh", "-c", command]))
    return task_pb2.TaskCreateRequest(id=tid, spec=task_pb2.TaskSpec(template=template))


def launch(task: task_pb2.TaskCreateRequest, name: str) -> execution_pb2.ExecutionCreateRequest:
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=name)
    req.spec.launch_plan.CopyFrom(task.id)
    return req


class Attack:
    """One attack's task and execution, and what it would leave behind."""

    def __init__(self, workdir: pathlib.Path, tag: str):
        self.name = f"pwn_{tag}_{uuid.uuid4().hex[:6]}"
        self.marker = workdir / f"{self.name}.txt"
        self.task = raw_task(self.name, f"id > {self.marker}")
        self.execution = launch(self.task, "e" + uuid.uuid4().hex[:12])

    def task_json(self) -> str:
        return to_json(self.task)

    def execution_json(self) -> str:
        return to_json(self.execution)


def task_exists(engine, name: str) -> bool:
    r = requests.get(f"http://127.0.0.1:{engine.port}/api/v1/tasks/{PROJECT}/{DOMAIN}/{name}",
                     params={"limit": "10"}, timeout=30)
    assert r.status_code == 200, r.text
    return bool(r.json().get("tasks"))


def execution_exists(engine, name: str) -> bool:
    r = requests.get(f"http://127.0.0.1:{engine.port}/api/v1/executions/{PROJECT}/{DOMAIN}/{name}",
                     timeout=30)
    assert r.status_code in (200, 404), r.text
    return r.status_code == 200


def assert_nothing_created(engine, attack: Attack) -> None:
    assert not task_exists(engine, attack.name), f"task {attack.name} was registered"
    assert not execution_exists(engine, attack.execution.name), "the execution was created"
    assert not attack.marker.exists(), f"the attack's command ran: {attack.marker.read_text()}"


def raw_request(port: int, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, str]:
    """A request written byte by byte, so that no client library adds or fixes a header;
    the answer is read up to its Content-Length."""
    head = [f"{method} {path} HTTP/1.1", "Connection: close"]
    if body:
        head.append(f"Content-Length: {len(body)}")
    head += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            assert chunk, f"the connection closed before an answer: {data!r}"
            data += chunk
        header, _, rest = data.partition(b"\r\n\r\n")
        lines = header.decode(errors="replace").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    return int(lines[0].split()[1]), rest[:length].decode(errors="replace")


def raw_post(port: int, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    return raw_request(port, "POST", path, headers, body)


def assert_engine_serving(engine) -> None:
    r = requests.get(f"http://127.0.0.1:{engine.port}/healthz", timeout=10)
    assert r.status_code == 200, r.text
    assert engine.proc.poll() is None, "the engine exited"


# --- item 1: browsers can't reach it --------------------------------------------------------


def test_the_attack_works_when_sent_as_the_owner_sends_it(engine):
    """The control: the very requests of the attacks below, with a JSON type, no Origin and
    the sandbox's Host, register and run the task. So the refusals below are the guard's."""
    attack = Attack(engine.workdir, "owner")
    base = f"http://localhost:{engine.port}"
    r = requests.post(base + "/api/v1/tasks", data=attack.task_json(),
                      headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30)
    assert r.status_code == 200, r.text
    r = requests.post(base + "/api/v1/executions", data=attack.execution_json(),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    wait_for(attack.marker.exists, timeout=120, what="the owner's raw-container task to run")


@pytest.mark.parametrize("headers", [
    {},                                            # fetch(..., {body: new Blob([json])})
    {"Content-Type": "text/plain;charset=UTF-8"},  # fetch(..., {body: json})
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {"Content-Type": "text/plain; application/json"},  # substrings are not the type
    {"Content-Type": "application/jsonx"},
    {"Content-Type": "application/json-patch+json"},
], ids=["none", "text", "form", "multipart", "text-with-json", "jsonx", "json-patch"])
def test_simple_requests_without_a_json_type_get_415(engine, headers):
    attack = Attack(engine.workdir, "type")
    for path, body in (("/api/v1/tasks", attack.task_json()),
                       ("/api/v1/executions", attack.execution_json())):
        status, text = raw_post(engine.port, path, body.encode(),
                                {"Host": f"localhost:{engine.port}", **headers})
        assert status == 415, text
        err = json.loads(text)
        assert err["code"] == 3, err
        assert "application/json or application/octet-stream" in err["message"], err
    assert_nothing_created(engine, attack)


def test_foreign_origin_gets_403(engine):
    attack = Attack(engine.workdir, "origin")
    for origin in ("http://evil.example", f"http://localhost:{engine.port + 1}",
                   f"https://localhost:{engine.port}", "null", f"http://127.0.0.2:{engine.port}"):
        for path, body in (("/api/v1/tasks", attack.task_json()),
                           ("/api/v1/executions", attack.execution_json())):
            # Even with the right type: a page may set it (after a preflight we never answer).
            status, text = raw_post(engine.port, path, body.encode(),
                                    {"Host": f"localhost:{engine.port}", "Origin": origin,
                                     "Content-Type": "application/json"})
            assert status == 403, (origin, text)
            assert origin in json.loads(text)["message"]
    r = requests.get(f"http://localhost:{engine.port}/api/v1/projects",
                     headers={"Origin": "http://evil.example"}, timeout=30)
    assert r.status_code == 403, r.text
    assert_nothing_created(engine, attack)


def test_own_origin_is_allowed(engine):
    """The console (served on the same port) calls the API with its own origin."""
    for host in ("localhost", "127.0.0.1", "[::1]"):
        r = requests.get(f"http://127.0.0.1:{engine.port}/api/v1/projects",
                         headers={"Origin": f"http://{host}:{engine.port}",
                                  "Host": f"{host}:{engine.port}"}, timeout=30)
        assert r.status_code == 200, (host, r.text)


def test_rebinding_host_gets_421(engine):
    """DNS rebinding: a page of attacker.example whose name now resolves to 127.0.0.1 is
    same-origin to itself, so it sends no Origin on a GET and may read the answer; the
    Host header still names the attacker's domain."""
    attack = Attack(engine.workdir, "host")
    for host in (f"attacker.example:{engine.port}", "attacker.example", f"localhost:{engine.port + 1}",
                 f"127.0.0.1.nip.io:{engine.port}", f"localhost.:{engine.port}", ""):
        for method, path, body, ctype in (
                ("GET", "/api/v1/projects", None, None),
                ("GET", "/healthz", None, None),
                ("GET", "/logs/anything", None, None),
                ("GET", "/blobs/metadata/x?expires=1&signature=x", None, None),
                ("POST", "/api/v1/tasks", attack.task_json(), "application/json")):
            headers = {"Host": host} if host else {}
            if body:
                headers["Content-Type"] = ctype
            status, text = raw_request(engine.port, method, path, headers,
                                       body.encode() if body else b"")
            assert status in (421, 400), (host, method, path, text)
    assert_nothing_created(engine, attack)
    assert_engine_serving(engine)


def test_cross_site_subresource_get_refused(engine):
    """An <img> or <script> of another site sends no Origin but Sec-Fetch-Site."""
    base = f"http://localhost:{engine.port}"
    r = requests.get(base + "/api/v1/projects", timeout=30,
                     headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert r.status_code == 403, r.text
    r = requests.get(base + "/api/v1/projects", timeout=30,
                     headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"})
    assert r.status_code == 200, r.text


def read_response(s: socket.socket) -> bytes:
    """One whole HTTP response: its head and body may come in separate packets."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        if sep and length and len(body) >= int(length.group(1)):
            return data


def test_rest_body_over_the_grpc_limit_refused_before_it_is_read(engine):
    """The size is judged from Content-Length: the engine answers 413 without waiting for
    (or buffering) a body that is never sent."""
    with socket.create_connection(("127.0.0.1", engine.port), timeout=30) as s:
        s.sendall((f"POST /api/v1/executions HTTP/1.1\r\nHost: localhost:{engine.port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {64 << 20}\r\n\r\n").encode())
        s.sendall(b"{" * 1024)
        data = read_response(s)
    assert data.startswith(b"HTTP/1.1 413"), data[:300]
    assert b"at most 33554432" in data
    assert_engine_serving(engine)


def test_presigned_upload_still_works_without_a_type(engine, remote_fs_upload):
    """flytekit PUTs its uploads with no Content-Type: the guard lets those through."""
    assert remote_fs_upload


@pytest.fixture(scope="module")
def remote_fs_upload(engine):
    """Uploads a file the way `pyflyte run --remote` does (the real flytekit)."""
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    remote = FlyteRemote(Config.for_endpoint(engine.endpoint, insecure=True),
                         default_project=PROJECT, default_domain=DOMAIN)
    src = engine.workdir / "upload.txt"
    src.write_bytes(b"x" * 1000)
    md5, url = remote.upload_file(src)
    assert url, "no upload location"
    return url


class PageServer:
    """A page of another origin: the attacker's site, on its own port."""

    def __init__(self, html: str):
        self.reports = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path.startswith("/report"):
                    outer.reports.append(self.path)
                    body = b"ok"
                else:
                    body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


ATTACK_PAGE = """<!doctype html><html><body><script>
const engine = "http://localhost:%(port)d";
const attacks = %(attacks)s;
async function run() {
  const done = [];
  for (const a of attacks) {
    // The no-cors "simple" requests: no preflight, the answer unreadable but the request sent.
    for (const [path, body] of [["/api/v1/tasks", a.task], ["/api/v1/executions", a.execution]]) {
      try {
        await fetch(engine + path, {method: "POST", mode: "no-cors",
                                    body: a.kind == "blob" ? new Blob([body]) : body});
        done.push(a.kind + path);
      } catch (e) { done.push("error:" + a.kind + path + ":" + e); }
    }
  }
  // A form POST, as a hidden form would send it (the page navigates away after).
  await fetch("/report?" + encodeURIComponent(done.join(",")));
  const form = document.createElement("form");
  form.method = "POST"; form.enctype = "text/plain";
  form.action = engine + "/api/v1/tasks";
  const field = document.createElement("input");
  field.name = attacks[2].task.slice(0, -1) + ',"x":"'; field.value = '"}';
  form.appendChild(field); document.body.appendChild(form); form.submit();
}
run();
</script></body></html>"""


def test_headless_chromium_page_of_another_origin_creates_nothing(engine, tmp_path):
    attacks = [Attack(engine.workdir, "blob"), Attack(engine.workdir, "text"),
               Attack(engine.workdir, "form")]
    kinds = [{"kind": kind, "task": a.task_json(), "execution": a.execution_json()}
             for kind, a in zip(("blob", "text", "form"), attacks)]
    page = PageServer(ATTACK_PAGE % {"port": engine.port, "attacks": json.dumps(kinds)})
    log_before = len(engine.log_text())
    profile = tmp_path / "chromium-profile"
    browser = subprocess.Popen(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={profile}",
         f"http://127.0.0.1:{page.port}/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: page.reports, timeout=120, what="the attack page to report")
        # The form POST navigates; the engine logs its refusal.
        wait_for(lambda: engine.log_text()[log_before:].count("refused POST /api/v1/tasks") >= 3,
                 timeout=60, what="the engine to see every POST of the page")
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=20)
        except subprocess.TimeoutExpired:
            browser.kill()
            browser.wait()
        page.stop()
    report = page.reports[0]
    assert "error" not in report, report  # every request left the browser
    log = engine.log_text()[log_before:]
    # The engine saw them and refused them at the door: 4 fetches plus the form.
    assert log.count("refused POST /api/v1/tasks") >= 3, log[-3000:]
    assert log.count("refused POST /api/v1/executions") >= 2, log[-3000:]
    assert "origin 'http://127.0.0.1:%d'" % page.port in log, log[-3000:]
    time.sleep(2)  # were anything launched, its task would have had time to start
    for a in attacks:
        assert_nothing_created(engine, a)
    assert_engine_serving(engine)


# --- item 4: tasks get only what they need --------------------------------------------------


def run_raw(engine, tag: str, command: str, timeout=120) -> Attack:
    """Registers and launches a raw-container task as the owner does, and waits for it."""
    job = Attack(engine.workdir, tag)
    job.task = raw_task(job.name, command.replace("MARKER", str(job.marker)))
    job.execution = launch(job.task, "e" + uuid.uuid4().hex[:12])
    return submit_and_wait(engine, job, timeout)


def submit_and_wait(engine, job: Attack, timeout=120) -> Attack:
    """Registers the job's task and launches it as the owner does, and waits for its end."""
    base = f"http://localhost:{engine.port}"
    for path, body in (("/api/v1/tasks", job.task_json()),
                       ("/api/v1/executions", job.execution_json())):
        r = requests.post(base + path, data=body, headers={"Content-Type": "application/json"},
                          timeout=30)
        assert r.status_code == 200, r.text
    wait_for(lambda: execution_phase(engine, job.execution.name) in ("SUCCEEDED", "FAILED"),
             timeout=timeout, what=f"execution {job.execution.name}")
    return job


def execution_phase(engine, name: str) -> str:
    r = requests.get(f"http://127.0.0.1:{engine.port}/api/v1/executions/{PROJECT}/{DOMAIN}/{name}",
                     timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["closure"].get("phase", "UNDEFINED")


def assert_no_secret(where: str, text: str) -> None:
    assert CANARY not in text, f"{where} holds an engine secret:\n{text}"
    for name in ("FLYTEBOX_", "PGPASSWORD", "FLYTE_AWS_"):
        assert name not in text, f"{where} names {name}:\n{text}"


def test_raw_container_task_gets_an_allow_listed_environment_and_stdio_only(engine):
    job = run_raw(engine, "env", "env > MARKER.env; tr '\\0' '\\n' < /proc/$$/environ > "
                                 "MARKER.initial; ls -l /proc/self/fd > MARKER.fds; echo done > MARKER")
    assert execution_phase(engine, job.execution.name) == "SUCCEEDED", engine.log_text()[-3000:]
    env = pathlib.Path(f"{job.marker}.env").read_text()
    assert_no_secret("the task's environment", env)
    assert_no_secret("the task's initial environment", pathlib.Path(f"{job.marker}.initial").read_text())
    names = {line.split("=", 1)[0] for line in env.splitlines() if "=" in line}
    assert {"PATH", "HOME", "FLYTE_PLATFORM_URL"} <= names, names
    # Nothing of the engine's: no socket, pipe, database or engine file (the shell keeps a
    # copy of its stdin, /dev/null, and `ls` its own folder handle).
    fds = pathlib.Path(f"{job.marker}.fds").read_text()
    targets = [line.split(" -> ", 1)[1] for line in fds.splitlines() if " -> " in line]
    assert targets, fds
    for target in targets:
        assert not target.startswith(("socket:", "pipe:", "anon_inode:")), fds
        assert target == "/dev/null" or target.startswith(str(job.marker)) or \
            target.startswith("/proc/") or "/logs/" in target, fds


@pytest.fixture(scope="module")
def report_version(engine):
    v = "v" + uuid.uuid4().hex[:8]
    pyflyte(engine, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", v,
            str(HERE / "env_report.py"), cwd=str(HERE))
    return v


def test_flytekit_task_environment_is_allow_listed(engine, remote, report_version):
    """A flytekit task runs forked from the task host: neither its environment nor the one
    the kernel recorded for the host (visible in /proc/self/environ) holds a secret."""
    lp = remote.fetch_launch_plan(name="env_report.report_wf", version=report_version)
    ex = remote.wait(remote.execute(lp, inputs={}, wait=False),
                     timeout=datetime.timedelta(seconds=180))
    assert ex.closure.phase == Phase.SUCCEEDED, (ex.closure.error, engine.log_text()[-3000:])
    report = json.loads(ex.outputs.get("o0", as_type=str))
    assert_no_secret("the task's os.environ", json.dumps(report["environ"]))
    assert_no_secret("the task's /proc/self/environ", "\n".join(report["initial"]))
    assert report["environ"].get("FLYTE_PLATFORM_URL") == f"localhost:{engine.port}"
    assert "HOME" in report["environ"]


# --- item 5: bad input can't crash or corrupt the engine ------------------------------------


def test_a_link_loop_in_a_raw_containers_outputs_fails_that_task_not_the_engine(engine):
    """A raw-container task leaves a symbolic link loop in its output folder: that task fails
    saying why, the engine serves on, and after a restart (SIGKILL, then resuming what was
    stored) it is up, the execution still FAILED."""
    job = Attack(engine.workdir, "loop")
    template = job.task.spec.template
    template.interface.outputs.variables["d"].type.blob.dimensionality = \
        types_pb2.BlobType.MULTIPART
    template.container.data_config.enabled = True  # outputs collected from its folder
    template.container.data_config.output_path = "/var/flyte/outputs"
    template.container.data_config.input_path = "/var/flyte/inputs"
    template.container.command[:] = [
        "sh", "-c", "mkdir -p /var/flyte/outputs/d && echo A > /var/flyte/outputs/d/a.txt && "
                    f"ln -s loop /var/flyte/outputs/d/loop && echo ran > {job.marker}"]
    submit_and_wait(engine, job)
    name = job.execution.name
    base = f"http://localhost:{engine.port}"
    assert job.marker.exists(), "the task did not run"
    assert execution_phase(engine, name) == "FAILED", engine.log_text()[-3000:]
    r = requests.get(f"{base}/api/v1/executions/{PROJECT}/{DOMAIN}/{name}", timeout=30)
    message = r.json()["closure"]["error"]["message"]
    assert "symbolic link" in message, message
    assert_engine_serving(engine)
    engine.restart(kill=True)
    assert_engine_serving(engine)
    assert execution_phase(engine, name) == "FAILED"
    time.sleep(2)  # resumed work, if any, has had its chance to crash the engine
    assert_engine_serving(engine)


def test_200000_deep_sub_workflow_chain_is_invalid_argument(engine, admin_stub):
    depth = 200_000
    req = workflow_pb2.WorkflowCreateRequest()
    req.id.CopyFrom(wf_id("deep"))
    spec = req.spec
    spec.template.id.CopyFrom(req.id)
    node = spec.template.nodes.add(id="n0")
    node.workflow_node.sub_workflow_ref.CopyFrom(wf_id("s0"))
    for i in range(depth):
        sub = spec.sub_workflows.add()
        sub.id.CopyFrom(wf_id(f"s{i}"))
        if i + 1 < depth:
            sub.nodes.add(id="n0").workflow_node.sub_workflow_ref.CopyFrom(wf_id(f"s{i + 1}"))
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.CreateWorkflow(req, timeout=120)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert "more than 100 levels" in err.value.details()
    assert_engine_serving(engine)
    admin_stub.ListProjects(project_pb2.ProjectListRequest(limit=10), timeout=30)


def lp_id(name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT,
                                     domain=DOMAIN, name=name, version="v1")


def register_launch_plan_chain(admin_stub, prefix: str, length: int) -> str:
    """Launch plans lp0..lp{length-1}; each one's workflow launches the one before it (lp0's
    runs a task). Returns the last one's name."""
    admin_stub.CreateTask(raw_task(f"{prefix}t", "true"), timeout=30)
    for i in range(length):
        wf = workflow_pb2.WorkflowCreateRequest(id=wf_id(f"{prefix}w{i}"))
        template = wf.spec.template
        template.id.CopyFrom(wf.id)
        node = template.nodes.add(id="n0")
        if i == 0:
            node.task_node.reference_id.CopyFrom(identifier_pb2.Identifier(
                resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN,
                name=f"{prefix}t", version="v1"))
        else:
            node.workflow_node.launchplan_ref.CopyFrom(lp_id(f"{prefix}lp{i - 1}"))
        admin_stub.CreateWorkflow(wf, timeout=30)
        lp = launch_plan_pb2.LaunchPlanCreateRequest(id=lp_id(f"{prefix}lp{i}"))
        lp.spec.workflow_id.CopyFrom(wf.id)
        admin_stub.CreateLaunchPlan(lp, timeout=30)
    return f"{prefix}lp{length - 1}"


def test_launch_plans_nested_past_the_limit_fail_the_node(engine, admin_stub):
    """102 launch plans, each launching the next: the execution 100 levels down may not start
    another; it fails saying why, every level above fails with it, and the engine serves on."""
    prefix = "nest" + uuid.uuid4().hex[:6]
    top = register_launch_plan_chain(admin_stub, prefix, 102)
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=prefix)
    req.spec.launch_plan.CopyFrom(lp_id(top))
    admin_stub.CreateExecution(req, timeout=30)
    wait_for(lambda: execution_phase(engine, prefix) in ("FAILED", "SUCCEEDED"), timeout=300,
             what="the top execution's end", interval=0.5)
    assert execution_phase(engine, prefix) == "FAILED"
    nested, token = [], ""
    while True:
        page = admin_stub.ListExecutions(common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=100,
            token=token), timeout=30)
        nested += [e for e in page.executions if e.spec.launch_plan.name.startswith(prefix)]
        token = page.token
        if not token:
            break
    assert len(nested) == 101, len(nested)  # the top and 100 levels below it, no more
    deepest = [e for e in nested if e.spec.metadata.nesting == 100]
    assert len(deepest) == 1
    message = deepest[0].closure.error.message
    assert "executions may nest at most 100 levels" in message, message
    assert_engine_serving(engine)


def wf_id(name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.WORKFLOW, project=PROJECT,
                                     domain=DOMAIN, name=name, version="v1")


@pytest.mark.parametrize("name", ["../../escape", "a/b", "..", ".", ""])
def test_variable_names_that_are_not_file_names_are_refused(engine, admin_stub, name):
    task = raw_task("badname_" + uuid.uuid4().hex[:6], "true")
    var = task.spec.template.interface.outputs.variables[name]
    var.type.simple = types_pb2.INTEGER
    with pytest.raises(grpc.RpcError) as err:
        admin_stub.CreateTask(task, timeout=30)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert "variable name" in err.value.details()


def test_blob_input_from_a_local_path_is_refused(engine, tmp_path):
    """An execution input naming a file of the machine is never copied into a task."""
    secret = tmp_path / "private-key"
    secret.write_text(CANARY + "-private")
    job = Attack(engine.workdir, "blob")
    tmpl = job.task.spec.template
    tmpl.interface.inputs.variables["f"].type.blob.dimensionality = 0
    tmpl.container.command[:] = ["sh", "-c", f"cat /var/inputs/f > {job.marker}"]
    tmpl.container.data_config.enabled = True
    tmpl.container.data_config.input_path = "/var/inputs"
    tmpl.container.data_config.output_path = "/var/outputs"
    job.execution.inputs.literals["f"].scalar.blob.uri = str(secret)
    base = f"http://localhost:{engine.port}"
    for path, body in (("/api/v1/tasks", job.task_json()),
                       ("/api/v1/executions", job.execution_json())):
        r = requests.post(base + path, data=body, headers={"Content-Type": "application/json"},
                          timeout=30)
        assert r.status_code in (200, 400), r.text
        if r.status_code == 400:  # refused at launch: fine too
            assert not job.marker.exists()
            return
    wait_for(lambda: execution_phase(engine, job.execution.name) in ("SUCCEEDED", "FAILED"),
             timeout=120, what="the execution to end")
    assert execution_phase(engine, job.execution.name) == "FAILED"
    r = requests.get(f"{base}/api/v1/executions/{PROJECT}/{DOMAIN}/{job.execution.name}", timeout=30)
    assert "not in the sandbox's object store" in r.text, r.text
    assert not job.marker.exists() or CANARY not in job.marker.read_text()


def test_upload_locations_stay_under_uploads(engine):
    """No upload location lands on metadata/ (execution inputs), outputs or the cache, and a
    signed URL cannot be bent to another key."""
    from flyteidl.service import dataproxy_pb2
    import base64
    import hashlib
    base = f"http://localhost:{engine.port}"
    body = b"overwrite"
    req = dataproxy_pb2.CreateUploadLocationRequest(
        project="metadata", domain=PROJECT, filename_root=DOMAIN, filename="inputs",
        content_md5=hashlib.md5(body).digest())
    r = requests.post(base + "/api/v1/dataproxy/artifact_urn", data=to_json(req),
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    loc = r.json()
    assert "/uploads/metadata/" in loc["native_url"], loc
    put = requests.put(loc["signed_url"], data=body,
                       headers={"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()},
                       timeout=30)
    assert put.status_code == 200, put.text
    [bucket] = (engine.workdir / "data").rglob("my-s3-bucket")
    target = bucket / "metadata" / "flytesnacks" / "development" / "inputs"
    assert (bucket / "uploads" / "metadata" / "flytesnacks" / "development" / "inputs").read_bytes() == body
    assert not target.exists(), "written over metadata/"
    # The same signature on another key.
    bent = loc["signed_url"].replace("/blobs/uploads/metadata/", "/blobs/metadata/")
    r = requests.put(bent, data=body, timeout=30)
    assert r.status_code == 403, r.text
    assert "uploads" in r.text, r.text
    assert not target.exists(), "written over metadata/"


def test_huge_list_limit_is_capped(engine, admin_stub):
    for path in ("/api/v1/projects", f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                 f"/api/v1/tasks/{PROJECT}/{DOMAIN}"):
        r = requests.get(f"http://localhost:{engine.port}{path}", params={"limit": "4294967295"},
                         timeout=60)
        assert r.status_code == 200, (path, r.text)
    resp = admin_stub.ListExecutions(common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN), limit=4294967295),
        timeout=60)
    assert len(resp.executions) <= 10000
    assert_engine_serving(engine)


def test_600_idle_connections_do_not_starve_healthz(engine, admin_stub):
    socks = []
    try:
        for i in range(600):
            s = socket.create_connection(("127.0.0.1", engine.port), timeout=10)
            if i % 2:  # half of them start a request and stall in its headers
                s.sendall(f"GET /healthz HTTP/1.1\r\nHost: localhost:{engine.port}\r\nX-A: ".encode())
            socks.append(s)
        time.sleep(1)
        for _ in range(5):
            r = requests.get(f"http://localhost:{engine.port}/healthz", timeout=5)
            assert r.status_code == 200, r.text
            r = requests.get(f"http://localhost:{engine.port}/api/v1/projects", timeout=5)
            assert r.status_code == 200, r.text
        admin_stub.ListProjects(project_pb2.ProjectListRequest(limit=10), timeout=5)
    finally:
        for s in socks:
            s.close()
    assert_engine_serving(engine)
