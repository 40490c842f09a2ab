"""The REST gateway answers FlyteAdmin's HTTP routes as grpc-gateway does.

Everything is registered for real (pyflyte register of examples/), executions are created over
gRPC, and the routes are then called over plain HTTP: protojson with proto field names by
default, binary protobuf for `application/octet-stream`, in both directions.
"""
import base64
import hashlib
import json
import pathlib
import tempfile
import uuid

import pytest
import requests
from flyteidl.admin import common_pb2
from flyteidl.admin import execution_pb2
from flyteidl.admin import launch_plan_pb2
from flyteidl.admin import node_execution_pb2
from flyteidl.admin import project_pb2
from flyteidl.admin import task_pb2
from flyteidl.admin import version_pb2
from flyteidl.admin import workflow_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import dataproxy_pb2
from google.protobuf import descriptor as pb_descriptor
from google.protobuf import json_format

from conftest import REPO, Engine, pyflyte, engine_database

PROJECT = "resttest"
DOMAIN = "development"
HELLO_LP = "hello_world.hello_wf"
TYPED_LP = "typed_pipeline.typed_wf"
COUNT = 250
BINARY = "application/octet-stream"


def typed(i: int) -> bool:
    """Every fifth execution runs the typed pipeline, the others hello_wf."""
    return i % 5 == 0


class Api:
    """A curl-like HTTP client for the engine's REST routes."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()

    def call(self, method: str, path: str, params=None, body=None, content_type=None,
             accept=None) -> requests.Response:
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        return self.session.request(method, self.base + path, params=params, data=body,
                                    headers=headers, timeout=30)

    def get_json(self, path: str, params=None) -> dict:
        r = self.call("GET", path, params=params)
        assert r.status_code == 200, f"GET {path} {params}: {r.status_code} {r.text}"
        assert r.headers["Content-Type"].startswith("application/json"), r.headers
        return r.json()


class State:
    def __init__(self, api: Api, version: str):
        self.api = api
        self.version = version
        self.names = set()  # every execution of PROJECT/DOMAIN, as created by this module


@pytest.fixture(scope="module")
def engine():
    """The control plane alone: the executions made here are recorded, not run."""
    with tempfile.TemporaryDirectory(prefix="flytebox-rest-") as tmp:
        e = Engine(pathlib.Path(tmp), engine_database(), extra_args=["--no-executions"])
        try:
            yield e
            if e.database:
                assert e.postgres_rows() > 0, "the suite left no rows in Postgres"
        finally:
            e.stop()


@pytest.fixture(scope="module")
def state(engine, admin_stub):
    admin_stub.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=PROJECT, name=PROJECT)))
    version = "v" + uuid.uuid4().hex[:8]
    pyflyte(engine, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", version,
            str(REPO / "examples" / "hello_world.py"), str(REPO / "examples" / "typed_pipeline.py"),
            cwd=str(REPO))
    st = State(Api(engine.port), version)
    for i in range(COUNT):
        name = f"p{i:03d}"
        admin_stub.CreateExecution(create_request(name, version, i))
        st.names.add(name)
    return st


def lp_id(name: str, version: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT,
                                     domain=DOMAIN, name=name, version=version)


def create_request(name: str, version: str, i: int) -> execution_pb2.ExecutionCreateRequest:
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=name)
    if typed(i):
        req.spec.launch_plan.CopyFrom(lp_id(TYPED_LP, version))
        req.inputs.literals["n"].scalar.primitive.integer = i
    else:
        req.spec.launch_plan.CopyFrom(lp_id(HELLO_LP, version))
        req.inputs.literals["name"].scalar.primitive.string_value = f"user{i}"
    return req


def assert_proto_field_names(value, descriptor: pb_descriptor.Descriptor, where: str = "") -> None:
    """Every JSON key is the proto field name (not the lowerCamel JSON name)."""
    if descriptor.full_name.startswith("google.protobuf."):
        return  # well-known types have their own JSON forms
    assert isinstance(value, dict), f"{where}: expected an object, got {value!r}"
    for key, item in value.items():
        field = descriptor.fields_by_name.get(key)
        assert field is not None, f"{where}.{key} is not a field name of {descriptor.full_name}"
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            if value_field.message_type is not None:
                for k, v in item.items():
                    assert_proto_field_names(v, value_field.message_type, f"{where}.{key}[{k}]")
        elif field.is_repeated:
            for n, v in enumerate(item):
                assert_proto_field_names(v, field.message_type, f"{where}.{key}[{n}]")
        else:
            assert_proto_field_names(item, field.message_type, f"{where}.{key}")


def fetch_both(api: Api, path: str, cls, params=None):
    """GETs a route as JSON and as binary protobuf; checks both say the same; returns it."""
    as_json = api.call("GET", path, params=params)
    assert as_json.status_code == 200, f"{path}: {as_json.status_code} {as_json.text}"
    assert as_json.headers["Content-Type"].startswith("application/json")
    doc = as_json.json()
    assert_proto_field_names(doc, cls.DESCRIPTOR, cls.DESCRIPTOR.name)
    from_json = json_format.Parse(as_json.text, cls())

    as_binary = api.call("GET", path, params=params, accept=BINARY)
    assert as_binary.status_code == 200, f"{path}: {as_binary.status_code} {as_binary.text}"
    assert as_binary.headers["Content-Type"] == BINARY
    from_binary = cls.FromString(as_binary.content)
    assert from_binary == from_json, path
    return from_binary


def list_all(api: Api, params: dict, limit: int, accept_binary: bool = False) -> list:
    """Pages through the module's executions with limit/token; names in the order seen."""
    names, token, pages = [], "", 0
    while True:
        query = dict(params, limit=limit)
        if token:
            query["token"] = token
        if accept_binary:
            r = api.call("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}", params=query,
                         accept=BINARY)
            assert r.status_code == 200, r.text
            page = execution_pb2.ExecutionList.FromString(r.content)
            got, token = [e.id.name for e in page.executions], page.token
        else:
            page = api.get_json(f"/api/v1/executions/{PROJECT}/{DOMAIN}", query)
            got = [e["id"]["name"] for e in page.get("executions", [])]
            token = page.get("token", "")
        assert len(got) <= limit
        names += got
        pages += 1
        assert pages <= COUNT + 10, "paging does not end"
        if not token:
            return names
        assert len(got) == limit, "a token came with a short page"


