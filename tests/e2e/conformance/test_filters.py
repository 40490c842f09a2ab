"""FlyteAdmin's filter grammar on every list call: each field and operator, its value types,
its sort keys and its refusals (docs/COMPATIBILITY.md lists them), against a real engine
through flyteidl's own stubs. Every request is one a production FlyteAdmin 1.16 accepts (or
refuses) the same way, unless COMPATIBILITY.md says otherwise."""
import grpc
import pytest
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2, project_pb2
from flyteidl.admin import signal_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2, types_pb2

import conformance_support as cs
from conformance_support import (DOMAIN, FAILING_WF, HELLO_TASK, HELLO_WF, TERMINAL, WF_PHASE,
                                 Stubs, check_flyteidl, expect_error, list_all, new_project,
                                 unique)

# This module's own project (registered by the fixture): its lists hold only what it made.
PROJECT = ""


def exec_id(name):
    return cs.exec_id(name, PROJECT)


def named(name=""):
    return cs.named(project=PROJECT, name=name)

INVALID = grpc.StatusCode.INVALID_ARGUMENT


class World:
    """Executions with known properties: two hello runs with labels and tags, one failure."""


@pytest.fixture(scope="module")
def world(engine):
    global PROJECT
    check_flyteidl()
    stubs = Stubs(engine.endpoint)
    PROJECT = new_project(stubs)
    w = World()
    w.stubs = stubs
    w.version = cs.register(engine, "hello_world.py", "behaviours.py", project=PROJECT)
    w.blue, w.red, w.failed = unique("fa"), unique("fb"), unique("fc")
    cs.launch(stubs, w.blue, HELLO_WF, w.version, labels={"team": "blue"}, tags=["nightly"],
              project=PROJECT, name="blue")
    cs.launch(stubs, w.red, HELLO_WF, w.version, labels={"team": "red"}, project=PROJECT,
              name="red")
    cs.launch(stubs, w.failed, FAILING_WF, w.version, project=PROJECT)
    w.execs = {n: cs.wait_phase(stubs, n, TERMINAL, project=PROJECT)
               for n in (w.blue, w.red, w.failed)}
    assert w.execs[w.blue].closure.phase == WF_PHASE.SUCCEEDED
    assert w.execs[w.failed].closure.phase == WF_PHASE.FAILED
    w.all = {w.blue, w.red, w.failed}
    yield w
    stubs.close()


def executions(world, filters="", sort=None):
    req = common_pb2.ResourceListRequest(id=named(), limit=100, filters=filters)
    if sort:
        req.sort_by.CopyFrom(sort)
    return [e.id.name for e in world.stubs.admin.ListExecutions(req, timeout=60).executions]


def exec_names(world, filters):
    return set(executions(world, filters))


def ts(world, name):
    return world.execs[name].closure.created_at.ToJsonString()


def test_execution_name_every_operator(world):
    b, r, f = sorted([world.blue, world.red, world.failed])
    assert (b, r, f) == (world.blue, world.red, world.failed)  # fa < fb < fc
    cases = {
        f"eq(execution_name,{b})": {b},
        f"ne(execution_name,{b})": {r, f},
        f"gt(execution_name,{b})": {r, f},
        f"gte(execution_name,{r})": {r, f},
        f"lt(execution_name,{r})": {b},
        f"lte(execution_name,{r})": {b, r},
        f"contains(execution_name,{r[2:8]})": {r},
        "not_like(execution_name,fa%)": {r, f},
        f"value_in(execution_name,{b};{f};nosuch)": {b, f},
        f"value_not_in(execution_name,{b};{f})": {r},
        # FlyteAdmin's regex allows one space after the comma.
        f"eq(execution_name, {b})": {b},
    }
    for filters, want in cases.items():
        assert exec_names(world, filters) == want, filters


def test_execution_id_fields(world):
    assert exec_names(world, f"eq(execution_project,{PROJECT})") == world.all
    assert exec_names(world, f"eq(execution_domain,{DOMAIN})+eq(execution_project,{PROJECT})") \
        == world.all
    assert exec_names(world, "eq(execution_domain,production)") == set()


