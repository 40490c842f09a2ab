"""Every AdminService, DataProxyService and SignalService method through flyteidl's own stubs:
the happy path and the codes FlyteAdmin answers (NOT_FOUND, INVALID_ARGUMENT, ALREADY_EXISTS),
with paging (limit and token) on the list calls. COVERED must name every method of the three
services, so a method added to flyteidl turns the suite red until it has a test here."""
import grpc
import pytest
from flyteidl.admin import (common_pb2, description_entity_pb2, event_pb2, execution_pb2,
                            launch_plan_pb2, matchable_resource_pb2, node_execution_pb2,
                            project_attributes_pb2, project_domain_attributes_pb2, project_pb2,
                            signal_pb2, task_execution_pb2, task_pb2, version_pb2,
                            workflow_attributes_pb2, workflow_pb2)
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2, dataproxy_pb2_grpc
from flyteidl.service import signal_pb2_grpc

from conformance_support import (DOMAIN, HELLO_TASK, HELLO_WF, PROJECT, SLEEPY_WF, TERMINAL,
                                 WF_PHASE, Stubs, check_flyteidl, exec_id, expect_error, launch,
                                 list_all, named, register, unique, wait_phase)

NOT_FOUND = grpc.StatusCode.NOT_FOUND
INVALID = grpc.StatusCode.INVALID_ARGUMENT
EXISTS = grpc.StatusCode.ALREADY_EXISTS


class World:
    pass


@pytest.fixture(scope="module")
def w(engine):
    check_flyteidl()
    s = Stubs(engine.endpoint)
    world = World()
    world.s, world.a = s, s.admin
    world.version = register(engine, "hello_world.py", "behaviours.py")
    world.run = unique("r")
    launch(s, world.run, HELLO_WF, world.version, name="conformance")
    world.execution = wait_phase(s, world.run, TERMINAL)
    assert world.execution.closure.phase == WF_PHASE.SUCCEEDED
    yield world
    s.close()


def ident(kind, name, version):
    return identifier_pb2.Identifier(resource_type=kind, project=PROJECT, domain=DOMAIN,
                                     name=name, version=version)


def node_id(w, node="n0"):
    return identifier_pb2.NodeExecutionIdentifier(node_id=node, execution_id=exec_id(w.run))


def task_exec_id(w):
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=ident(identifier_pb2.TASK, HELLO_TASK, w.version), node_execution_id=node_id(w),
        retry_attempt=0)


def test_every_method_is_covered():
    """The lists below name every method of the three services in flyteidl 1.16."""
    served = set()
    for stub in (admin_pb2_grpc.AdminServiceStub, dataproxy_pb2_grpc.DataProxyServiceStub,
                 signal_pb2_grpc.SignalServiceStub):
        channel = grpc.insecure_channel("localhost:1")
        served |= {k for k in vars(stub(channel)) if k[0].isupper()}
        channel.close()
    covered = set(COVERED)
    assert served == covered, (served - covered, covered - served)


# --- ProjectService part of AdminService ----------------------------------------------------

def test_projects_and_domains(w):
    pid = unique("p")
    w.a.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=pid, name=pid, description="conformance")), timeout=60)
    expect_error(w.a.RegisterProject, project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=pid, name=pid)), EXISTS, pid)
    expect_error(w.a.RegisterProject, project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(name="no id")), INVALID)
    got = w.a.GetProject(project_pb2.ProjectGetRequest(id=pid), timeout=60)
    assert got.id == pid and got.description == "conformance"
    expect_error(w.a.GetProject, project_pb2.ProjectGetRequest(id=unique("none")), NOT_FOUND)
    w.a.UpdateProject(project_pb2.Project(id=pid, name=pid, description="changed"), timeout=60)
    assert w.a.GetProject(project_pb2.ProjectGetRequest(id=pid), timeout=60).description == \
        "changed"
    expect_error(w.a.UpdateProject, project_pb2.Project(id=unique("none"), name="x"), NOT_FOUND)
    ids = list_all(w.a.ListProjects, lambda limit, token: project_pb2.ProjectListRequest(
        limit=limit, token=token), 1, "projects", lambda p: p.id)
    assert {PROJECT, pid} <= set(ids) and len(ids) == len(set(ids))
    expect_error(w.a.ListProjects, project_pb2.ProjectListRequest(limit=5, token="x"), INVALID,
                 "token")
    domains = w.a.GetDomains(project_pb2.GetDomainRequest(), timeout=60)
    assert {d.id for d in domains.domains} == {"development", "staging", "production"}
    version = w.a.GetVersion(version_pb2.GetVersionRequest(), timeout=60)
    assert version.control_plane_version.Version


