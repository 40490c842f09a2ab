"""Bad input gets the right gRPC code or HTTP status and a message that says what to fix.

gRPC calls go through the raw AdminService stub (flytekit would wrap the errors); REST calls
are plain HTTP. No call may ever answer UNKNOWN (nor INTERNAL, nor HTTP 500).
"""
import json
import uuid

import grpc
import pytest
import requests
from flyteidl.admin import common_pb2
from flyteidl.admin import execution_pb2
from flyteidl.admin import node_execution_pb2
from flyteidl.admin import project_pb2
from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2
from flyteidl.service import admin_pb2_grpc
from flyteidl.service import dataproxy_pb2
from flyteidl.service import signal_pb2
from google.api import annotations_pb2
from google.protobuf import json_format

from conftest import REPO, expect_grpc_error, pyflyte, set_primitive_inputs

PROJECT = "flytesnacks"
DOMAIN = "development"
HELLO_LP = "hello_world.hello_wf"
MAX_MESSAGE = 32 << 20  # the engine's gRPC message limit
BAD_CODES = {grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL}


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:8]
    pyflyte(engine, "register", "--project", PROJECT, "--domain", DOMAIN, "--version", v,
            str(REPO / "examples" / "hello_world.py"), cwd=str(REPO))
    return v


@pytest.fixture(scope="module")
def http(engine):
    session = requests.Session()
    base = f"http://127.0.0.1:{engine.port}"

    def call(method, path, body=None, content_type=None, params=None, accept=None):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        return session.request(method, base + path, data=body, headers=headers, params=params,
                               timeout=60)
    yield call
    session.close()


grpc_error = expect_grpc_error


def rest_error(response, status, code, *needles):
    """A REST error: the HTTP status, and a JSON body with the gRPC code and a message."""
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    for needle in needles:
        assert needle in body["message"], f"{needle!r} not in {body['message']!r}"
    return body["message"]


def lp(version, name=HELLO_LP, project=PROJECT, domain=DOMAIN):
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project,
                                     domain=domain, name=name, version=version)


def create(exec_name, version, **inputs):
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=exec_name)
    req.spec.launch_plan.CopyFrom(lp(version))
    set_primitive_inputs(req.inputs.literals, inputs)
    return req


def unique(prefix="b"):
    return prefix + uuid.uuid4().hex[:12]


# --- gRPC -----------------------------------------------------------------------------------

def test_missing_ids(admin_stub):
    s = admin_stub
    grpc_error(s.GetExecution, execution_pb2.WorkflowExecutionGetRequest(),
               grpc.StatusCode.INVALID_ARGUMENT, "project, domain and name")
    grpc_error(s.GetTask, common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN, name="t")),
        grpc.StatusCode.INVALID_ARGUMENT, "missing version")
    grpc_error(s.GetLaunchPlan, common_pb2.ObjectGetRequest(id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT, domain=DOMAIN, version="v")),
        grpc.StatusCode.INVALID_ARGUMENT, "missing name")
    grpc_error(s.ListExecutions, common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT), limit=10),
        grpc.StatusCode.INVALID_ARGUMENT, "domain")
    grpc_error(s.GetNodeExecution, node_execution_pb2.NodeExecutionGetRequest(),
               grpc.StatusCode.INVALID_ARGUMENT, "project, domain and name")
    grpc_error(s.GetProject, project_pb2.ProjectGetRequest(),
               grpc.StatusCode.INVALID_ARGUMENT, "project id")
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=unique())
    grpc_error(s.CreateExecution, req, grpc.StatusCode.INVALID_ARGUMENT, "spec.launch_plan")
    req = execution_pb2.ExecutionCreateRequest(domain=DOMAIN, name=unique())
    grpc_error(s.CreateExecution, req, grpc.StatusCode.INVALID_ARGUMENT, "project")