def test_projects_and_version(state):
    projects = fetch_both(state.api, "/api/v1/projects", project_pb2.Projects)
    ids = {p.id for p in projects.projects}
    assert {"flytesnacks", PROJECT} <= ids
    project = fetch_both(state.api, f"/api/v1/projects/{PROJECT}", project_pb2.Project)
    assert {d.id for d in project.domains} == {"development", "staging", "production"}
    version = fetch_both(state.api, "/api/v1/version", version_pb2.GetVersionResponse)
    assert version.control_plane_version.Build.startswith("flytebox-")
    text = state.api.call("GET", "/api/v1/version").text
    assert '"control_plane_version"' in text and "controlPlaneVersion" not in text


def test_task_workflow_launch_plan_routes(state):
    v, api = state.version, state.api
    task = fetch_both(api, f"/api/v1/tasks/{PROJECT}/{DOMAIN}/hello_world.say_hello/{v}",
                      task_pb2.Task)
    assert task.id.version == v
    assert set(task.closure.compiled_task.template.interface.inputs.variables) == {"name"}
    tasks = fetch_both(api, f"/api/v1/tasks/{PROJECT}/{DOMAIN}/hello_world.say_hello",
                       task_pb2.TaskList, {"limit": 10})
    assert [t.id.version for t in tasks.tasks] == [v]
    all_tasks = fetch_both(api, f"/api/v1/tasks/{PROJECT}/{DOMAIN}", task_pb2.TaskList,
                           {"limit": 100})
    assert {t.id.name for t in all_tasks.tasks} == {
        "hello_world.say_hello", "typed_pipeline.make_numbers", "typed_pipeline.summarize",
        "typed_pipeline.describe"}
    task_ids = fetch_both(api, f"/api/v1/task_ids/{PROJECT}/{DOMAIN}",
                          common_pb2.NamedEntityIdentifierList, {"limit": 100})
    assert len(task_ids.entities) == 4

    wf = fetch_both(api, f"/api/v1/workflows/{PROJECT}/{DOMAIN}/{TYPED_LP}/{v}",
                    workflow_pb2.Workflow)
    nodes = {n.id for n in wf.closure.compiled_workflow.primary.template.nodes}
    assert {"n0", "n1", "n2"} <= nodes
    wfs = fetch_both(api, f"/api/v1/workflows/{PROJECT}/{DOMAIN}", workflow_pb2.WorkflowList,
                     {"limit": 100, "sort_by.key": "name", "sort_by.direction": "ASCENDING"})
    assert [w.id.name for w in wfs.workflows] == [HELLO_LP, TYPED_LP]

    lp = fetch_both(api, f"/api/v1/launch_plans/{PROJECT}/{DOMAIN}/{TYPED_LP}/{v}",
                    launch_plan_pb2.LaunchPlan)
    assert set(lp.closure.expected_inputs.parameters) == {"n", "scale", "label"}
    lps = fetch_both(api, f"/api/v1/launch_plans/{PROJECT}/{DOMAIN}",
                     launch_plan_pb2.LaunchPlanList,
                     {"limit": 100, "filters": f"eq(name,{HELLO_LP})"})
    assert [p.id.name for p in lps.launch_plans] == [HELLO_LP]