# --- Tasks, workflows, launch plans ---------------------------------------------------------

@pytest.mark.parametrize("kind,name,get,create,lst,ids", [
    (identifier_pb2.TASK, HELLO_TASK, "GetTask", "CreateTask", "ListTasks", "ListTaskIds"),
    (identifier_pb2.WORKFLOW, HELLO_WF, "GetWorkflow", "CreateWorkflow", "ListWorkflows",
     "ListWorkflowIds"),
    (identifier_pb2.LAUNCH_PLAN, HELLO_WF, "GetLaunchPlan", "CreateLaunchPlan",
     "ListLaunchPlans", "ListLaunchPlanIds"),
])
def test_versioned_entities(w, kind, name, get, create, lst, ids):
    a = w.a
    id_ = ident(kind, name, w.version)
    got = getattr(a, get)(common_pb2.ObjectGetRequest(id=id_), timeout=60)
    assert got.id == id_
    expect_error(getattr(a, get), common_pb2.ObjectGetRequest(
        id=ident(kind, name, "no-such-version")), NOT_FOUND, "no-such-version")
    expect_error(getattr(a, get), common_pb2.ObjectGetRequest(
        id=ident(kind, name, "")), INVALID, "version")
    # Re-creating an existing id is ALREADY_EXISTS, as FlyteAdmin answers (identical or not).
    if kind == identifier_pb2.TASK:
        again = task_pb2.TaskCreateRequest(id=id_, spec=task_pb2.TaskSpec(
            template=got.closure.compiled_task.template))
    elif kind == identifier_pb2.WORKFLOW:
        # The template as registered: the compiled one without the start and end nodes.
        template = type(got.closure.compiled_workflow.primary.template)()
        template.CopyFrom(got.closure.compiled_workflow.primary.template)
        kept = [n for n in template.nodes if n.id not in ("start-node", "end-node")]
        del template.nodes[:]
        template.nodes.extend(kept)
        again = workflow_pb2.WorkflowCreateRequest(id=id_, spec=workflow_pb2.WorkflowSpec(
            template=template,
            sub_workflows=[s.template for s in got.closure.compiled_workflow.sub_workflows]))
    else:
        again = launch_plan_pb2.LaunchPlanCreateRequest(id=id_, spec=got.spec)
    expect_error(getattr(a, create), again, EXISTS)
    if kind == identifier_pb2.TASK:
        # The same id with another definition: INVALID_ARGUMENT, as FlyteAdmin answers.
        again.spec.template.metadata.retries.retries = 9
        expect_error(a.CreateTask, again, INVALID, "already exists")
    versions = list_all(getattr(a, lst), lambda limit, token: common_pb2.ResourceListRequest(
        id=named(name=name), limit=limit, token=token), 1,
        {"GetTask": "tasks", "GetWorkflow": "workflows", "GetLaunchPlan": "launch_plans"}[get],
        lambda e: e.id.version)
    assert w.version in versions
    expect_error(getattr(a, lst), common_pb2.ResourceListRequest(id=named(), limit=0), INVALID,
                 "limit")
    expect_error(getattr(a, lst), common_pb2.ResourceListRequest(
        id=named(project=""), limit=5), INVALID)
    names = list_all(getattr(a, ids), lambda limit, token:
                     common_pb2.NamedEntityIdentifierListRequest(
                         project=PROJECT, domain=DOMAIN, limit=limit, token=token), 2,
                     "entities", lambda e: e.name)
    assert name in names