def test_unknown_project_and_domain(admin_stub, version):
    req = create(unique(), version)
    req.project = "no-such-project"
    req.spec.launch_plan.project = "no-such-project"
    grpc_error(admin_stub.CreateExecution, req, grpc.StatusCode.INVALID_ARGUMENT,
               "no-such-project", "register it")
    req = create(unique(), version)
    req.domain = "qa"
    grpc_error(admin_stub.CreateExecution, req, grpc.StatusCode.INVALID_ARGUMENT,
               "'qa'", "development, staging, production")
    task = task_pb2.TaskCreateRequest(id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project="no-such-project", domain=DOMAIN, name="t",
        version="v1"))
    grpc_error(admin_stub.CreateTask, task, grpc.StatusCode.INVALID_ARGUMENT, "no-such-project")
    grpc_error(admin_stub.GetProject, project_pb2.ProjectGetRequest(id="no-such-project"),
               grpc.StatusCode.NOT_FOUND, "no-such-project")


def test_unknown_launch_plan_and_execution(admin_stub, version):
    req = create(unique(), "no-such-version")
    details = grpc_error(admin_stub.CreateExecution, req, grpc.StatusCode.NOT_FOUND)
    assert HELLO_LP in details and "no-such-version" in details, details
    grpc_error(admin_stub.GetExecution, execution_pb2.WorkflowExecutionGetRequest(
        id=identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN,
                                                      name="missing")),
        grpc.StatusCode.NOT_FOUND, "missing")


def test_bad_execution_names(admin_stub, version):
    for name in ("Bad_Name", "1starts-with-digit", "has.dot", "UPPER"):
        grpc_error(admin_stub.CreateExecution, create(name, version),
                   grpc.StatusCode.INVALID_ARGUMENT, name, "lowercase")
    grpc_error(admin_stub.CreateExecution, create("a" * 64, version),
               grpc.StatusCode.INVALID_ARGUMENT, "63 characters")
    ok = unique()
    admin_stub.CreateExecution(create(ok, version), timeout=60)
    grpc_error(admin_stub.CreateExecution, create(ok, version),
               grpc.StatusCode.ALREADY_EXISTS, ok)


def test_wrong_unknown_and_missing_inputs(admin_stub, version):
    grpc_error(admin_stub.CreateExecution, create(unique(), version, name=42),
               grpc.StatusCode.INVALID_ARGUMENT, "'name'")
    grpc_error(admin_stub.CreateExecution, create(unique(), version, nosuch="x"),
               grpc.StatusCode.INVALID_ARGUMENT, "unknown input 'nosuch'")
    # The task alone (run as a single-task execution) has no default for `name`.
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=unique())
    req.spec.launch_plan.CopyFrom(identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN,
        name="hello_world.say_hello", version=version))
    grpc_error(admin_stub.CreateExecution, req, grpc.StatusCode.INVALID_ARGUMENT,
               "missing required input 'name'")


def test_bad_list_parameters(admin_stub):
    ident = common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN)
    cases = [
        (dict(limit=0), "limit"),
        (dict(limit=10, token="abc"), "token"),
        (dict(limit=10, filters="eq(nosuch,1)"), "'e.nosuch' is invalid filter"),
        (dict(limit=10, filters="eq(execution_name"), "expected op(field,value)"),
        (dict(limit=10, filters="almost(execution_name,x)"),
         "unrecognized filter function: almost"),
        (dict(limit=10, filters="eq(execution_name,a)+"), "nothing after '+'"),
        (dict(limit=10, sort_by=common_pb2.Sort(key="colour")), "invalid sort key 'colour'"),
    ]
    for fields, needle in cases:
        grpc_error(admin_stub.ListExecutions, common_pb2.ResourceListRequest(id=ident, **fields),
                   grpc.StatusCode.INVALID_ARGUMENT, needle)


