"""`flytebox demo start --auth` (native) with the real CLI, supervisor, engine and flytekit:
pyflyte works with the config the CLI writes; calls without a token, with a wrong secret or
with an expired token are refused on gRPC and HTTP. One sandbox for the module, with tokens
that live a few seconds so that expiry (and flytekit's refresh) happens for real."""
import base64
import json
import os
import stat
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.client import HTTPConnection

import grpc
import pytest

from conftest import REPO
from test_sandbox_native import VENV, Sandbox, processes_using

TOKEN_TTL = 4  # seconds


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    sandbox = Sandbox(tmp_path_factory.mktemp("auth"))
    try:
        sandbox.start("--auth", "--auth-token-ttl", str(TOKEN_TTL))
        yield sandbox
    finally:
        sandbox.run("demo", "teardown", "--volume")
        assert not processes_using(sandbox.state)


def client(box):
    config = box.flyte_config.read_text()
    client_id = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                     if line.strip().startswith("clientId:"))
    secret_file = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                       if line.strip().startswith("clientSecretLocation:"))
    return client_id, open(secret_file).read().strip()


def http(box, path, method="GET", body=None, headers=None):
    req = urllib.request.Request(f"http://localhost:{box.port}{path}", data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def token(box, client_id, secret):
    basic = base64.b64encode(f"{client_id}:{urllib.parse.quote_plus(secret)}".encode()).decode()
    return http(box, "/oauth2/token", "POST", b"grant_type=client_credentials",
                {"Authorization": "Basic " + basic,
                 "Content-Type": "application/x-www-form-urlencoded"})


def list_projects(box, access_token=None):
    from flyteidl.admin import project_pb2
    from flyteidl.service import admin_pb2_grpc

    channel = grpc.insecure_channel(f"localhost:{box.port}")
    try:
        metadata = [("flyte-authorization", f"Bearer {access_token}")] if access_token else None
        return admin_pb2_grpc.AdminServiceStub(channel).ListProjects(
            project_pb2.ProjectListRequest(limit=100), metadata=metadata, timeout=10)
    finally:
        channel.close()


def pyflyte(box, config, *args):
    env = dict(box.env, FLYTECTL_CONFIG=str(config))
    return subprocess.run([str(VENV / "bin" / "pyflyte"), "--config", str(config), *args],
                          cwd=str(REPO), env=env, capture_output=True, text=True, timeout=300)


def test_the_written_config_uses_client_secret_with_an_owner_only_secret_file(box):
    config = box.flyte_config.read_text()
    assert "  authType: ClientSecret\n" in config, config
    client_id, secret = client(box)
    assert client_id.startswith("flytebox-") and len(secret) >= 32
    assert secret not in config
    secret_file = box.home / ".flyte" / "sandbox-client-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(box.flyte_config.stat().st_mode) == 0o600


def test_pyflyte_run_remote_works_unchanged_with_the_written_config(box):
    name = "auth" + uuid.uuid4().hex[:10]
    run = pyflyte(box, box.flyte_config, "run", "--remote", "--wait", "--name", name,
                  "examples/hello_world.py", "hello_wf", "--name", "auth")
    assert run.returncode == 0, f"{run.stdout}\n{run.stderr}\n{box.logs()}"
    assert "has succeeded" in run.stdout, run.stdout

    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote

    # flytekit's own client, from the same file: it finds the token endpoint through the
    # AuthMetadataService and gets a token on the first UNAUTHENTICATED.
    remote = FlyteRemote(Config.auto(str(box.flyte_config)), default_project="flytesnacks",
                         default_domain="development")
    execution = remote.fetch_execution(name=name)
    assert execution.closure.phase == 4  # SUCCEEDED
    data = remote.client.get_execution_data(execution.id)
    assert data.full_outputs.literals["o0"].scalar.primitive.string_value == "Hello, auth!"


def test_calls_without_a_token_are_refused_and_change_nothing(box):
    with pytest.raises(grpc.RpcError) as err:
        list_projects(box)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, err.value
    assert "token" in err.value.details()

    from flyteidl.admin import project_pb2
    from flyteidl.service import admin_pb2_grpc
    channel = grpc.insecure_channel(f"localhost:{box.port}")
    with pytest.raises(grpc.RpcError) as err:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(
                id="intruder", name="intruder")), timeout=10)
    channel.close()
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED

    for method, path, body in [("GET", "/api/v1/projects", None),
                               ("POST", "/api/v1/projects",
                                b'{"project":{"id":"intruder2","name":"x"}}'),
                               ("GET", "/logs/anything", None),
                               ("GET", "/blobs/metadata/x", None),
                               ("GET", "/api/v1/notifications", None),
                               ("GET", "/api/v1/sandbox/status", None),
                               ("GET", "/api/v1/data?flyte_url=flyte://v1/p/d/e/n0/o", None)]:
        headers = {"Content-Type": "application/json"} if body else {}
        status, text, got = http(box, path, method, body, headers)
        assert status == 401, (path, status, text)
        assert got.get("WWW-Authenticate", "").startswith("Bearer"), got
    conn = HTTPConnection("localhost", box.port, timeout=10)  # no redirect following
    conn.request("GET", "/console/")
    page = conn.getresponse()
    assert page.status == 302 and page.getheader("Location") == "/login"
    conn.close()
    # What stays open: health and what a client needs to get a token.
    assert http(box, "/healthz")[0] == 200
    status, text, _ = http(box, "/.well-known/oauth-authorization-server")
    assert status == 200
    assert json.loads(text)["token_endpoint"] == f"http://localhost:{box.port}/oauth2/token"

    _, text, _ = token(box, *client(box))
    ids = {p.id for p in list_projects(box, json.loads(text)["access_token"]).projects}
    assert "flytesnacks" in ids
    assert not {"intruder", "intruder2"} & ids