def test_execution_phase_by_name_and_number(world):
    done = {world.blue, world.red}
    assert exec_names(world, "eq(phase,SUCCEEDED)") == done
    assert exec_names(world, f"eq(phase,{WF_PHASE.SUCCEEDED})") == done
    assert exec_names(world, "value_in(phase,FAILED;ABORTED)") == {world.failed}
    assert exec_names(world, "value_not_in(phase,SUCCEEDED)") == {world.failed}
    assert exec_names(world, "ne(phase,FAILED)") == done
    # FlyteAdmin compares the stored text: an unknown phase name matches nothing.
    assert exec_names(world, "eq(phase,succeeded)") == set()


def test_execution_error_fields(world):
    failed = world.execs[world.failed].closure.error
    assert exec_names(world, "eq(error_kind,USER)") == {world.failed}
    assert exec_names(world, f"eq(error_code,{failed.code})") == {world.failed}
    assert exec_names(world, "eq(error_kind,SYSTEM)") == set()


def test_execution_timestamps(world):
    for field in ("execution_created_at", "created_at"):
        assert exec_names(world, f"gte({field},{ts(world, world.red)})") == \
            {world.red, world.failed}, field
        assert exec_names(world, f"lt({field},{ts(world, world.red)})") == {world.blue}, field
    assert exec_names(world, "gt(started_at,2000-01-01T00:00:00Z)") == world.all
    assert exec_names(world, "lt(execution_updated_at,2000-01-01T00:00:00.5+02:00)") == set()
    assert exec_names(world, "gt(updated_at,2000-01-01T00:00:00Z)") == world.all
    expect_error(world.stubs.admin.ListExecutions, common_pb2.ResourceListRequest(
        id=named(), limit=5, filters="gt(execution_created_at,yesterday)"), INVALID, "yesterday")


def test_execution_duration_in_seconds_and_go_durations(world):
    assert exec_names(world, "gt(duration,0)") == world.all
    assert exec_names(world, "gte(duration,0.001)") == world.all
    assert exec_names(world, "gt(duration,1h)") == set()
    assert exec_names(world, "lt(duration,2h30m)") == world.all
    assert exec_names(world, "lt(duration,1ms)") == set()
    expect_error(world.stubs.admin.ListExecutions, common_pb2.ResourceListRequest(
        id=named(), limit=5, filters="gt(duration,ages)"), INVALID,
        "Failed to parse duration [ages]")


def test_execution_enums_by_number_and_name(world):
    assert exec_names(world, "eq(mode,0)") == world.all
    assert exec_names(world, "eq(mode,MANUAL)") == world.all
    assert exec_names(world, "eq(mode,SCHEDULED)") == set()
    assert exec_names(world, "eq(state,EXECUTION_ACTIVE)") == world.all
    assert exec_names(world, "eq(state,1)") == set()
    expect_error(world.stubs.admin.ListExecutions, common_pb2.ResourceListRequest(
        id=named(), limit=5, filters="eq(mode,SOMETIMES)"), INVALID, "SOMETIMES", "MANUAL")


def test_execution_user_and_launch_entity(world):
    user = world.execs[world.blue].spec.metadata.principal
    # Without authentication FlyteAdmin records an empty principal; so does the engine.
    assert user == ""
    assert exec_names(world, "ne(user,nobody-at-all)") == world.all
    assert exec_names(world, "eq(user,nobody-at-all)") == set()
    assert exec_names(world, "eq(launch_entity,launch_plan)") == world.all
    assert exec_names(world, "eq(launch_entity,task)") == set()


def test_execution_joined_entities(world):
    v = world.version
    hello = {world.blue, world.red}
    assert exec_names(world, f"eq(launch_plan.name,{HELLO_WF})") == hello
    assert exec_names(world, f"eq(launch_plan.version,{v})+eq(launch_plan.project,{PROJECT})"
                      f"+eq(launch_plan.domain,{DOMAIN})") == world.all
    assert exec_names(world, f"eq(workflow.name,{FAILING_WF})") == {world.failed}
    assert exec_names(world, f"eq(workflow.version,{v})+eq(workflow.project,{PROJECT})"
                      f"+eq(workflow.domain,{DOMAIN})") == world.all
    assert exec_names(world, "contains(workflow.name,failing)") == {world.failed}
    assert exec_names(world, f"eq(task.name,{HELLO_TASK})") == set()