def test_launch_plan_activation(w):
    a = w.a
    id_ = ident(identifier_pb2.LAUNCH_PLAN, HELLO_WF, w.version)
    expect_error(a.GetActiveLaunchPlan, launch_plan_pb2.ActiveLaunchPlanRequest(
        id=named(name=HELLO_WF)), NOT_FOUND)
    a.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(
        id=id_, state=launch_plan_pb2.ACTIVE), timeout=60)
    active = a.GetActiveLaunchPlan(launch_plan_pb2.ActiveLaunchPlanRequest(
        id=named(name=HELLO_WF)), timeout=60)
    assert active.id == id_ and active.closure.state == launch_plan_pb2.ACTIVE
    listed = a.ListActiveLaunchPlans(launch_plan_pb2.ActiveLaunchPlanListRequest(
        project=PROJECT, domain=DOMAIN, limit=10), timeout=60)
    assert [lp.id for lp in listed.launch_plans] == [id_]
    expect_error(a.ListActiveLaunchPlans, launch_plan_pb2.ActiveLaunchPlanListRequest(
        project=PROJECT, limit=10), INVALID)
    a.UpdateLaunchPlan(launch_plan_pb2.LaunchPlanUpdateRequest(
        id=id_, state=launch_plan_pb2.INACTIVE), timeout=60)
    expect_error(a.GetActiveLaunchPlan, launch_plan_pb2.ActiveLaunchPlanRequest(
        id=named(name=HELLO_WF)), NOT_FOUND)
    expect_error(a.UpdateLaunchPlan, launch_plan_pb2.LaunchPlanUpdateRequest(
        id=ident(identifier_pb2.LAUNCH_PLAN, HELLO_WF, "no-such-version"),
        state=launch_plan_pb2.ACTIVE), NOT_FOUND)


# --- Executions -----------------------------------------------------------------------------

def test_execution_lifecycle(w):
    a = w.a
    got = a.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=exec_id(w.run)), timeout=60)
    assert got.id.name == w.run
    expect_error(a.GetExecution, execution_pb2.WorkflowExecutionGetRequest(
        id=exec_id(unique("none"))), NOT_FOUND)
    expect_error(a.GetExecution, execution_pb2.WorkflowExecutionGetRequest(), INVALID)
    data = a.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=exec_id(w.run)),
                              timeout=60)
    assert data.full_outputs.literals["o0"].scalar.primitive.string_value == "Hello, conformance!"
    expect_error(a.GetExecutionData, execution_pb2.WorkflowExecutionGetDataRequest(
        id=exec_id(unique("none"))), NOT_FOUND)
    # CreateExecution: ALREADY_EXISTS for a taken name, NOT_FOUND for a missing launch plan.
    req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN, name=w.run)
    req.spec.launch_plan.CopyFrom(ident(identifier_pb2.LAUNCH_PLAN, HELLO_WF, w.version))
    expect_error(a.CreateExecution, req, EXISTS, w.run)
    req.name = unique("x")
    req.spec.launch_plan.version = "no-such-version"
    expect_error(a.CreateExecution, req, NOT_FOUND)
    # Relaunch: a new execution of the same launch plan and inputs.
    again = unique("re")
    a.RelaunchExecution(execution_pb2.ExecutionRelaunchRequest(id=exec_id(w.run), name=again),
                        timeout=60)
    assert wait_phase(w.s, again, TERMINAL).closure.phase == WF_PHASE.SUCCEEDED
    expect_error(a.RelaunchExecution, execution_pb2.ExecutionRelaunchRequest(
        id=exec_id(unique("none")), name=unique("re")), NOT_FOUND)
    # UpdateExecution archives; the state is visible in the closure.
    a.UpdateExecution(execution_pb2.ExecutionUpdateRequest(
        id=exec_id(again), state=execution_pb2.EXECUTION_ARCHIVED), timeout=60)
    archived = a.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=exec_id(again)),
                              timeout=60)
    assert archived.closure.state_change_details.state == execution_pb2.EXECUTION_ARCHIVED
    expect_error(a.UpdateExecution, execution_pb2.ExecutionUpdateRequest(
        id=exec_id(unique("none")), state=execution_pb2.EXECUTION_ARCHIVED), NOT_FOUND)
    names = list_all(a.ListExecutions, lambda limit, token: common_pb2.ResourceListRequest(
        id=named(), limit=limit, token=token), 1, "executions", lambda e: e.id.name)
    assert {w.run, again} <= set(names) and len(names) == len(set(names))


