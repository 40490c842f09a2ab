"""Tasks as pods on a real single-node Kubernetes (scripts/k8s-up.sh), driven by the real
flytekit through an engine started with --kubeconfig and a real versitygw the pods reach.
A cluster that does not come up fails the suite."""
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest
from flytekit.models.core.execution import TaskExecutionPhase
from flytekit.models.core.execution import WorkflowExecutionPhase as Phase

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import conftest as e2e  # noqa: E402  (the shared engine and versitygw helpers)

REPO = e2e.REPO
HERE = pathlib.Path(__file__).resolve().parent
POLL = datetime.timedelta(seconds=0.3)
NAMESPACE = "flytesnacks-development"
POD_TTL = 8  # seconds the suite's engine keeps a finished pod


class Cluster:
    def __init__(self, state: pathlib.Path):
        self.state = state
        start = time.monotonic()
        proc = subprocess.run([str(REPO / "scripts" / "k8s-up.sh"), str(state)],
                              capture_output=True, text=True, timeout=900)
        self.up_seconds = time.monotonic() - start
        if proc.returncode != 0:
            pytest.fail(f"the cluster did not come up ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        self.kubeconfig = state / "kubeconfig"
        self.env = dict(line.split("=", 1) for line in (state / "env").read_text().split())
        print(f"cluster up in {self.up_seconds:.1f} s", file=sys.stderr)

    def kubectl(self, *args: str) -> str:
        proc = subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), *args],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"kubectl {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def pods(self, execution: str) -> list:
        out = self.kubectl("get", "pods", "-A", "-l", f"flytebox.io/execution={execution}",
                           "-o", "json")
        return json.loads(out)["items"]

    def down(self) -> None:
        proc = subprocess.run([str(REPO / "scripts" / "k8s-down.sh"), str(self.state)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"k8s-down failed:\n{proc.stdout}\n{proc.stderr}"


def leftovers(state: pathlib.Path) -> list:
    """Processes and mounts of the cluster still there after k8s-down."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(state) in cmd:
            found.append(f"process {pid}: {cmd[:120]}")
    with open("/proc/self/mounts") as f:
        found += [f"mount {line.split()[1]}" for line in f if str(state) in line]
    return found


@pytest.fixture(scope="module")
def cluster():
    reuse = os.environ.get("FLYTEBOX_TEST_K8S_STATE")
    if reuse:  # a cluster already up (scripts/k8s-up.sh DIR), kept: for working on the suite
        c = Cluster.__new__(Cluster)
        c.state = pathlib.Path(reuse)
        c.kubeconfig = c.state / "kubeconfig"
        c.env = dict(line.split("=", 1) for line in (c.state / "env").read_text().split())
        yield c
        return
    with tempfile.TemporaryDirectory(prefix="flytebox-k8s-") as tmp:
        state = pathlib.Path(tmp) / "cluster"
        c = Cluster(state)
        try:
            yield c
        finally:
            c.down()
            left = leftovers(state)
            assert not left, f"k8s-down left: {left}"


@pytest.fixture(scope="module")
def engine(cluster):
    """An engine whose tasks are pods; its objects in a versitygw on the host's address,
    which pods reach through their bridge."""
    host_ip = cluster.env["FLYTEBOX_K8S_HOST_IP"]
    with tempfile.TemporaryDirectory(prefix="flytebox-kube-e2e-") as tmp:
        work = pathlib.Path(tmp)
        s3 = e2e.Versitygw.__new__(e2e.Versitygw)
        s3.data = work / "s3"
        s3.data.mkdir()
        s3.port = e2e.free_port()
        s3.access_key = "AK" + uuid.uuid4().hex[:16]
        s3.secret_key = uuid.uuid4().hex
        s3.log = open(work / "versitygw.log", "wb")
        env = dict(os.environ, ROOT_ACCESS_KEY_ID=s3.access_key, ROOT_SECRET_ACCESS_KEY=s3.secret_key)
        s3.proc = subprocess.Popen([e2e.VERSITYGW, "--port", f"{host_ip}:{s3.port}", "--quiet",
                                    "--keep-alive", "posix", str(s3.data)],
                                   stdout=s3.log, stderr=subprocess.STDOUT, env=env)
        endpoint = f"http://{host_ip}:{s3.port}"
        deadline = time.monotonic() + 20
        while subprocess.run(["curl", "-s", "-o", "/dev/null", endpoint]).returncode != 0:
            assert s3.proc.poll() is None and time.monotonic() < deadline, "versitygw did not start"
            time.sleep(0.1)
        flytekit_env = {"FLYTE_AWS_ENDPOINT": endpoint, "FLYTE_AWS_ACCESS_KEY_ID": s3.access_key,
                        "FLYTE_AWS_SECRET_ACCESS_KEY": s3.secret_key}
        saved = {k: os.environ.get(k) for k in flytekit_env}
        os.environ.update(flytekit_env)
        engine = None
        try:
            engine = e2e.Engine(work, extra_args=[
                "--storage", "s3", "--s3-endpoint", endpoint, "--s3-public-endpoint", endpoint,
                "--kubeconfig", str(cluster.kubeconfig), "--kube-pod-ttl", str(POD_TTL),
                "--kube-interruptible-toleration", "flytebox.io/spot=true:NoSchedule",
                "--kube-interruptible-node-selector", "kubernetes.io/os=linux"],
                extra_env={"FLYTEBOX_S3_ACCESS_KEY": s3.access_key,
                           "FLYTEBOX_S3_SECRET_KEY": s3.secret_key})
            yield engine
        finally:
            if engine:
                engine.stop()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            s3.stop()


@pytest.fixture(scope="module")
def remote(engine):
    from flytekit.configuration import Config
    from flytekit.remote import FlyteRemote
    return FlyteRemote(Config.for_endpoint(engine.endpoint, insecure=True),
                       default_project="flytesnacks", default_domain="development")


@pytest.fixture(scope="module")
def version(engine):
    v = "v" + uuid.uuid4().hex[:10]
    modules = [str(REPO / "examples" / m) for m in
               ("hello_world.py", "typed_values.py", "map_tasks.py", "behaviours.py",
                "control_flow.py", "files.py")]
    for files, cwd in ((modules, REPO),
                       ([str(HERE / "kube_workflows.py"), str(HERE / "kube_pod_spec.py"),
                         str(HERE / "kube_raw.py")], HERE)):
        e2e.pyflyte(engine, "register", "--project", "flytesnacks", "--domain", "development",
                    "--version", v, *files, cwd=str(cwd))
    return v


def launch(remote, version, lp_name, **inputs):
    lp = remote.fetch_launch_plan(name=lp_name, version=version)
    return remote.execute(lp, inputs=inputs, wait=False)


def run(remote, version, lp_name, timeout=240, **inputs):
    ex = launch(remote, version, lp_name, **inputs)
    return remote.wait(ex, timeout=datetime.timedelta(seconds=timeout), poll_interval=POLL)


def succeeded(ex, engine):
    assert ex.closure.phase == Phase.SUCCEEDED, (
        f"{ex.id.name}: phase {Phase.enum_to_string(ex.closure.phase)}, error "
        f"{ex.closure.error.message if ex.closure.error else None}\n"
        f"--- engine log ---\n{engine.log_text()[-3000:]}")
    return ex


def attempts(remote, ex, node="n0"):
    node = remote.sync_execution(ex, sync_nodes=True).node_executions[node]
    return sorted(node.task_executions, key=lambda t: t.id.retry_attempt)


def test_hello_world_runs_as_a_pod(engine, remote, version):
    ex = succeeded(run(remote, version, "hello_world.hello_wf", name="pods"), engine)
    assert ex.outputs.get("o0", as_type=str) == "Hello, pods!"
    [attempt] = attempts(remote, ex)
    assert attempt.closure.phase == TaskExecutionPhase.SUCCEEDED
    [resource] = attempt.closure.metadata.external_resources
    assert resource.external_id.startswith(f"pod:{NAMESPACE}/"), resource.external_id
    assert "tasks run as pods" in engine.log_text()
    print(f"hello world as a pod: {ex.closure.duration.total_seconds():.2f} s server side",
          file=sys.stderr)


def test_task_runs_in_the_image_inside_a_pod(engine, remote, version, cluster):
    ex = succeeded(run(remote, version, "kube_workflows.where_wf"), engine)
    host, _, python = ex.outputs.get("o0", as_type=str).split()
    [attempt] = attempts(remote, ex)
    pod_name = attempt.closure.metadata.external_resources[0].external_id.split("/")[-1]
    assert host == pod_name  # a pod's hostname is its name
    assert python.startswith("3.11.")  # Debian 12's Python in the task image


def test_typed_values(engine, remote, version):
    from typing import List, Optional
    ex = succeeded(run(remote, version, "typed_values.typed_values_wf", n=3, ratio=0.5,
                       word="hi", flag=True), engine)
    assert ex.outputs.get("o0", as_type=str) == (
        "xs=[0, 1, 2] d=[('hi', 0.5), ('n', 3.0)] p=(3,0.5,['hi', 'HI']) "
        "when=2026-01-02T03:04:05+00:00 c=green maybe=3")
    assert ex.outputs.get("o1", as_type=List[int]) == [0, 1, 2]
    assert ex.outputs.get("o3", as_type=Optional[int]) == 3


def test_map_task_fans_out_to_pods(engine, remote, version):
    ex = succeeded(run(remote, version, "map_tasks.map_wf", xs=list(range(6))), engine)
    assert ex.outputs.get("o0", as_type=int) == sum(x * x for x in range(6))


def test_user_error_then_retry_in_a_new_pod(engine, remote, version):
    ex = succeeded(run(remote, version, "behaviours.retry_wf", x=1), engine)
    assert ex.outputs.get("o0", as_type=int) == 101
    tries = attempts(remote, ex)
    assert [t.closure.phase for t in tries] == [TaskExecutionPhase.FAILED, TaskExecutionPhase.SUCCEEDED]
    pods = {t.closure.metadata.external_resources[0].external_id for t in tries}
    assert len(pods) == 2, pods
    ex = run(remote, version, "behaviours.failing_wf", x=3)
    assert ex.closure.phase == Phase.FAILED
    assert "the input 3 is not acceptable" in ex.closure.error.message
    assert ex.closure.error.kind == 1  # USER


def test_abort_deletes_the_pod(engine, remote, version, cluster):
    ex = launch(remote, version, "behaviours.sleepy_wf", seconds=600)
    name = ex.id.name
    e2e.wait_for(lambda: [p for p in cluster.pods(name) if p["status"].get("phase") == "Running"],
                 timeout=120, what="the task's pod to run", interval=0.5)
    remote.terminate(ex, cause="stopped by the test")
    ex = remote.wait(ex, timeout=datetime.timedelta(seconds=60), poll_interval=POLL)
    assert ex.closure.phase == Phase.ABORTED
    e2e.wait_for(lambda: not cluster.pods(name), timeout=30, what="the pod to be gone", interval=0.5)


def test_missing_image_fails_fast_naming_it(engine, remote, version):
    start = time.monotonic()
    ex = run(remote, version, "kube_workflows.missing_image_wf", timeout=120)
    took = time.monotonic() - start
    assert ex.closure.phase == Phase.FAILED
    assert "flytebox.local/no-such-image:v1" in ex.closure.error.message, ex.closure.error.message
    assert took < 30, f"a missing image took {took:.1f} s to fail"
    assert len(attempts(remote, ex)) == 1  # not retried: another pull would not find it either


def test_map_over_50_runs_each_element_in_its_own_pod(engine, remote):
    """`pyflyte run --remote` of a map over 50: every element's output, and 50 different pods
    (a pod's hostname is its name) none of which is this machine."""
    import socket
    name = "fanout" + uuid.uuid4().hex[:10]
    xs = json.dumps(list(range(50)))
    e2e.pyflyte(engine, "run", "--remote", "--project", "flytesnacks", "--domain", "development",
                "--name", name, "kube_fanout.py", "fanout_wf", "--xs", xs, cwd=str(HERE))
    ex = remote.fetch_execution(name=name)
    ex = succeeded(remote.wait(ex, timeout=datetime.timedelta(seconds=900), poll_interval=POLL),
                   engine)
    from typing import List
    out = [line.split() for line in ex.outputs.get("o0", as_type=List[str])]
    assert [int(square) for square, _ in out] == [x * x for x in range(50)]
    pods = {host for _, host in out}
    assert len(pods) == 50, f"{len(pods)} pods for 50 elements: {sorted(pods)}"
    assert socket.gethostname() not in pods


def pod_of(attempt) -> str:
    """The name of the pod an attempt ran in, from its external resource."""
    [resource] = attempt.closure.metadata.external_resources
    assert resource.external_id.startswith(f"pod:{NAMESPACE}/"), resource.external_id
    return resource.external_id.split("/")[-1]


def flatten(items) -> list:
    """Task executions as flytekit lists them (a dynamic node's may come nested)."""
    out = []
    for item in items:
        out += flatten(item) if isinstance(item, list) else [item]
    return out


def scheduled_pods(cluster) -> set:
    """Names of every pod the scheduler placed in the task namespace (from its events)."""
    events = json.loads(cluster.kubectl("get", "events", "-n", NAMESPACE, "-o", "json"))["items"]
    return {e["involvedObject"]["name"] for e in events
            if e.get("reason") == "Scheduled" and e["involvedObject"].get("kind") == "Pod"}


def test_files_and_directories_through_s3(engine, remote, version):
    from flytekit.types.file import FlyteFile
    ex = succeeded(run(remote, version, "files.files_wf", text="from a pod", n=4), engine)
    assert ex.outputs.get("o0", as_type=str) == "FROM A POD"
    assert ex.outputs.get("o1", as_type=int) == 0 + 1 + 4 + 9
    loud = ex.outputs.get("o2", as_type=FlyteFile)
    assert loud.remote_source.startswith("s3://my-s3-bucket/"), loud.remote_source
    # written by a pod into the versitygw the engine uses (a folder per bucket on disk)
    key = loud.remote_source[len("s3://"):]
    assert (engine.workdir / "s3" / key).read_text() == "FROM A POD"
    ex = remote.sync_execution(ex, sync_nodes=True)
    for node in ("n0", "n1", "n2", "n3", "n4"):
        [attempt] = ex.node_executions[node].task_executions
        pod_of(attempt)


def test_dynamic_children_run_as_pods(engine, remote, version):
    ex = succeeded(run(remote, version, "control_flow.dynamic_wf", n=4), engine)
    assert ex.outputs.get("o0", as_type=int) == 0 + 2 + 4 + 6
    ex = remote.sync_execution(ex, sync_nodes=True)
    parent = ex.node_executions["n0"]
    assert [pod_of(t) for t in flatten(parent.task_executions)]  # the dynamic task itself
    children = [n for n in (parent.subworkflow_node_executions or {}).values()
                if n.task_executions]
    assert len(children) == 5, list(parent.subworkflow_node_executions or {})  # 4 doubles, total
    pods = {pod_of(t) for n in children for t in flatten(n.task_executions)}
    assert len(pods) == 5, pods  # each child in its own pod


def test_branch_and_sub_workflow(engine, remote, version):
    ex = succeeded(run(remote, version, "control_flow.branch_wf", x=-2), engine)
    assert ex.outputs.get("o0", as_type=str) == "negative:-2"
    ex = succeeded(run(remote, version, "control_flow.outer_wf", x=3), engine)
    assert ex.outputs.get("o0", as_type=int) == 3 * 2 * 2 * 2


def test_cache_hit_creates_no_pod(engine, remote, version, cluster):
    from flyteidl.core import catalog_pb2
    x = int(uuid.uuid4().int % 1_000_000) + 10
    first = succeeded(run(remote, version, "behaviours.cached_wf", x=x), engine)
    assert first.outputs.get("o0", as_type=int) == x * x
    [attempt] = attempts(remote, first)
    first_pod = pod_of(attempt)
    e2e.wait_for(lambda: first_pod in scheduled_pods(cluster), timeout=10,
                 what="the first run's pod in the namespace's events")
    before = scheduled_pods(cluster)
    second = succeeded(run(remote, version, "behaviours.cached_wf", x=x), engine)
    assert second.outputs.get("o0", as_type=int) == x * x
    node = remote.sync_execution(second, sync_nodes=True).node_executions["n0"]
    assert node.closure.task_node_metadata.cache_status == catalog_pb2.CACHE_HIT
    assert node.task_executions == []
    time.sleep(1)  # events are written after the fact
    assert scheduled_pods(cluster) == before


def test_timeout_kills_the_pod(engine, remote, version, cluster):
    ex = run(remote, version, "behaviours.timeout_wf", seconds=120, timeout=120)
    assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
    assert "timed out" in ex.closure.error.message, ex.closure.error.message
    e2e.wait_for(lambda: not cluster.pods(ex.id.name), timeout=30, what="the pod to be gone",
                 interval=0.5)


def test_pod_killed_by_the_test_is_retried_as_a_system_error(engine, remote, version, cluster):
    ex = launch(remote, version, "kube_workflows.killed_pod_wf", seconds=600)
    name = ex.id.name
    [pod] = e2e.wait_for(lambda: [p for p in cluster.pods(name)
                                  if p["status"].get("phase") == "Running"],
                         timeout=120, what="the task's pod to run", interval=0.5)
    cluster.kubectl("delete", "pod", "-n", NAMESPACE, pod["metadata"]["name"], "--wait=false")
    ex = succeeded(remote.wait(ex, timeout=datetime.timedelta(seconds=120), poll_interval=POLL),
                   engine)
    assert ex.outputs.get("o0", as_type=int) == 1  # the second attempt's number
    first, second = attempts(remote, ex)  # the task allows no user retries: a system retry
    assert first.closure.phase == TaskExecutionPhase.FAILED
    assert first.closure.error.kind == 2, first.closure.error  # SYSTEM
    assert "deleted" in first.closure.error.message, first.closure.error.message
    assert pod_of(first) == pod["metadata"]["name"] and pod_of(second) != pod_of(first)


def test_oom_killed_is_a_system_error_saying_so(engine, remote, version):
    ex = run(remote, version, "kube_workflows.oom_wf", mb=400, timeout=300)
    assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
    assert ex.closure.error.kind == 2, ex.closure.error  # SYSTEM
    assert "OOMKilled" in ex.closure.error.code, ex.closure.error.code
    assert "memory" in ex.closure.error.message, ex.closure.error.message
    tries = attempts(remote, ex)
    assert len(tries) == 4  # a system error: retried 3 times, though the task has no retries
    assert all(t.closure.phase == TaskExecutionPhase.FAILED for t in tries)
    assert len({pod_of(t) for t in tries}) == 4


def test_engine_killed_mid_run_re_attaches_to_its_pod(engine, remote, version, cluster):
    marker = uuid.uuid4().hex[:8]
    ex = launch(remote, version, "kube_workflows.restart_wf", seconds=20, marker=marker)
    name = ex.id.name
    [pod] = e2e.wait_for(lambda: [p for p in cluster.pods(name)
                                  if p["status"].get("phase") == "Running"],
                         timeout=120, what="the task's pod to run", interval=0.5)
    uid = pod["metadata"]["uid"]
    engine.restart(kill=True)  # SIGKILL: no chance to tidy up
    [again] = cluster.pods(name)
    assert again["metadata"]["uid"] == uid  # the same pod, still running
    ex = succeeded(remote.wait(ex, timeout=datetime.timedelta(seconds=120), poll_interval=POLL),
                   engine)
    assert ex.outputs.get("o0", as_type=str) == f"{pod['metadata']['name']} {marker}"
    [attempt] = attempts(remote, ex)  # ran once
    assert pod_of(attempt) == pod["metadata"]["name"]
    assert f"re-attached to pod {NAMESPACE}/{pod['metadata']['name']}" in engine.log_text()


def ensure_namespace(cluster) -> None:
    subprocess.run(["kubectl", "--kubeconfig", str(cluster.kubeconfig), "create", "namespace",
                    NAMESPACE], capture_output=True, timeout=60)  # AlreadyExists is fine


def test_secrets_from_kubernetes_as_env_and_file(engine, remote, version, cluster):
    ensure_namespace(cluster)
    user_secret, password = uuid.uuid4().hex, uuid.uuid4().hex
    for name, key, value in (("user-info", "user_secret", user_secret),
                             ("db-creds", "password", password)):
        subprocess.run(["kubectl", "--kubeconfig", str(cluster.kubeconfig), "delete", "secret",
                        "-n", NAMESPACE, name, "--ignore-not-found"], capture_output=True, timeout=60)
        cluster.kubectl("create", "secret", "generic", "-n", NAMESPACE, name,
                        f"--from-literal={key}={value}")
    ex = succeeded(run(remote, version, "kube_workflows.secrets_wf"), engine)
    assert ex.outputs.get("o0", as_type=str) == (
        f"{user_secret} {password} {password} /etc/flyte/secrets/db-creds/password")


def failed_fast(remote, version, lp_name: str, *needles: str):
    """Runs `lp_name`: it must FAIL within 30 s, its error naming every needle."""
    start = time.monotonic()
    ex = run(remote, version, lp_name, timeout=120)
    took = time.monotonic() - start
    assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
    for needle in needles:
        assert needle in ex.closure.error.message, ex.closure.error.message
    assert took < 30, f"{lp_name} took {took:.1f} s to fail"
    return ex


def test_missing_secret_fails_fast_naming_it(engine, remote, version):
    failed_fast(remote, version, "kube_workflows.missing_secret_wf", "no-such-secret")


def test_finished_pods_are_kept_for_their_ttl_then_deleted(engine, remote, version, cluster):
    ex = succeeded(run(remote, version, "hello_world.hello_wf", name="ttl"), engine)
    [pod] = cluster.pods(ex.id.name)  # kept after the run (the suite's engine: --kube-pod-ttl)
    # The attempt ends when its container has; the pod's phase may follow a second later.
    [task] = [c for c in pod["status"]["containerStatuses"] if c["name"] == "task"]
    assert task["state"]["terminated"]["exitCode"] == 0, task
    log = cluster.kubectl("logs", "-n", NAMESPACE, pod["metadata"]["name"])
    assert log is not None
    e2e.wait_for(lambda: not cluster.pods(ex.id.name), timeout=POD_TTL + 30,
                 what="the finished pod to be collected", interval=0.5)


def test_named_pod_template_is_the_pods_base(engine, remote, version, cluster):
    ensure_namespace(cluster)
    cluster.kubectl("apply", "-n", NAMESPACE, "-f", str(HERE / "pod_template.json"))
    ex = succeeded(run(remote, version, "kube_workflows.pod_template_wf"), engine)
    # the template's env and volume, the engine's own env still there
    assert ex.outputs.get("o0", as_type=str) == "from-the-template True kube_workflows.templated"
    [pod] = cluster.pods(ex.id.name)  # still kept: its TTL has not passed
    assert pod["metadata"]["labels"]["team"] == "e2e"
    assert pod["metadata"]["labels"]["flytebox.io/execution"] == ex.id.name
    [container] = pod["spec"]["containers"]
    assert container["name"] == "task" and container["image"] != "ignored"


def test_interruptible_task_gets_the_configured_toleration_and_node_selector(
        engine, remote, version, cluster):
    ex = succeeded(run(remote, version, "kube_workflows.interruptible_wf", x=4), engine)
    assert ex.outputs.get("o0", as_type=int) == 5
    [pod] = cluster.pods(ex.id.name)  # still kept: its TTL has not passed
    assert {"key": "flytebox.io/spot", "operator": "Equal", "value": "true",
            "effect": "NoSchedule"} in pod["spec"]["tolerations"]
    assert pod["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["metadata"]["labels"]["flytebox.io/interruptible"] == "true"
    ex = succeeded(run(remote, version, "kube_workflows.where_wf"), engine)
    [plain] = cluster.pods(ex.id.name)
    assert "nodeSelector" not in plain["spec"]


def test_cluster_resource_attributes_become_the_namespaces_resource_quota(
        engine, remote, version, cluster):
    """As FlyteAdmin's cluster resource controller fills its quota template: the project-domain's
    CLUSTER_RESOURCE attributes projectQuotaCpu / projectQuotaMemory are the namespace's
    ResourceQuota, changed when they change and removed when they are deleted; tasks still run
    under it."""
    import grpc
    from flyteidl.admin import matchable_resource_pb2 as mr
    from flyteidl.admin import project_domain_attributes_pb2 as pda
    from flyteidl.service import admin_pb2_grpc

    channel = grpc.insecure_channel(engine.endpoint)
    stub = admin_pb2_grpc.AdminServiceStub(channel)

    def set_quota(cpu, memory):
        stub.UpdateProjectDomainAttributes(pda.ProjectDomainAttributesUpdateRequest(
            attributes=pda.ProjectDomainAttributes(
                project="flytesnacks", domain="development",
                matching_attributes=mr.MatchingAttributes(
                    cluster_resource_attributes=mr.ClusterResourceAttributes(attributes={
                        "projectQuotaCpu": cpu, "projectQuotaMemory": memory,
                        "someOtherTemplateVariable": "unused"})))), timeout=30)

    def quota():
        proc = subprocess.run(["kubectl", "--kubeconfig", str(cluster.kubeconfig), "get",
                               "resourcequota", "-n", NAMESPACE, "project-quota", "-o", "json"],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            assert "NotFound" in proc.stderr, proc.stderr
            return None
        return json.loads(proc.stdout)

    try:
        set_quota("20", "20Gi")
        ex = succeeded(run(remote, version, "hello_world.hello_wf", name="quota"), engine)
        q = quota()
        assert q is not None, engine.log_text()[-3000:]
        assert q["spec"]["hard"] == {"limits.cpu": "20", "limits.memory": "20Gi"}
        assert q["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "flytebox"
        [pod] = cluster.pods(ex.id.name)
        assert pod["metadata"]["namespace"] == NAMESPACE
        # admitted under a quota on limits: the default CPU request is also its limit there
        limits = pod["spec"]["containers"][0]["resources"]["limits"]
        assert limits["cpu"] == pod["spec"]["containers"][0]["resources"]["requests"]["cpu"]

        set_quota("19", "19Gi")
        succeeded(run(remote, version, "hello_world.hello_wf", name="quota"), engine)
        assert quota()["spec"]["hard"] == {"limits.cpu": "19", "limits.memory": "19Gi"}
    finally:
        stub.DeleteProjectDomainAttributes(pda.ProjectDomainAttributesDeleteRequest(
            project="flytesnacks", domain="development", resource_type=mr.CLUSTER_RESOURCE),
            timeout=30)
        succeeded(run(remote, version, "hello_world.hello_wf", name="quota"), engine)
        channel.close()
    assert quota() is None


def get_log(uri: str, start: int = 0):
    """The engine's answer for a log link: (status, bytes); from byte `start` on when > 0."""
    headers = {"Range": f"bytes={start}-"} if start else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(uri, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_running_tasks_log_grows_through_the_engine_and_outlives_its_pod(
        engine, remote, version, cluster):
    n = 40
    ex = launch(remote, version, "kube_workflows.ticker_wf", n=n)
    name = ex.id.name

    def log_link():
        try:
            tries = attempts(remote, ex)
        except Exception:  # the node is not recorded yet
            return None
        return tries[0].closure.logs[0].uri if tries and tries[0].closure.logs else None

    uri = e2e.wait_for(log_link, timeout=120, what="the attempt's log link", interval=0.5)
    assert "/logs/" in uri, uri
    # While the pod runs, the log has its first lines and not yet its last.
    seen = []

    def first_lines():
        seen[:] = [get_log(uri)]
        status, body = seen[0]
        return body if status == 200 and b"tick 1 of" in body else None

    try:
        first = e2e.wait_for(first_lines, timeout=120, what="the running task's first lines",
                             interval=0.3)
    except AssertionError as e:
        raise AssertionError(f"{e}: {uri} answered {seen}\n{engine.log_text()[-3000:]}")
    assert f"tick {n - 1} of {n}".encode() not in first, first
    assert [p for p in cluster.pods(name) if p["status"].get("phase") == "Running"]
    # Followed as the console does: only the bytes past those already read (206), growing.
    grown = e2e.wait_for(lambda: (lambda st, b: b if st == 206 and b"tick" in b else None)(
        *get_log(uri, len(first))), timeout=30, what="the log to grow", interval=0.5)
    assert not grown.startswith(first[:20]), "the range answer repeated the log's start"
    ex = remote.wait(ex, timeout=datetime.timedelta(seconds=300), poll_interval=POLL)
    assert ex.closure.phase == Phase.SUCCEEDED
    status, whole = get_log(uri)
    assert status == 200
    ticks = [line for line in whole.decode().splitlines() if line.startswith("tick ")]
    assert ticks == [f"tick {i} of {n}" for i in range(n)], whole  # each line once, in order
    # The engine kept its copy: readable after the finished pod was collected.
    e2e.wait_for(lambda: not cluster.pods(name), timeout=POD_TTL + 30,
                 what="the finished pod to be collected", interval=0.5)
    assert get_log(uri) == (200, whole)


def test_task_with_its_own_pod_spec_runs_beside_its_sidecar(engine, remote, version, cluster):
    ex = succeeded(run(remote, version, "kube_pod_spec.pod_spec_wf", x=4), engine)
    assert ex.outputs.get("o0", as_type=str) == "from-the-sidecar spec-env 5"
    [attempt] = attempts(remote, ex)
    [pod] = cluster.pods(ex.id.name)  # still kept: its TTL has not passed
    assert pod_of(attempt) == pod["metadata"]["name"]
    assert [c["name"] for c in pod["spec"]["containers"]] == ["main", "helper"]
    main = pod["spec"]["containers"][0]
    assert "pyflyte-execute" in main["command"] and "{{" not in " ".join(main["command"])
    assert pod["spec"]["containers"][1]["imagePullPolicy"] == "IfNotPresent"
    assert main["resources"]["requests"] == {"cpu": "250m", "memory": "256Mi"}  # the defaults
    assert {"name": "shared", "mountPath": "/shared"} in main["volumeMounts"]
    assert pod["metadata"]["labels"]["flytebox-e2e"] == "pod-spec"
    assert pod["metadata"]["labels"]["flytebox.io/execution"] == ex.id.name
    assert pod["metadata"]["annotations"]["flytebox.io/from-pod-spec"] == "yes"
    statuses = {c["name"]: c["state"] for c in pod["status"]["containerStatuses"]}
    assert statuses["main"]["terminated"]["exitCode"] == 0, statuses


def test_pod_spec_task_on_a_named_pod_template(engine, remote, version, cluster):
    ensure_namespace(cluster)
    cluster.kubectl("apply", "-n", NAMESPACE, "-f", str(HERE / "pod_template.json"))
    ex = succeeded(run(remote, version, "kube_pod_spec.pod_spec_named_wf", x=4), engine)
    # the sidecar and env of the task's spec, the env and volume of the namespace's template
    assert ex.outputs.get("o0", as_type=str) == "from-the-sidecar spec-env from-the-template True 8"
    [pod] = cluster.pods(ex.id.name)
    assert pod["metadata"]["labels"]["team"] == "e2e"
    assert pod["metadata"]["labels"]["flytebox-e2e"] == "pod-spec"
    assert {v["name"] for v in pod["spec"]["volumes"]} >= {"scratch", "shared"}


def test_missing_file_secret_fails_fast_naming_it(engine, remote, version):
    ex = failed_fast(remote, version, "kube_workflows.missing_file_secret_wf",
                     "no-such-file-secret", "as a file")
    assert len(attempts(remote, ex)) == 1


def test_demo_start_passes_the_pod_settings_to_the_engine(cluster, tmp_path):
    """`flytebox demo start --runtime native --kubeconfig ... --kube-*`: a user's sandbox whose
    engine runs an interruptible task as a pod in the namespace, with the requests,
    toleration and node selector asked for, and deletes it after the TTL asked for."""
    from test_sandbox_native import Sandbox
    host_ip = cluster.env["FLYTEBOX_K8S_HOST_IP"]
    box = Sandbox(tmp_path)
    try:
        box.start("--kubeconfig", str(cluster.kubeconfig), "--s3",
                  "--s3-port", str(e2e.free_port()), "--db-port", str(e2e.free_port()),
                  "--bind", host_ip, "--insecure-bind", "--kube-pod-ttl", "4",
                  "--kube-namespace-template", "fb-{{project}}",
                  "--kube-default-cpu", "300m", "--kube-default-memory", "300Mi",
                  "--kube-interruptible-toleration", "flytebox.io/spot=true:NoSchedule",
                  "--kube-interruptible-node-selector", "kubernetes.io/os=linux")
        name = "demo" + uuid.uuid4().hex[:10]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLYTE_AWS_")}
        env.update(FLYTECTL_CONFIG=str(box.flyte_config), HOME=str(box.home))
        pyflyte = pathlib.Path(sys.executable).parent / "pyflyte"
        proc = subprocess.run([str(pyflyte), "run", "--remote", "--project", "flytesnacks",
                               "--domain", "development", "--name", name,
                               "kube_workflows.py", "interruptible_wf", "--x", "4"],
                              cwd=str(HERE), env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}\n{box.logs()}"
        from flytekit.configuration import Config
        from flytekit.remote import FlyteRemote
        remote = FlyteRemote(Config.for_endpoint(f"{host_ip}:{box.port}", insecure=True),
                             default_project="flytesnacks", default_domain="development")
        ex = remote.wait(remote.fetch_execution(name=name),
                         timeout=datetime.timedelta(seconds=240), poll_interval=POLL)
        assert ex.closure.phase == Phase.SUCCEEDED, f"{ex.closure.error}\n{box.logs()}"
        [pod] = cluster.pods(name)  # kept for its 4 s TTL
        assert pod["metadata"]["namespace"] == "fb-flytesnacks"
        [task] = pod["spec"]["containers"]
        assert task["resources"]["requests"] == {"cpu": "300m", "memory": "300Mi"}
        assert {"key": "flytebox.io/spot", "operator": "Equal", "value": "true",
                "effect": "NoSchedule"} in pod["spec"]["tolerations"]
        assert pod["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
        e2e.wait_for(lambda: not cluster.pods(name), timeout=4 + 30,
                     what="the finished pod to be collected after the sandbox's TTL", interval=0.5)
    finally:
        box.run("demo", "teardown", "--volume")


COPILOT = ["flytebox-copilot-inputs", "flytebox-copilot-outputs"]


def test_raw_container_task_gets_its_files_through_the_copilot(engine, remote, cluster, tmp_path):
    """`pyflyte run --remote` of a flytekit ContainerTask (a plain `sh` command, an int and a
    file in, an int and a file out): the pod runs the task's own command at its own paths,
    the engine's init container and native sidecar move the files."""
    from flytekit.types.file import FlyteFile
    text = "one\ntwo\nthree\n"
    src = tmp_path / "lines.txt"
    src.write_text(text)
    name = "raw" + uuid.uuid4().hex[:10]
    e2e.pyflyte(engine, "run", "--remote", "--project", "flytesnacks", "--domain", "development",
                "--name", name, "kube_raw.py", "raw_wf", "--a", "5", "--f", str(src),
                cwd=str(HERE))
    ex = remote.wait(remote.fetch_execution(name=name), timeout=datetime.timedelta(seconds=240),
                     poll_interval=POLL)
    ex = succeeded(ex, engine)
    assert ex.outputs.get("o0", as_type=int) == 5 + 3
    loud = ex.outputs.get("o1", as_type=FlyteFile)
    assert loud.remote_source.startswith("s3://my-s3-bucket/"), loud.remote_source
    assert (engine.workdir / "s3" / loud.remote_source[len("s3://"):]).read_text() == text.upper()
    [pod] = cluster.pods(name)  # still kept: its TTL has not passed
    init = pod["spec"]["initContainers"]
    assert [c["name"] for c in init] == COPILOT
    assert "restartPolicy" not in init[0] and init[1]["restartPolicy"] == "Always"
    [main] = pod["spec"]["containers"]
    assert main["command"][:2] == ["sh", "-c"], main["command"]
    assert "wc -l < /var/inputs/f" in main["command"][2] and "{{" not in main["command"][2]
    assert not any("pyflyte" in part for part in main["command"] + main.get("args", []))
    assert {m["mountPath"] for m in main["volumeMounts"]} >= {"/var/inputs", "/var/outputs"}
    done = {c["name"]: c["state"] for c in pod["status"]["initContainerStatuses"]}
    assert done[COPILOT[0]]["terminated"]["exitCode"] == 0, done
    assert done[COPILOT[1]]["terminated"]["exitCode"] == 0, done  # uploaded, then ended
    print(f"raw container as a pod: {ex.closure.duration.total_seconds():.2f} s server side",
          file=sys.stderr)


def test_raw_container_errors_are_the_tasks_own(engine, remote, version):
    ex = run(remote, version, "kube_raw.raw_error_wf", x=3)
    assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
    assert "x=3 must be even" in ex.closure.error.message, ex.closure.error.message
    assert ex.closure.error.kind == 1, ex.closure.error  # USER: the _ERROR file
    assert len(attempts(remote, ex)) == 1
    ex = run(remote, version, "kube_raw.raw_exit_wf", x=4)
    assert ex.closure.phase == Phase.FAILED, Phase.enum_to_string(ex.closure.phase)
    assert "exited with code 1" in ex.closure.error.message, ex.closure.error.message
    assert "giving up on 4" in ex.closure.error.message, ex.closure.error.message
    assert ex.closure.error.kind == 1, ex.closure.error


def test_engine_killed_mid_run_collects_a_raw_containers_outputs(engine, remote, version, cluster):
    """The staged inputs and the pod survive the engine; the outputs the sidecar uploads after
    the restart are collected by the engine that re-attached."""
    x = int(uuid.uuid4().int % 1000)
    ex = launch(remote, version, "kube_raw.raw_slow_wf", x=x, seconds=15)
    name = ex.id.name
    [pod] = e2e.wait_for(lambda: [p for p in cluster.pods(name)
                                  if p["status"].get("phase") == "Running"],
                         timeout=120, what="the raw task's pod to run", interval=0.5)
    engine.restart(kill=True)
    ex = succeeded(remote.wait(ex, timeout=datetime.timedelta(seconds=120), poll_interval=POLL),
                   engine)
    assert ex.outputs.get("o0", as_type=int) == 2 * x
    [attempt] = attempts(remote, ex)  # ran once
    assert pod_of(attempt) == pod["metadata"]["name"]
    assert f"re-attached to pod {NAMESPACE}/{pod['metadata']['name']}" in engine.log_text()