def test_execution_tags_and_labels(world):
    both = {world.blue, world.red}
    assert exec_names(world, "eq(execution_tag.key,team)") == both
    assert exec_names(world, "eq(execution_tag.value,blue)") == {world.blue}
    assert exec_names(world, "value_in(execution_tag.value,red;green)") == {world.red}
    assert exec_names(world, "eq(execution_tag.key,nightly)") == {world.blue}
    assert exec_names(world, "eq(admin_tag.name,nightly)") == {world.blue}
    assert exec_names(world, "contains(execution_tag.key,ea)") == both
    assert exec_names(world, "eq(execution_tag.key,te)") == set()


@pytest.mark.parametrize("filters,needles", [
    ("eq(name,x)", ["'e.name' is invalid filter", "execution_name"]),
    ("eq(project,x)", ["'e.project' is invalid filter"]),
    ("eq(nosuch,x)", ["'e.nosuch' is invalid filter"]),
    ("eq(workflow.nosuch,x)", ["'w.nosuch' is invalid filter"]),
    ("eq(node_execution.phase,x)", ["'ne' entity is not allowed in filters"]),
    ("eq(execution_admin_tag.execution_name,x)", ["'eat' entity is not allowed in filters"]),
    ("eq(cluster,x)", ["'cluster'", "does not record"]),
    ("eq(launch_plan_id,1)", ["'launch_plan_id'", "does not record"]),
    ("eq(workflow.created_at,2020-01-01T00:00:00Z)", ["'workflow.created_at'", "does not record"]),
    ("like(execution_name,x)", ["unrecognized filter function: like"]),
    ("eq(execution_name,x", ["invalid value for filters"]),
    ("eq(execution_name)", ["invalid value for filters"]),
    ("eq(execution_name,a)+", ["invalid value for filters", "nothing after '+'"]),
    ("gt(execution_tag.key,a)", ["execution_tag.key"]),
    ("contains(mode,1)", ["contains"]),
])
def test_execution_filter_refusals(world, filters, needles):
    expect_error(world.stubs.admin.ListExecutions, common_pb2.ResourceListRequest(
        id=named(), limit=5, filters=filters), INVALID, *needles)


def test_execution_sort_keys(world):
    asc = common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.ASCENDING)
    desc = common_pb2.Sort(key="execution_name", direction=common_pb2.Sort.DESCENDING)
    every = sorted(world.all)
    assert executions(world, sort=asc) == every
    assert executions(world, sort=desc) == every[::-1]
    for key in ("execution_created_at", "created_at", "started_at", "duration", "phase",
                "updated_at", "mode", "user", "state", "error_kind"):
        got = executions(world, sort=common_pb2.Sort(key=key, direction=common_pb2.Sort.ASCENDING))
        assert sorted(got) == every, key
    by_created = executions(world, sort=common_pb2.Sort(
        key="execution_created_at", direction=common_pb2.Sort.ASCENDING))
    assert by_created == [world.blue, world.red, world.failed]
    for key in ("name", "launch_plan.name", "cluster"):
        expect_error(world.stubs.admin.ListExecutions, common_pb2.ResourceListRequest(
            id=named(), limit=5, sort_by=common_pb2.Sort(key=key)), INVALID,
            f"invalid sort key '{key}'")


def test_execution_paging_with_filters(world):
    def request(limit, token):
        return common_pb2.ResourceListRequest(id=named(), limit=limit, token=token,
                                              filters="ne(execution_name,nosuch)",
                                              sort_by=common_pb2.Sort(key="execution_name"))
    names = list_all(world.stubs.admin.ListExecutions, request, 1, "executions",
                     lambda e: e.id.name)
    assert names == sorted(world.all, reverse=True)


def entities(world, call, filters, name="", sort=None, limit=100):
    req = common_pb2.ResourceListRequest(id=named(name=name), limit=limit, filters=filters)
    if sort:
        req.sort_by.CopyFrom(sort)
    page = call(req, timeout=60)
    items = list(getattr(page, [f for f in ("tasks", "workflows", "launch_plans")
                                if hasattr(page, f)][0]))
    return {(i.id.name, i.id.version) for i in items}