def test_execution_routes(state):
    api = state.api
    ex = fetch_both(api, f"/api/v1/executions/{PROJECT}/{DOMAIN}/p007",
                    execution_pb2.Execution)
    assert ex.id.name == "p007"
    assert ex.spec.launch_plan.name == HELLO_LP
    assert ex.closure.workflow_id.name == HELLO_LP
    text = api.call("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}/p007").text
    assert '"launch_plan"' in text and '"workflow_id"' in text and "launchPlan" not in text

    data = fetch_both(api, f"/api/v1/data/executions/{PROJECT}/{DOMAIN}/p007",
                      execution_pb2.WorkflowExecutionGetDataResponse)
    assert data.full_inputs.literals["name"].scalar.primitive.string_value == "user7"
    data = fetch_both(api, f"/api/v1/data/executions/{PROJECT}/{DOMAIN}/p010",
                      execution_pb2.WorkflowExecutionGetDataResponse)
    assert data.full_inputs.literals["n"].scalar.primitive.integer == 10
    assert data.full_inputs.literals["label"].scalar.primitive.string_value == "run"  # default

    listing = fetch_both(api, f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                         execution_pb2.ExecutionList, {"limit": 5})
    assert len(listing.executions) == 5 and listing.token

    # Nothing has run, so the execution has no node executions yet: an empty list, and a
    # NOT_FOUND naming the node for a single one.
    nodes = fetch_both(api, f"/api/v1/node_executions/{PROJECT}/{DOMAIN}/p007",
                       node_execution_pb2.NodeExecutionList, {"limit": 10})
    assert list(nodes.node_executions) == []
    r = api.call("GET", f"/api/v1/node_executions/{PROJECT}/{DOMAIN}/p007/n0")
    assert r.status_code == 404, r.text
    assert r.json()["code"] == 5 and "n0" in r.json()["message"]


def test_paging_sees_every_execution_once(state):
    for limit in (1, 17, 100, 250, 1000):
        names = list_all(state.api, {}, limit)
        assert len(names) == len(set(names)), f"limit {limit}: duplicates"
        assert set(names) == state.names, f"limit {limit}"
    names = list_all(state.api, {}, 33, accept_binary=True)
    assert sorted(names) == sorted(state.names)