def test_oversized_message_is_resource_exhausted(engine, admin_stub, version):
    req = create(unique(), version, name="x" * (MAX_MESSAGE + 1024))
    grpc_error(admin_stub.CreateExecution, req, grpc.StatusCode.RESOURCE_EXHAUSTED,
               "larger than max")
    # A large message under the limit arrives in many reads and is served, both ways.
    name = unique()
    admin_stub.CreateExecution(create(name, version, name="y" * (20 << 20)), timeout=60)
    options = [("grpc.max_receive_message_length", MAX_MESSAGE)]
    with grpc.insecure_channel(engine.endpoint, options=options) as channel:
        data = admin_pb2_grpc.AdminServiceStub(channel).GetExecutionData(
            execution_pb2.WorkflowExecutionGetDataRequest(
                id=identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN,
                                                              name=name)),
            timeout=60)
    assert len(data.full_inputs.literals["name"].scalar.primitive.string_value) == 20 << 20


def test_malformed_protobuf_over_grpc(engine):
    with grpc.insecure_channel(engine.endpoint) as channel:
        raw = channel.unary_unary("/flyteidl.service.AdminService/GetExecution",
                                  request_serializer=lambda b: b,
                                  response_deserializer=lambda b: b)
        grpc_error(raw, b"\xff\xff\xff\xff", grpc.StatusCode.INVALID_ARGUMENT,
                   "not a valid binary flyteidl.admin.WorkflowExecutionGetRequest")
        unknown = channel.unary_unary("/flyteidl.service.AdminService/NoSuchMethod",
                                      request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b)
        grpc_error(unknown, b"", grpc.StatusCode.UNIMPLEMENTED, "no such method")


def test_every_grpc_method_with_an_empty_request(engine):
    """No method answers UNKNOWN or INTERNAL to an empty (all-default) request."""
    services = [admin_pb2.DESCRIPTOR.services_by_name["AdminService"],
                dataproxy_pb2.DESCRIPTOR.services_by_name["DataProxyService"],
                signal_pb2.DESCRIPTOR.services_by_name["SignalService"]]
    seen = 0
    with grpc.insecure_channel(engine.endpoint) as channel:
        for service in services:
            for method in service.methods:
                if method.client_streaming or method.server_streaming:
                    continue
                call = channel.unary_unary(f"/{service.full_name}/{method.name}",
                                           request_serializer=lambda b: b,
                                           response_deserializer=lambda b: b)
                try:
                    call(b"", timeout=60)
                except grpc.RpcError as e:
                    where = f"{method.full_name}: {e.code()}"
                    assert e.code() not in BAD_CODES, f"{where} {e.details()}"
                    assert e.details(), f"{where} without a message"
                seen += 1
    assert seen > 40


# --- REST -----------------------------------------------------------------------------------

def test_malformed_json_body(http):
    rest_error(http("POST", "/api/v1/executions", "{not json", "application/json"), 400, 3,
               "not valid JSON for flyteidl.admin.ExecutionCreateRequest")
    rest_error(http("POST", "/api/v1/executions", '{"nosuch": 1}', "application/json"), 400, 3,
               "nosuch")
    rest_error(http("POST", "/api/v1/executions", '{"name": 5}', "application/json"), 400, 3,
               "name")
    rest_error(http("POST", "/api/v1/executions", "[1, 2]", "application/json"), 400, 3,
               "ExecutionCreateRequest")


def test_malformed_protobuf_body(http):
    rest_error(http("POST", "/api/v1/executions", b"\xff\xff\xff\xff",
                    "application/octet-stream"), 400, 3,
               "not a valid binary flyteidl.admin.ExecutionCreateRequest")
    # A JSON text sent as binary protobuf does not parse either.
    rest_error(http("POST", "/api/v1/projects", b'{"project": {"id": "x"}}',
                    "application/octet-stream"), 400, 3, "ProjectRegisterRequest")


def test_wrong_content_type(http):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        rest_error(http("POST", "/api/v1/executions", "{}", content_type), 415, 3,
                   content_type, "application/json or application/octet-stream")


def test_unknown_route(http):
    rest_error(http("GET", "/api/v1/nosuch"), 404, 5, "no API route for GET /api/v1/nosuch")
    rest_error(http("PATCH", "/api/v1/projects"), 404, 5, "PATCH /api/v1/projects")
    rest_error(http("GET", "/api/v1/executions/a/b/c/d/e"), 404, 5, "no API route")
    assert http("GET", "/nosuch").status_code == 404