@pytest.mark.parametrize("kind,call_name,name", [
    ("task", "ListTasks", HELLO_TASK),
    ("workflow", "ListWorkflows", HELLO_WF),
    ("launch_plan", "ListLaunchPlans", HELLO_WF),
])
def test_versioned_entity_fields(world, kind, call_name, name):
    call = getattr(world.stubs.admin, call_name)
    v = world.version
    mine = {(name, v)}
    assert entities(world, call, f"eq(name,{name})+eq(version,{v})") == mine
    assert entities(world, call, f"eq(project,{PROJECT})+eq(domain,{DOMAIN})+eq(name,{name})") \
        == mine
    assert entities(world, call, f"value_in(version,{v};x)", name=name) == mine
    assert entities(world, call, f"ne(version,{v})", name=name) == set()
    assert entities(world, call, "gte(created_at,2000-01-01T00:00:00Z)", name=name) == mine
    assert entities(world, call, "lt(updated_at,2000-01-01T00:00:00Z)", name=name) == set()
    assert entities(world, call, f"contains({kind}.name,say_h)+eq(version,{v})") == (
        mine if kind == "task" else set())
    assert entities(world, call, "not_like(name,%)") == set()
    expect_error(call, common_pb2.ResourceListRequest(id=named(), limit=5,
                                                      filters="eq(execution_name,x)"),
                 INVALID, "invalid filter")
    expect_error(call, common_pb2.ResourceListRequest(id=named(), limit=5,
                                                      filters="eq(execution.phase,x)"),
                 INVALID, "'e' entity is not allowed in filters")
    expect_error(call, common_pb2.ResourceListRequest(
        id=named(), limit=5, sort_by=common_pb2.Sort(key="nosuch")), INVALID,
        "invalid sort key 'nosuch'")
    ordered = call(common_pb2.ResourceListRequest(id=named(), limit=100, sort_by=common_pb2.Sort(
        key="name", direction=common_pb2.Sort.ASCENDING)), timeout=60)
    items = getattr(ordered, kind + "s")
    got = [i.id.name for i in items]
    assert got == sorted(got)


def test_launch_plan_joined_fields_and_enums(world):
    call = world.stubs.admin.ListLaunchPlans
    v = world.version
    assert entities(world, call, f"eq(workflow.name,{FAILING_WF})+eq(version,{v})") == \
        {(FAILING_WF, v)}
    assert entities(world, call, f"eq(workflow.version,{v})+eq(name,{HELLO_WF})") == \
        {(HELLO_WF, v)}
    # pyflyte register activates nothing: every launch plan is INACTIVE (0).
    assert entities(world, call, "eq(state,ACTIVE)") == set()
    assert (HELLO_WF, v) in entities(world, call, "eq(state,INACTIVE)")
    assert (HELLO_WF, v) in entities(world, call, "eq(state,0)")
    assert (HELLO_WF, v) in entities(world, call, "eq(schedule_type,NONE)")
    assert entities(world, call, "value_in(schedule_type,CRON;RATE)") == set()
    expect_error(call, common_pb2.ResourceListRequest(id=named(), limit=5,
                                                      filters="eq(task.name,x)"),
                 INVALID, "'t' entity is not allowed in filters")


def test_entity_id_lists_sort_and_page(world):
    def request(limit, token):
        return common_pb2.NamedEntityIdentifierListRequest(
            project=PROJECT, domain=DOMAIN, limit=limit, token=token,
            sort_by=common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING))
    for call in (world.stubs.admin.ListTaskIds, world.stubs.admin.ListWorkflowIds,
                 world.stubs.admin.ListLaunchPlanIds):
        names = list_all(call, request, 2, "entities", lambda e: e.name)
        assert names == sorted(names) and len(names) >= 3