def test_paging_token_is_checked(state):
    r = state.api.call("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                       params={"limit": 10, "token": "not-a-token"})
    assert r.status_code == 400
    assert "token" in r.json()["message"]


def test_filters(state):
    api = state.api
    want_typed = {f"p{i:03d}" for i in range(COUNT) if typed(i)}
    names = list_all(api, {"filters": f"eq(launch_plan.name,{TYPED_LP})"}, 20)
    assert sorted(names) == sorted(want_typed)
    names = list_all(api, {"filters": f"eq(launch_plan.name,{HELLO_LP})"}, 64)
    assert set(names) == {f"p{i:03d}" for i in range(COUNT) if not typed(i)}
    assert len(names) == COUNT - len(want_typed)

    names = list_all(api, {"filters": "value_in(execution_name,p001;p002;p249;nosuch)"}, 2)
    assert sorted(names) == ["p001", "p002", "p249"]

    both = (f"eq(launch_plan.name,{TYPED_LP})"
            "+value_in(execution_name,p000;p001;p002;p005;p006;p010)")
    names = list_all(api, {"filters": both}, 10)
    assert sorted(names) == ["p000", "p005", "p010"]

    names = list_all(api, {"filters": "value_in(execution_name,p003;p004)"
                                      f"+eq(launch_plan.name,{TYPED_LP})"}, 10)
    assert names == []

    names = list_all(api, {"filters": "gte(execution_name,p240)+lt(execution_name,p245)"}, 3)
    assert sorted(names) == [f"p{i}" for i in range(240, 245)]


def test_sort_order(state):
    api = state.api
    every = sorted(state.names)
    for limit in (7, 100):
        assert list_all(api, {"sort_by.key": "execution_name", "sort_by.direction": "ASCENDING"},
                        limit) == every
        assert list_all(api, {"sort_by.key": "execution_name",
                              "sort_by.direction": "DESCENDING"},
                        limit) == every[::-1]
    created = [f"p{i:03d}" for i in range(COUNT)]
    ascending = list_all(api, {"sort_by.key": "created_at", "sort_by.direction": "ASCENDING"},
                         50)
    assert [n for n in ascending if n.startswith("p")] == created
    descending = list_all(api, {"sort_by.key": "created_at", "sort_by.direction": "DESCENDING"},
                          50)
    assert [n for n in descending if n.startswith("p")] == created[::-1]
    # Enum values by number, too, as grpc-gateway accepts.
    assert list_all(api, {"sort_by.key": "execution_name", "sort_by.direction": "1"}, 90) == every
    # Sorting and filtering together.
    names = list_all(api, {"filters": f"eq(launch_plan.name,{TYPED_LP})",
                           "sort_by.key": "execution_name", "sort_by.direction": "DESCENDING"},
                     8)
    assert names == sorted((f"p{i:03d}" for i in range(COUNT) if typed(i)), reverse=True)


def test_create_execution_json_body(state):
    api = state.api
    req = create_request("qjson", state.version, 3)
    body = json_format.MessageToJson(req, preserving_proto_field_name=True)
    r = api.call("POST", "/api/v1/executions", body=body, content_type="application/json")
    assert r.status_code == 200, r.text
    state.names.add("qjson")
    assert r.json()["id"] == {"project": PROJECT, "domain": DOMAIN, "name": "qjson"}
    ex = fetch_both(api, f"/api/v1/executions/{PROJECT}/{DOMAIN}/qjson", execution_pb2.Execution)
    assert ex.spec.launch_plan.name == HELLO_LP
    data = fetch_both(api, f"/api/v1/data/executions/{PROJECT}/{DOMAIN}/qjson",
                      execution_pb2.WorkflowExecutionGetDataResponse)
    assert data.full_inputs.literals["name"].scalar.primitive.string_value == "user3"

    # lowerCamel JSON names are accepted on input, as protojson does.
    camel = json.loads(json_format.MessageToJson(create_request("qcamel", state.version, 5)))
    assert "launchPlan" in camel["spec"]
    r = api.call("POST", "/api/v1/executions", body=json.dumps(camel),
                 content_type="application/json")
    assert r.status_code == 200, r.text
    state.names.add("qcamel")

    again = api.call("POST", "/api/v1/executions", body=body, content_type="application/json")
    assert again.status_code == 409, again.text
    assert "qjson" in again.json()["message"]


def test_create_execution_binary_body(state):
    api = state.api
    req = create_request("qbinary", state.version, 15)
    r = api.call("POST", "/api/v1/executions", body=req.SerializeToString(),
                 content_type=BINARY, accept=BINARY)
    assert r.status_code == 200, r.text
    state.names.add("qbinary")
    assert r.headers["Content-Type"] == BINARY
    created = execution_pb2.ExecutionCreateResponse.FromString(r.content)
    assert created.id.name == "qbinary"
    data = fetch_both(api, f"/api/v1/data/executions/{PROJECT}/{DOMAIN}/qbinary",
                      execution_pb2.WorkflowExecutionGetDataResponse)
    assert data.full_inputs.literals["n"].scalar.primitive.integer == 15

    # A binary body with a JSON answer.
    req = create_request("qmixed", state.version, 16)
    r = api.call("POST", "/api/v1/executions", body=req.SerializeToString(), content_type=BINARY)
    assert r.status_code == 200, r.text
    state.names.add("qmixed")
    assert r.json()["id"]["name"] == "qmixed"


def test_artifact_urn_upload_and_download(state):
    api = state.api
    content = b"flytebox REST upload " + uuid.uuid4().hex.encode()
    md5 = hashlib.md5(content).digest()
    req = dataproxy_pb2.CreateUploadLocationRequest(project=PROJECT, domain=DOMAIN,
                                                    filename="data.txt", content_md5=md5)
    body = json_format.MessageToJson(req, preserving_proto_field_name=True)
    r = api.call("POST", "/api/v1/dataproxy/artifact_urn", body=body,
                 content_type="application/json")
    assert r.status_code == 200, r.text
    assert_proto_field_names(r.json(), dataproxy_pb2.CreateUploadLocationResponse.DESCRIPTOR)
    upload = json_format.Parse(r.text, dataproxy_pb2.CreateUploadLocationResponse())
    assert upload.native_url.endswith("/data.txt")
    assert upload.headers["Content-MD5"] == base64.b64encode(md5).decode()

    put = requests.put(upload.signed_url, data=content,
                       headers={"Content-MD5": upload.headers["Content-MD5"]}, timeout=30)
    assert put.status_code == 200, put.text

    # The same route with a binary body and answer.
    r = api.call("POST", "/api/v1/dataproxy/artifact_urn", body=req.SerializeToString(),
                 content_type=BINARY, accept=BINARY)
    assert r.status_code == 200, r.text
    assert dataproxy_pb2.CreateUploadLocationResponse.FromString(r.content).native_url == \
        upload.native_url

    # Each answer is signed anew (the expiry moves on), so JSON and binary are read apart.
    query = {"native_url": upload.native_url}
    r = api.call("GET", "/api/v1/dataproxy/artifact_urn", params=query)
    assert r.status_code == 200, r.text
    assert_proto_field_names(r.json(), dataproxy_pb2.CreateDownloadLocationResponse.DESCRIPTOR)
    down = json_format.Parse(r.text, dataproxy_pb2.CreateDownloadLocationResponse())
    r = api.call("GET", "/api/v1/dataproxy/artifact_urn", params=query, accept=BINARY)
    assert r.status_code == 200, r.text
    down_binary = dataproxy_pb2.CreateDownloadLocationResponse.FromString(r.content)
    for url in (down.signed_url, down_binary.signed_url):
        got = requests.get(url, timeout=30)
        assert got.status_code == 200 and got.content == content


def test_update_and_terminate_over_rest(state):
    api = state.api
    path = f"/api/v1/executions/{PROJECT}/{DOMAIN}/p011"
    body = json.dumps({"state": "EXECUTION_ARCHIVED"})
    r = api.call("PUT", path, body=body, content_type="application/json")
    assert r.status_code == 200, r.text
    ex = fetch_both(api, path, execution_pb2.Execution)
    assert ex.closure.state_change_details.state == execution_pb2.EXECUTION_ARCHIVED

    r = api.call("DELETE", path, body=json.dumps({"cause": "stopped over REST"}),
                 content_type="application/json")
    assert r.status_code == 200, r.text
    ex = fetch_both(api, path, execution_pb2.Execution)
    assert ex.closure.phase == core_execution_pb2.WorkflowExecution.ABORTED
    assert ex.closure.abort_metadata.cause == "stopped over REST"
    r = api.call("DELETE", path, body=json.dumps({"cause": "again"}),
                 content_type="application/json")
    assert r.status_code == 400 and "ended" in r.json()["message"], r.text
    names = list_all(api, {"filters": "eq(phase,ABORTED)"}, 10)
    assert names == ["p011"]
