"""Shared pieces of the conformance suite: flyteidl's own Python stubs (the pinned flytekit's
flyteidl 1.16.x) against a real engine, raw gRPC status codes, no flytekit wrapping."""
import time
import uuid

import flyteidl
import grpc
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2_grpc, signal_pb2_grpc

from conftest import REPO, pyflyte, set_primitive_inputs
from conftest import expect_grpc_error as expect_error  # noqa: F401 (the suite's name for it)

PROJECT = "flytesnacks"
DOMAIN = "development"
HELLO_WF = "hello_world.hello_wf"
HELLO_TASK = "hello_world.say_hello"
FAILING_WF = "behaviours.failing_wf"
SLEEPY_WF = "behaviours.sleepy_wf"
WF_PHASE = core_execution_pb2.WorkflowExecution
TERMINAL = {WF_PHASE.SUCCEEDED, WF_PHASE.FAILED, WF_PHASE.ABORTED, WF_PHASE.TIMED_OUT}


def flyteidl_version() -> str:
    from importlib.metadata import version
    return version("flyteidl")


def check_flyteidl() -> None:
    v = flyteidl_version()
    assert v.startswith("1.16."), f"the suite speaks flyteidl 1.16.x; the venv has {v}"
    assert flyteidl.__file__, "flyteidl is importable"


class Stubs:
    def __init__(self, endpoint: str):
        self.channel = grpc.insecure_channel(endpoint)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)
        self.data = dataproxy_pb2_grpc.DataProxyServiceStub(self.channel)
        self.signal = signal_pb2_grpc.SignalServiceStub(self.channel)

    def close(self):
        self.channel.close()


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:10]


def register(engine, *files: str, project: str = PROJECT) -> str:
    """Registers example files with the real pyflyte; returns the version."""
    version = unique("v")
    pyflyte(engine, "register", "--project", project, "--domain", DOMAIN, "--version", version,
            *[str(REPO / "examples" / f) for f in files], cwd=str(REPO))
    return version


def new_project(stubs: "Stubs") -> str:
    """A project of its own, so that lists hold only what one module made (on Postgres every
    module's engine shares the database)."""
    from flyteidl.admin import project_pb2
    pid = unique("cf")
    stubs.admin.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=pid, name=pid)), timeout=60)
    return pid


def lp_id(name: str, version: str, project: str = PROJECT) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(resource_type=identifier_pb2.LAUNCH_PLAN, project=project,
                                     domain=DOMAIN, name=name, version=version)


def exec_id(name: str, project: str = PROJECT) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=project, domain=DOMAIN, name=name)


def launch(stubs: Stubs, exec_name: str, lp: str, version: str, /, labels=None, tags=(),
           project: str = PROJECT, **inputs):
    """Creates an execution; `inputs` are the launch plan's (e.g. name="x")."""
    req = execution_pb2.ExecutionCreateRequest(project=project, domain=DOMAIN, name=exec_name)
    req.spec.launch_plan.CopyFrom(lp_id(lp, version, project))
    for key, value in (labels or {}).items():
        req.spec.labels.values[key] = value
    req.spec.tags.extend(tags)
    set_primitive_inputs(req.inputs.literals, inputs)
    return stubs.admin.CreateExecution(req, timeout=60)


def wait_phase(stubs: Stubs, name: str, phases, timeout: float = 180.0,
               project: str = PROJECT):
    """Waits until the execution reaches one of `phases`; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        e = stubs.admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=exec_id(name, project)), timeout=60)
        if e.closure.phase in phases:
            return e
        assert time.monotonic() < deadline, (
            f"{name} stayed {WF_PHASE.Phase.Name(e.closure.phase)} for {timeout}s")
        time.sleep(0.2)


def list_all(call, make_request, limit: int, key: str, name_of):
    """Every item of a list call, page by page with its tokens; each page at most `limit`."""
    names, token, pages = [], "", 0
    while True:
        page = call(make_request(limit=limit, token=token), timeout=60)
        items = list(getattr(page, key))
        assert len(items) <= limit
        names += [name_of(i) for i in items]
        pages += 1
        assert pages < 1000, "paging does not end"
        if not page.token:
            return names
        assert len(items) == limit, "a token after a short page"
        token = page.token


def named(project=PROJECT, domain=DOMAIN, name=""):
    return common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name)