def test_terminate_execution(w):
    name = unique("t")
    launch(w.s, name, SLEEPY_WF, w.version, seconds=600)
    w.a.TerminateExecution(execution_pb2.ExecutionTerminateRequest(
        id=exec_id(name), cause="conformance"), timeout=60)
    done = wait_phase(w.s, name, TERMINAL)
    assert done.closure.phase == WF_PHASE.ABORTED
    assert done.closure.abort_metadata.cause == "conformance"
    expect_error(w.a.TerminateExecution, execution_pb2.ExecutionTerminateRequest(
        id=exec_id(unique("none")), cause="x"), NOT_FOUND)


def test_node_and_task_executions(w):
    a = w.a
    node = a.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(id=node_id(w)),
                              timeout=60)
    assert node.id.node_id == "n0"
    expect_error(a.GetNodeExecution, node_execution_pb2.NodeExecutionGetRequest(
        id=node_id(w, "nosuch")), NOT_FOUND)
    data = a.GetNodeExecutionData(node_execution_pb2.NodeExecutionGetDataRequest(id=node_id(w)),
                                  timeout=60)
    assert data.full_inputs.literals["name"].scalar.primitive.string_value == "conformance"
    expect_error(a.GetNodeExecutionData, node_execution_pb2.NodeExecutionGetDataRequest(
        id=node_id(w, "nosuch")), NOT_FOUND)
    ids = list_all(a.ListNodeExecutions, lambda limit, token:
                   node_execution_pb2.NodeExecutionListRequest(
                       workflow_execution_id=exec_id(w.run), limit=limit, token=token), 1,
                   "node_executions", lambda n: n.id.node_id)
    assert "n0" in ids
    expect_error(a.ListNodeExecutions, node_execution_pb2.NodeExecutionListRequest(
        workflow_execution_id=exec_id(w.run), limit=0), INVALID, "limit")
    task = a.GetTaskExecution(task_execution_pb2.TaskExecutionGetRequest(id=task_exec_id(w)),
                              timeout=60)
    assert task.id.task_id.name == HELLO_TASK
    missing = task_exec_id(w)
    missing.retry_attempt = 7
    expect_error(a.GetTaskExecution, task_execution_pb2.TaskExecutionGetRequest(id=missing),
                 NOT_FOUND)
    tdata = a.GetTaskExecutionData(task_execution_pb2.TaskExecutionGetDataRequest(
        id=task_exec_id(w)), timeout=60)
    assert tdata.full_outputs.literals["o0"].scalar.primitive.string_value == \
        "Hello, conformance!"
    expect_error(a.GetTaskExecutionData, task_execution_pb2.TaskExecutionGetDataRequest(
        id=missing), NOT_FOUND)
    attempts = list_all(a.ListTaskExecutions, lambda limit, token:
                        task_execution_pb2.TaskExecutionListRequest(
                            node_execution_id=node_id(w), limit=limit, token=token), 1,
                        "task_executions", lambda t: t.id.retry_attempt)
    assert attempts == [0]


# --- Named entities and matchable attributes ------------------------------------------------

def test_named_entities(w):
    a = w.a
    nid = named(name=HELLO_WF)
    got = a.GetNamedEntity(common_pb2.NamedEntityGetRequest(
        resource_type=identifier_pb2.WORKFLOW, id=nid), timeout=60)
    assert got.id == nid
    expect_error(a.GetNamedEntity, common_pb2.NamedEntityGetRequest(
        resource_type=identifier_pb2.WORKFLOW, id=named(name="nosuch")), NOT_FOUND)
    a.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
        resource_type=identifier_pb2.WORKFLOW, id=nid,
        metadata=common_pb2.NamedEntityMetadata(description="greets")), timeout=60)
    again = a.GetNamedEntity(common_pb2.NamedEntityGetRequest(
        resource_type=identifier_pb2.WORKFLOW, id=nid), timeout=60)
    assert again.metadata.description == "greets"
    names = list_all(a.ListNamedEntities, lambda limit, token: common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=PROJECT, domain=DOMAIN, limit=limit,
        token=token), 1, "entities", lambda e: e.id.name)
    assert HELLO_WF in names and not any(n.startswith(".flytegen") for n in names)
    expect_error(a.ListNamedEntities, common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=PROJECT, limit=5), INVALID)


def queue_attrs(*queues):
    return matchable_resource_pb2.MatchingAttributes(
        execution_queue_attributes=matchable_resource_pb2.ExecutionQueueAttributes(tags=queues))