def test_named_entities(world):
    def names(filters):
        page = world.stubs.admin.ListNamedEntities(common_pb2.NamedEntityListRequest(
            resource_type=identifier_pb2.WORKFLOW, project=PROJECT, domain=DOMAIN, limit=100,
            filters=filters), timeout=60)
        return {e.id.name for e in page.entities}
    assert HELLO_WF in names("")
    assert names(f"eq(name,{HELLO_WF})") == {HELLO_WF}
    assert names(f"eq(entities.name,{HELLO_WF})") == {HELLO_WF}
    assert names("contains(name,failing_wf)") == {FAILING_WF}
    assert names(f"eq(project,{PROJECT})+value_in(name,{HELLO_WF};{FAILING_WF})") == \
        {HELLO_WF, FAILING_WF}
    # State and description live in the entities' metadata; an entity without any reads as
    # active (state 0) with no description, as FlyteAdmin's COALESCE and join answer.
    every = names("")
    for name, metadata in ((HELLO_WF, common_pb2.NamedEntityMetadata(
                               state=common_pb2.NAMED_ENTITY_ARCHIVED)),
                           (FAILING_WF, common_pb2.NamedEntityMetadata(
                               description="fails on purpose"))):
        world.stubs.admin.UpdateNamedEntity(common_pb2.NamedEntityUpdateRequest(
            resource_type=identifier_pb2.WORKFLOW, id=named(name=name), metadata=metadata),
            timeout=60)
    assert names("eq(state,NAMED_ENTITY_ARCHIVED)") == {HELLO_WF}
    assert names("eq(entities.state,1)") == {HELLO_WF}
    assert names("eq(state,0)") == every - {HELLO_WF}
    assert names("value_in(state,NAMED_ENTITY_ACTIVE;SYSTEM_GENERATED)") == every - {HELLO_WF}
    assert names("ne(state,1)+contains(name,wf)") == {n for n in every - {HELLO_WF} if "wf" in n}
    assert names("contains(description,on purpose)") == {FAILING_WF}
    assert names("eq(named_entity_metadata.description,fails on purpose)") == {FAILING_WF}
    assert names("eq(description,fails on purpose)+eq(state,1)") == set()
    expect_error(world.stubs.admin.ListNamedEntities, common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=PROJECT, domain=DOMAIN, limit=5,
        filters="eq(state,HIDDEN)"), INVALID, "NAMED_ENTITY_ARCHIVED")
    expect_error(world.stubs.admin.ListNamedEntities, common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=PROJECT, domain=DOMAIN, limit=5,
        filters="eq(version,x)"), INVALID, "'nen.version' is invalid filter")
    expect_error(world.stubs.admin.ListNamedEntities, common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.WORKFLOW, project=PROJECT, domain=DOMAIN, limit=5,
        filters="eq(workflow.name,x)"), INVALID, "'w' entity is not allowed in filters")


def nodes(world, filters, execution=None):
    page = world.stubs.admin.ListNodeExecutions(node_execution_pb2.NodeExecutionListRequest(
        workflow_execution_id=exec_id(execution or world.blue), limit=100, filters=filters),
        timeout=60)
    return {n.id.node_id for n in page.node_executions}


def test_node_execution_fields(world):
    every = nodes(world, "")
    assert "n0" in every
    assert nodes(world, "eq(node_id,n0)") == {"n0"}
    assert nodes(world, "value_not_in(node_id,n0)") == every - {"n0"}
    assert nodes(world, "eq(phase,SUCCEEDED)") == every
    assert nodes(world, "eq(phase,3)") == every  # NodeExecution.SUCCEEDED
    assert nodes(world, "gte(node_execution_created_at,2000-01-01T00:00:00Z)") == every
    assert nodes(world, "gt(updated_at,2000-01-01T00:00:00Z)") == every
    assert nodes(world, "gte(started_at,2000-01-01T00:00:00Z)+eq(node_id,n0)") == {"n0"}
    assert nodes(world, "eq(node_id,n0)+gte(duration,0)") == {"n0"}
    assert nodes(world, f"eq(execution_name,{world.blue})") == every
    assert nodes(world, f"eq(execution.execution_name,{world.blue})") == every
    assert nodes(world, "eq(error_kind,USER)", world.failed) >= {"n0"}
    assert nodes(world, "eq(error_kind,USER)") == set()
    for filters, needle in [("eq(name,x)", "'ne.name' is invalid filter"),
                            ("eq(task.name,x)", "'t' entity is not allowed in filters"),
                            ("eq(cache_status,x)", "does not record"),
                            ("eq(spec_node_id,x)", "'ne.spec_node_id' is invalid filter")]:
        expect_error(world.stubs.admin.ListNodeExecutions,
                     node_execution_pb2.NodeExecutionListRequest(
                         workflow_execution_id=exec_id(world.blue), limit=5, filters=filters),
                     INVALID, needle)


