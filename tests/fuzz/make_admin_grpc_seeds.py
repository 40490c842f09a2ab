"""Writes the seed corpus of admin_grpc_fuzz: for every AdminService method an empty request,
and for the main ones a request as flytekit would send it. An input is one byte (the
method's index in AdminService) and the serialized request.

    ~/.cache/flytebox/venv/bin/python tests/fuzz/make_admin_grpc_seeds.py tests/fuzz/corpus/admin_grpc
"""
import pathlib
import sys

from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2, task_pb2
from flyteidl.admin import workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2
from flyteidl.service import admin_pb2

P, D = "flytesnacks", "development"


def ident(kind, name, version="v1"):
    return identifier_pb2.Identifier(resource_type=kind, project=P, domain=D, name=name,
                                     version=version)


def interface():
    string = types_pb2.LiteralType(simple=types_pb2.STRING)
    var = interface_pb2.VariableMap(variables={"x": interface_pb2.Variable(type=string)})
    return interface_pb2.TypedInterface(inputs=var, outputs=var)


def samples():
    task_id = ident(identifier_pb2.TASK, "t")
    template = tasks_pb2.TaskTemplate(
        id=task_id, type="raw-container", interface=interface(),
        container=tasks_pb2.Container(image="alpine", command=["echo"], args=["{{.inputs.x}}"]))
    wf_id = ident(identifier_pb2.WORKFLOW, "wf")
    node = core_workflow_pb2.Node(
        id="n0", task_node=core_workflow_pb2.TaskNode(reference_id=task_id),
        inputs=[literals_pb2.Binding(var="x", binding=literals_pb2.BindingData(
            promise=types_pb2.OutputReference(node_id="start-node", var="x")))])
    wf = core_workflow_pb2.WorkflowTemplate(
        id=wf_id, interface=interface(), nodes=[node],
        outputs=[literals_pb2.Binding(var="x", binding=literals_pb2.BindingData(
            promise=types_pb2.OutputReference(node_id="n0", var="x")))])
    lp_id = ident(identifier_pb2.LAUNCH_PLAN, "wf")
    hello = literals_pb2.Literal(scalar=literals_pb2.Scalar(
        primitive=literals_pb2.Primitive(string_value="hi")))
    exec_id = identifier_pb2.WorkflowExecutionIdentifier(project=P, domain=D, name="e1")
    listing = common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=P, domain=D), limit=10,
        filters="eq(phase,SUCCEEDED)+gte(created_at,2020-01-01T00:00:00Z)",
        sort_by=common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING))
    return {
        "RegisterProject": project_pb2.ProjectRegisterRequest(
            project=project_pb2.Project(id="p1", name="p1")),
        "CreateTask": task_pb2.TaskCreateRequest(
            id=task_id, spec=task_pb2.TaskSpec(template=template)),
        "CreateWorkflow": workflow_pb2.WorkflowCreateRequest(
            id=wf_id, spec=workflow_pb2.WorkflowSpec(template=wf)),
        "CreateLaunchPlan": launch_plan_pb2.LaunchPlanCreateRequest(
            id=lp_id, spec=launch_plan_pb2.LaunchPlanSpec(workflow_id=wf_id)),
        "CreateExecution": execution_pb2.ExecutionCreateRequest(
            project=P, domain=D, name="e1",
            spec=execution_pb2.ExecutionSpec(launch_plan=lp_id),
            inputs=literals_pb2.LiteralMap(literals={"x": hello})),
        "GetExecution": execution_pb2.WorkflowExecutionGetRequest(id=exec_id),
        "ListExecutions": listing,
        "ListTasks": listing,
        "GetTask": common_pb2.ObjectGetRequest(id=task_id),
        "TerminateExecution": execution_pb2.ExecutionTerminateRequest(id=exec_id, cause="x"),
    }


def main(out):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    methods = admin_pb2.DESCRIPTOR.services_by_name["AdminService"].methods
    named = samples()
    for index, method in enumerate(methods):
        (out / f"{index:02d}_{method.name}_empty").write_bytes(bytes([index]))
        if method.name in named:
            data = bytes([index]) + named[method.name].SerializeToString()
            (out / f"{index:02d}_{method.name}").write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