def test_overlong_path(http):
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}/" + "a" * 5000), 400, 3,
               "at most 4096")
    assert http("GET", "/api/v1/projects/" + "a" * 9000).status_code == 414


def test_bad_rest_ids_and_parameters(http, version):
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}/missing"), 404, 5,
               "execution", "missing")
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}"), 400, 3, "limit")
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}", params={"limit": "ten"}),
               400, 3, "limit", "'ten' is not a valid number")
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                    params={"limit": "10", "colour": "red"}), 400, 3, "unknown parameter 'colour'")
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                    params={"limit": "10", "sort_by.direction": "SIDEWAYS"}), 400, 3, "SIDEWAYS")
    rest_error(http("GET", f"/api/v1/executions/{PROJECT}/{DOMAIN}",
                    params={"limit": "10", "filters": "eq(colour,red)"}), 400, 3, "colour")
    rest_error(http("GET", f"/api/v1/tasks/{PROJECT}/{DOMAIN}/hello_world.say_hello/nope"), 404, 5,
               "nope")
    rest_error(http("GET", f"/api/v1/task_executions/{PROJECT}/{DOMAIN}/e/n0/{PROJECT}/{DOMAIN}"
                           f"/t/v/not-a-number"), 400, 3, "retry_attempt")

    body = json_format.MessageToJson(create("Bad_Name", version), preserving_proto_field_name=True)
    rest_error(http("POST", "/api/v1/executions", body, "application/json"), 400, 3, "lowercase")
    req = create(unique(), version)
    req.project = req.spec.launch_plan.project = "no-such-project"
    rest_error(http("POST", "/api/v1/executions", req.SerializeToString(),
                    "application/octet-stream"), 400, 3, "no-such-project")
    rest_error(http("POST", "/api/v1/executions",
                    json_format.MessageToJson(create(unique(), version, name=7)),
                    "application/json"), 400, 3, "'name'")


def test_oversized_rest_body(http, version):
    """Judged from Content-Length before the body is read: 413 in the gateway's error shape."""
    req = create(unique(), version, name="z" * (MAX_MESSAGE + 1024))
    rest_error(http("POST", "/api/v1/executions", req.SerializeToString(),
                    "application/octet-stream"), 413, 8, f"at most {MAX_MESSAGE}")


def rest_routes():
    """(verb, path with every variable set to `x`, has a body) for every annotated route."""
    routes = []
    for module, name in ((admin_pb2, "AdminService"), (dataproxy_pb2, "DataProxyService"),
                         (signal_pb2, "SignalService")):
        for method in module.DESCRIPTOR.services_by_name[name].methods:
            rule = method.GetOptions().Extensions[annotations_pb2.http]
            for r in [rule, *rule.additional_bindings]:
                verb = r.WhichOneof("pattern")
                if verb in (None, "custom"):
                    continue
                path = getattr(r, verb)
                parts = path.split("{")
                out = parts[0] + "".join("x" + p[p.index("}") + 1:] for p in parts[1:])
                routes.append((method.full_name, {"delete_": "DELETE"}.get(verb, verb.upper()),
                               out, bool(r.body)))
    return routes


def test_every_rest_route_with_garbage(http):
    """Garbage path values and bodies get 4xx/501 with a message, never 500 or UNKNOWN."""
    routes = rest_routes()
    assert len(routes) > 50
    for name, verb, path, has_body in routes:
        bodies = [(None, None)]
        if has_body:
            bodies += [("{oops", "application/json"), (b"\xff\xfe\x00", "application/octet-stream"),
                       (json.dumps({"id": 5}), "application/json")]
        for body, content_type in bodies:
            r = http(verb, path, body, content_type)
            where = f"{name}: {verb} {path} {body!r}"
            assert r.status_code != 500, f"{where}: {r.text}"
            if r.status_code == 200:
                continue
            assert r.status_code in (400, 404, 409, 412, 415, 429, 501), f"{where}: {r.text}"
            err = r.json()
            assert err["code"] not in (2, 13), f"{where}: {err}"
            assert err["message"], where