def test_matchable_attributes(w):
    a = w.a
    queue = matchable_resource_pb2.EXECUTION_QUEUE
    a.UpdateProjectAttributes(project_attributes_pb2.ProjectAttributesUpdateRequest(
        attributes=project_attributes_pb2.ProjectAttributes(
            project=PROJECT, matching_attributes=queue_attrs("p"))), timeout=60)
    got = a.GetProjectAttributes(project_attributes_pb2.ProjectAttributesGetRequest(
        project=PROJECT, resource_type=queue), timeout=60)
    assert list(got.attributes.matching_attributes.execution_queue_attributes.tags) == ["p"]
    a.UpdateProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
            attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                project=PROJECT, domain=DOMAIN, matching_attributes=queue_attrs("pd"))),
        timeout=60)
    got = a.GetProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesGetRequest(
            project=PROJECT, domain=DOMAIN, resource_type=queue), timeout=60)
    assert list(got.attributes.matching_attributes.execution_queue_attributes.tags) == ["pd"]
    a.UpdateWorkflowAttributes(workflow_attributes_pb2.WorkflowAttributesUpdateRequest(
        attributes=workflow_attributes_pb2.WorkflowAttributes(
            project=PROJECT, domain=DOMAIN, workflow=HELLO_WF,
            matching_attributes=queue_attrs("wf"))), timeout=60)
    got = a.GetWorkflowAttributes(workflow_attributes_pb2.WorkflowAttributesGetRequest(
        project=PROJECT, domain=DOMAIN, workflow=HELLO_WF, resource_type=queue), timeout=60)
    assert list(got.attributes.matching_attributes.execution_queue_attributes.tags) == ["wf"]
    a.DeleteWorkflowAttributes(workflow_attributes_pb2.WorkflowAttributesDeleteRequest(
        project=PROJECT, domain=DOMAIN, workflow=HELLO_WF, resource_type=queue), timeout=60)
    # As FlyteAdmin's Get: the most specific level set at or above the one asked for.
    wf_get = workflow_attributes_pb2.WorkflowAttributesGetRequest(
        project=PROJECT, domain=DOMAIN, workflow=HELLO_WF, resource_type=queue)
    got = a.GetWorkflowAttributes(wf_get, timeout=60).attributes
    assert (got.domain, got.workflow) == (DOMAIN, "")
    assert list(got.matching_attributes.execution_queue_attributes.tags) == ["pd"]
    a.DeleteProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN, resource_type=queue), timeout=60)
    pd_get = project_domain_attributes_pb2.ProjectDomainAttributesGetRequest(
        project=PROJECT, domain=DOMAIN, resource_type=queue)
    got = a.GetProjectDomainAttributes(pd_get, timeout=60).attributes
    assert got.domain == "" and list(got.matching_attributes.execution_queue_attributes.tags) == [
        "p"]
    assert list(a.GetWorkflowAttributes(wf_get, timeout=60).attributes.matching_attributes
                .execution_queue_attributes.tags) == ["p"]
    a.DeleteProjectAttributes(project_attributes_pb2.ProjectAttributesDeleteRequest(
        project=PROJECT, resource_type=queue), timeout=60)
    expect_error(a.GetWorkflowAttributes, wf_get, NOT_FOUND)
    expect_error(a.GetProjectDomainAttributes, pd_get, NOT_FOUND)
    expect_error(a.GetProjectAttributes, project_attributes_pb2.ProjectAttributesGetRequest(
        project=PROJECT, resource_type=queue), NOT_FOUND)
    expect_error(a.UpdateProjectAttributes, project_attributes_pb2.ProjectAttributesUpdateRequest(
        attributes=project_attributes_pb2.ProjectAttributes(
            project="no-such-project", matching_attributes=queue_attrs("x"))), INVALID)