def test_every_method_of_every_service_wants_a_token(box):
    """Each method of AdminService, DataProxyService and SignalService, called without a token
    and with an empty request, answers UNAUTHENTICATED before it looks at the request."""
    from google.protobuf import message_factory
    from flyteidl.service import admin_pb2, dataproxy_pb2, signal_pb2

    channel = grpc.insecure_channel(f"localhost:{box.port}")
    checked = []
    try:
        for module, name in ((admin_pb2, "AdminService"), (dataproxy_pb2, "DataProxyService"),
                             (signal_pb2, "SignalService")):
            service = module.DESCRIPTOR.services_by_name[name]
            for method in service.methods:
                request = message_factory.GetMessageClass(method.input_type)
                call = channel.unary_unary(f"/{service.full_name}/{method.name}",
                                           request_serializer=lambda m: m.SerializeToString(),
                                           response_deserializer=lambda b: b)
                with pytest.raises(grpc.RpcError) as err:
                    call(request(), timeout=10)
                assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, (method.name,
                                                                              err.value)
                checked.append(method.name)
    finally:
        channel.close()
    assert {"GetData", "RecoverExecution", "CreateTaskEvent", "SetSignal"} <= set(checked)


def test_a_wrong_secret_gets_no_token_and_pyflyte_with_it_is_refused(box, tmp_path):
    client_id, secret = client(box)
    status, text, _ = token(box, client_id, secret[:-1] + ("x" if secret[-1] != "x" else "y"))
    assert status == 401 and json.loads(text)["error"] == "invalid_client", text
    status, text, _ = token(box, "someone-else", secret)
    assert status == 401, text

    wrong = tmp_path / "wrong-secret"
    wrong.write_text("not-the-secret\n")
    config = tmp_path / "config.yaml"
    config.write_text(box.flyte_config.read_text().replace(
        str(box.home / ".flyte" / "sandbox-client-secret"), str(wrong)))
    run = pyflyte(box, config, "run", "--remote", "examples/hello_world.py", "hello_wf")
    assert run.returncode != 0, run.stdout
    assert "401" in run.stdout + run.stderr or "invalid_client" in run.stdout + run.stderr


def test_an_expired_token_is_refused_and_flytekit_gets_a_new_one(box):
    _, text, _ = token(box, *client(box))
    reply = json.loads(text)
    assert reply["token_type"] == "Bearer" and reply["expires_in"] == TOKEN_TTL
    access = reply["access_token"]
    assert list_projects(box, access).projects
    assert http(box, "/api/v1/projects", headers={"Authorization": f"Bearer {access}"})[0] == 200
    time.sleep(TOKEN_TTL + 1)
    with pytest.raises(grpc.RpcError) as err:
        list_projects(box, access)
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "expired" in err.value.details()
    status, text, _ = http(box, "/api/v1/projects", headers={"Authorization": f"Bearer {access}"})
    assert status == 401 and "expired" in text
    # A token the engine never issued (same shape, far expiry) is refused too.
    forged = "fb1.9999999999." + access.split(".", 2)[2]
    assert http(box, "/api/v1/projects", headers={"Authorization": f"Bearer {forged}"})[0] == 401

    # flytekit's client outlives its tokens: on UNAUTHENTICATED it asks for a new one.
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote
    remote = FlyteRemote(Config.auto(str(box.flyte_config)), default_project="flytesnacks",
                         default_domain="development")
    assert remote.client.list_projects_paginated(limit=10)[0]
    time.sleep(TOKEN_TTL + 1)
    assert remote.client.list_projects_paginated(limit=10)[0]


def test_the_console_signs_in_with_the_secret(box):
    status, page, _ = http(box, "/login")
    assert status == 200 and "client secret" in page
    bad = http(box, "/login", "POST", b'{"client_secret":"nope"}',
               {"Content-Type": "application/json"})
    assert bad[0] == 401 and "Set-Cookie" not in bad[2]
    _, secret = client(box)
    status, _, got = http(box, "/login", "POST", json.dumps({"client_secret": secret}).encode(),
                          {"Content-Type": "application/json"})
    assert status == 200
    cookie = got["Set-Cookie"].split(";", 1)[0]
    assert "HttpOnly" in got["Set-Cookie"] and "SameSite=Strict" in got["Set-Cookie"]
    status, text, _ = http(box, "/api/v1/projects", headers={"Cookie": cookie})
    assert status == 200 and "flytesnacks" in text
    assert http(box, "/console/", headers={"Cookie": cookie})[0] in (200, 404)