def test_task_execution_fields(world):
    node = identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=exec_id(world.blue))

    def attempts(filters):
        page = world.stubs.admin.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
            node_execution_id=node, limit=100, filters=filters), timeout=60)
        return {t.id.retry_attempt for t in page.task_executions}
    assert attempts("") == {0}
    assert attempts("eq(retry_attempt,0)+eq(phase,SUCCEEDED)") == {0}
    assert attempts("eq(phase,3)") == {0}  # TaskExecution.SUCCEEDED
    assert attempts("gt(retry_attempt,0)") == set()
    assert attempts(f"eq(task.name,{HELLO_TASK})+eq(task.version,{world.version})") == {0}
    # FlyteAdmin reads project, domain and name of a task execution as its execution's.
    assert attempts(f"eq(name,{world.blue})+eq(project,{PROJECT})") == {0}
    assert attempts(f"eq(version,{world.version})") == {0}
    assert attempts("eq(node_execution.node_id,n0)+eq(node_id,n0)") == {0}
    assert attempts("gte(task_execution_created_at,2000-01-01T00:00:00Z)+gte(duration,0)") == {0}
    assert attempts(f"eq(execution.execution_name,{world.blue})") == {0}
    expect_error(world.stubs.admin.ListTaskExecutions, task_execution_pb2.TaskExecutionListRequest(
        node_execution_id=node, limit=5, filters="eq(workflow.name,x)"), INVALID,
        "'w' entity is not allowed in filters")


def test_projects(world):
    def ids(filters):
        page = world.stubs.admin.ListProjects(project_pb2.ProjectListRequest(
            limit=100, filters=filters), timeout=60)
        return {p.id for p in page.projects}
    assert PROJECT in ids("")
    assert ids(f"eq(identifier,{PROJECT})") == {PROJECT}
    assert PROJECT in ids("eq(state,ACTIVE)")
    assert PROJECT in ids("eq(state,0)")
    assert ids("eq(state,ARCHIVED)") == set()
    expect_error(world.stubs.admin.ListProjects, project_pb2.ProjectListRequest(
        limit=5, filters="eq(project,x)"), INVALID, "'p.project' is invalid filter")
    expect_error(world.stubs.admin.ListProjects, project_pb2.ProjectListRequest(
        limit=5, sort_by=common_pb2.Sort(key="project")), INVALID, "invalid sort key 'project'")


def test_signals(world):
    sig = identifier_pb2.SignalIdentifier(signal_id=unique("s"), execution_id=exec_id(world.red))
    world.stubs.signal.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(
        id=sig, type=types_pb2.LiteralType(simple=types_pb2.BOOLEAN)), timeout=60)

    def ids(filters):
        page = world.stubs.signal.ListSignals(signal_pb2.SignalListRequest(
            workflow_execution_id=exec_id(world.red), limit=100, filters=filters), timeout=60)
        return {s.id.signal_id for s in page.signals}
    assert ids("") == {sig.signal_id}
    assert ids(f"eq(signal_id,{sig.signal_id})") == {sig.signal_id}
    assert ids("ne(signal_id,x)+gte(created_at,2000-01-01T00:00:00Z)") == {sig.signal_id}
    assert ids(f"eq(execution_name,{world.red})") == {sig.signal_id}
    expect_error(world.stubs.signal.ListSignals, signal_pb2.SignalListRequest(
        workflow_execution_id=exec_id(world.red), limit=5, filters="eq(node_id,x)"), INVALID,
        "'s.node_id' is invalid filter")


def test_filters_over_rest(engine, world):
    """The REST gateway takes the same filters and answers refusals with 400 and the message."""
    import requests
    base = f"http://127.0.0.1:{engine.port}/api/v1/executions/{PROJECT}/{DOMAIN}"
    wanted = f"value_in(execution_name,{world.blue};{world.failed})"
    r = requests.get(base, params={"limit": "10", "filters": wanted,
                                   "sort_by.key": "execution_name",
                                   "sort_by.direction": "ASCENDING"}, timeout=60)
    assert r.status_code == 200, r.text
    assert [e["id"]["name"] for e in r.json()["executions"]] == [world.blue, world.failed]
    r = requests.get(base, params={"limit": "10", "filters": "eq(name,x)"}, timeout=60)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 3 and "'e.name' is invalid filter" in r.json()["message"]