def test_project_attributes_of_workflow_execution_config_default_to_the_servers(w):
    """As FlyteAdmin answers GetProjectAttributes: for WORKFLOW_EXECUTION_CONFIG the server's
    defaults when the project has none stored (Flytebox's are all unset), NOT_FOUND for the
    other kinds; GetProjectDomainAttributes has no such defaults."""
    a = w.a
    project = unique("defaults")
    a.RegisterProject(project_pb2.ProjectRegisterRequest(
        project=project_pb2.Project(id=project, name=project)), timeout=60)
    wec = matchable_resource_pb2.WORKFLOW_EXECUTION_CONFIG
    got = a.GetProjectAttributes(project_attributes_pb2.ProjectAttributesGetRequest(
        project=project, resource_type=wec), timeout=60).attributes
    assert got.project == project
    assert got.matching_attributes.WhichOneof("target") == "workflow_execution_config"
    assert got.matching_attributes.workflow_execution_config == \
        matchable_resource_pb2.WorkflowExecutionConfig()
    expect_error(a.GetProjectAttributes, project_attributes_pb2.ProjectAttributesGetRequest(
        project=project, resource_type=matchable_resource_pb2.EXECUTION_QUEUE), NOT_FOUND)
    expect_error(a.GetProjectDomainAttributes,
                 project_domain_attributes_pb2.ProjectDomainAttributesGetRequest(
                     project=project, domain=DOMAIN, resource_type=wec), NOT_FOUND)
    # What is stored is answered as stored (merged over defaults that set nothing).
    stored = matchable_resource_pb2.WorkflowExecutionConfig(max_parallelism=7)
    a.UpdateProjectAttributes(project_attributes_pb2.ProjectAttributesUpdateRequest(
        attributes=project_attributes_pb2.ProjectAttributes(
            project=project, matching_attributes=matchable_resource_pb2.MatchingAttributes(
                workflow_execution_config=stored))), timeout=60)
    got = a.GetProjectAttributes(project_attributes_pb2.ProjectAttributesGetRequest(
        project=project, resource_type=wec), timeout=60).attributes
    assert got.matching_attributes.workflow_execution_config == stored
    expect_error(a.GetProjectAttributes, project_attributes_pb2.ProjectAttributesGetRequest(
        project="no-such-project", resource_type=wec), INVALID)


# --- SignalService --------------------------------------------------------------------------

def test_signals(w):
    sig = identifier_pb2.SignalIdentifier(signal_id=unique("s"), execution_id=exec_id(w.run))
    boolean = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
    made = w.s.signal.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(
        id=sig, type=boolean), timeout=60)
    assert made.id == sig and made.type == boolean
    # Getting it again returns the same signal.
    assert w.s.signal.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(
        id=sig, type=boolean), timeout=60).id == sig
    value = literals_pb2.Literal(scalar=literals_pb2.Scalar(
        primitive=literals_pb2.Primitive(boolean=True)))
    w.s.signal.SetSignal(signal_pb2.SignalSetRequest(id=sig, value=value), timeout=60)
    missing = identifier_pb2.SignalIdentifier(signal_id="nosuch", execution_id=exec_id(w.run))
    expect_error(w.s.signal.SetSignal, signal_pb2.SignalSetRequest(id=missing, value=value),
                 NOT_FOUND)
    listed = list_all(w.s.signal.ListSignals, lambda limit, token: signal_pb2.SignalListRequest(
        workflow_execution_id=exec_id(w.run), limit=limit, token=token), 1, "signals",
        lambda s: s.id.signal_id)
    assert listed == [sig.signal_id]
    expect_error(w.s.signal.GetOrCreateSignal, signal_pb2.SignalGetOrCreateRequest(
        id=identifier_pb2.SignalIdentifier(signal_id="x")), INVALID)


# --- DataProxyService -----------------------------------------------------------------------

def test_data_proxy(w):
    d = w.s.data
    up = d.CreateUploadLocation(dataproxy_pb2.CreateUploadLocationRequest(
        project=PROJECT, domain=DOMAIN, filename="f.txt", content_md5=b"0123456789abcdef"),
        timeout=60)
    assert up.signed_url and up.native_url
    expect_error(d.CreateUploadLocation, dataproxy_pb2.CreateUploadLocationRequest(
        filename="f.txt"), INVALID)
    out_uri = w.execution.closure.outputs.uri or w.execution.closure.output_data.uri
    if out_uri:
        down = d.CreateDownloadLocation(dataproxy_pb2.CreateDownloadLocationRequest(
            native_url=out_uri), timeout=60)
        assert down.signed_url
    expect_error(d.CreateDownloadLocation, dataproxy_pb2.CreateDownloadLocationRequest(),
                 INVALID)
    # hello_world's task writes no deck (flytekit's default): NOT_FOUND, saying so.
    expect_error(d.CreateDownloadLink, dataproxy_pb2.CreateDownloadLinkRequest(
        artifact_type=dataproxy_pb2.ARTIFACT_TYPE_DECK, node_execution_id=node_id(w)),
        NOT_FOUND, "no deck")
    expect_error(d.CreateDownloadLink, dataproxy_pb2.CreateDownloadLinkRequest(
        node_execution_id=node_id(w)), INVALID, "ARTIFACT_TYPE_DECK")
    expect_error(d.CreateDownloadLink, dataproxy_pb2.CreateDownloadLinkRequest(
        artifact_type=dataproxy_pb2.ARTIFACT_TYPE_DECK,
        node_execution_id=node_id(w, "nosuch")), NOT_FOUND)


# --- Recovery, dynamic nodes, events, metrics, descriptions, GetData ------------------------
# Their deeper behaviour (recovery reusing outputs, dynamic children, event ordering) is in
# tests/e2e/test_parity.py; here each answers through flyteidl's stubs with FlyteAdmin's codes.

def _event_time():
    from google.protobuf.timestamp_pb2 import Timestamp
    t = Timestamp()
    t.GetCurrentTime()
    return t


def test_recover_execution(w):
    name = unique("rc")
    got = w.a.RecoverExecution(execution_pb2.ExecutionRecoverRequest(
        id=exec_id(w.run), name=name), timeout=60)
    assert got.id.name == name
    ex = wait_phase(w.s, name, TERMINAL)
    assert ex.closure.phase == WF_PHASE.SUCCEEDED
    assert ex.spec.metadata.mode == execution_pb2.ExecutionMetadata.RECOVERED
    assert ex.spec.metadata.reference_execution.name == w.run
    missing = unique("none")
    expect_error(w.a.RecoverExecution, execution_pb2.ExecutionRecoverRequest(
        id=exec_id(missing)), NOT_FOUND, missing)


def test_dynamic_node_workflow_of_a_plain_node_is_not_found(w):
    expect_error(w.a.GetDynamicNodeWorkflow, node_execution_pb2.GetDynamicNodeWorkflowRequest(
        id=node_id(w)), NOT_FOUND)
    expect_error(w.a.GetDynamicNodeWorkflow, node_execution_pb2.GetDynamicNodeWorkflowRequest(
        id=node_id(w, "nosuchnode")), NOT_FOUND)


def test_node_executions_for_a_plain_task_are_none(w):
    got = w.a.ListNodeExecutionsForTask(node_execution_pb2.NodeExecutionForTaskListRequest(
        task_execution_id=task_exec_id(w), limit=10), timeout=60)
    assert list(got.node_executions) == []
    missing = task_exec_id(w)
    missing.retry_attempt = 9
    expect_error(w.a.ListNodeExecutionsForTask, node_execution_pb2.NodeExecutionForTaskListRequest(
        task_execution_id=missing, limit=10), NOT_FOUND)


def test_events_without_an_event_are_invalid(w):
    for call, request in ((w.a.CreateWorkflowEvent, event_pb2.WorkflowExecutionEventRequest),
                          (w.a.CreateNodeEvent, event_pb2.NodeExecutionEventRequest),
                          (w.a.CreateTaskEvent, event_pb2.TaskExecutionEventRequest)):
        expect_error(call, request(request_id=unique("ev")), INVALID)


def test_workflow_event_for_a_finished_execution_is_refused(w):
    from flyteidl.event import event_pb2 as events
    request = event_pb2.WorkflowExecutionEventRequest(
        request_id=unique("ev"), event=events.WorkflowExecutionEvent(
            execution_id=exec_id(w.run), phase=WF_PHASE.RUNNING, occurred_at=_event_time(),
            producer_id="conformance"))
    expect_error(w.a.CreateWorkflowEvent, request, grpc.StatusCode.FAILED_PRECONDITION)
    request.event.execution_id.name = unique("none")
    expect_error(w.a.CreateWorkflowEvent, request, NOT_FOUND)


def test_list_matchable_attributes(w):
    queue = matchable_resource_pb2.MatchingAttributes(
        execution_queue_attributes=matchable_resource_pb2.ExecutionQueueAttributes(
            tags=["conformance"]))
    w.a.UpdateProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
            attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                project=PROJECT, domain=DOMAIN, matching_attributes=queue)), timeout=60)
    got = w.a.ListMatchableAttributes(matchable_resource_pb2.ListMatchableAttributesRequest(
        resource_type=matchable_resource_pb2.EXECUTION_QUEUE), timeout=60)
    mine = [c for c in got.configurations if c.project == PROJECT and c.domain == DOMAIN
            and not c.workflow and not c.launch_plan]
    assert [c.attributes for c in mine] == [queue]
    w.a.DeleteProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesDeleteRequest(
            project=PROJECT, domain=DOMAIN,
            resource_type=matchable_resource_pb2.EXECUTION_QUEUE), timeout=60)


def test_description_entities(w):
    wf = ident(identifier_pb2.WORKFLOW, HELLO_WF, w.version)
    got = w.a.GetDescriptionEntity(common_pb2.ObjectGetRequest(id=wf), timeout=60)
    assert got.id.name == HELLO_WF and got.id.version == w.version
    listed = w.a.ListDescriptionEntities(description_entity_pb2.DescriptionEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, id=named(name=HELLO_WF), limit=10), timeout=60)
    assert w.version in [e.id.version for e in listed.descriptionEntities]
    wf.version = unique("none")
    expect_error(w.a.GetDescriptionEntity, common_pb2.ObjectGetRequest(id=wf), NOT_FOUND)


def test_execution_metrics(w):
    got = w.a.GetExecutionMetrics(execution_pb2.WorkflowExecutionGetMetricsRequest(
        id=exec_id(w.run), depth=2), timeout=60)
    span = got.span
    assert span.workflow_id.name == w.run
    assert span.end_time.ToMicroseconds() >= span.start_time.ToMicroseconds() > 0
    assert any(s.WhichOneof("id") == "node_id" for s in span.spans), span
    expect_error(w.a.GetExecutionMetrics, execution_pb2.WorkflowExecutionGetMetricsRequest(
        id=exec_id(unique("none")), depth=2), NOT_FOUND)


def test_get_data_of_a_flyte_url(w):
    base = f"flyte://v1/{PROJECT}/{DOMAIN}/{w.run}/n0"
    got = w.s.data.GetData(dataproxy_pb2.GetDataRequest(flyte_url=base + "/o"), timeout=60)
    assert got.literal_map.literals["o0"].scalar.primitive.string_value == "Hello, conformance!"
    expect_error(w.s.data.GetData, dataproxy_pb2.GetDataRequest(flyte_url=base + "/x"), INVALID)
    expect_error(w.s.data.GetData, dataproxy_pb2.GetDataRequest(flyte_url=base + "/o/nosuch"),
                 NOT_FOUND)


COVERED = [
    "RecoverExecution", "GetDynamicNodeWorkflow", "ListNodeExecutionsForTask",
    "CreateWorkflowEvent", "CreateNodeEvent", "CreateTaskEvent", "ListMatchableAttributes",
    "GetDescriptionEntity", "ListDescriptionEntities", "GetExecutionMetrics", "GetData",
    "RegisterProject", "UpdateProject", "GetProject", "ListProjects", "GetDomains", "GetVersion",
    "CreateTask", "GetTask", "ListTaskIds", "ListTasks", "CreateWorkflow", "GetWorkflow",
    "ListWorkflowIds", "ListWorkflows", "CreateLaunchPlan", "GetLaunchPlan",
    "GetActiveLaunchPlan", "ListActiveLaunchPlans", "ListLaunchPlanIds", "ListLaunchPlans",
    "UpdateLaunchPlan", "CreateExecution", "RelaunchExecution", "GetExecution",
    "UpdateExecution", "GetExecutionData", "ListExecutions", "TerminateExecution",
    "GetNodeExecution", "ListNodeExecutions", "GetNodeExecutionData", "GetTaskExecution",
    "ListTaskExecutions", "GetTaskExecutionData", "UpdateProjectDomainAttributes",
    "GetProjectDomainAttributes", "DeleteProjectDomainAttributes", "UpdateProjectAttributes",
    "GetProjectAttributes", "DeleteProjectAttributes", "UpdateWorkflowAttributes",
    "GetWorkflowAttributes", "DeleteWorkflowAttributes", "ListNamedEntities", "GetNamedEntity",
    "UpdateNamedEntity", "CreateUploadLocation", "CreateDownloadLocation", "CreateDownloadLink",
    "GetOrCreateSignal", "ListSignals", "SetSignal",
]
