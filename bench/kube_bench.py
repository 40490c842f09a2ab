"""Tasks as pods against tasks as processes, on two running engines that share one object
store (scripts/bench-kube.sh starts them): python kube_bench.py, configured by environment:

  BENCH_PODS, BENCH_PROCS     the engines' gRPC endpoints (host:port)
  BENCH_PODS_CONFIG           a flytekit config file for the pods engine (client side runs)
  BENCH_VERSION               the version examples/hello_world.py and map_tasks.py are under
  BENCH_KUBECONFIG            the cluster's kubeconfig (client certificate), for a pod watch
  BENCH_RUNS, BENCH_MAP_RUNS  runs per hello world measure (default 7) and per map (3)
  BENCH_ROOT                  the repository (pyflyte run's source)
  BENCH_PODS_PID, BENCH_K8S_PIDS  the pods engine's and the cluster's processes (their CPU
                              time), optional

Server-side times come from the execution's own closure (created_at to the last update).
The engine's share of each pod is measured against a watch of the same pods kept by this
script: the watch sees a pod's events when the engine's own watch does, so "attempt queued
→ pod seen" is the engine's create, "pod seen Running → attempt RUNNING" and "pod seen
finished → attempt SUCCEEDED recorded" are the engine's reaction; the rest is Kubernetes,
split by when the watch saw the pod bound to the node, its sandbox ready (network and pause
container) and its container running. CPU time is counted per pod from each task
container's cgroup (read every 50 ms while it exists: the last few milliseconds of a
container are missed) and from the engine's and the cluster's processes' own counters:
unlike the wall times, the machine's load hardly changes it. Prints one JSON object."""
import calendar
import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

import grpc
import yaml
from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc

PROJECT, DOMAIN = "flytesnacks", "development"
ENDED = {4, 6, 7, 8}  # WorkflowExecution.Phase: SUCCEEDED, FAILED, ABORTED, TIMED_OUT
ENV = os.environ
VERSION = ENV["BENCH_VERSION"]
RUNS = int(ENV.get("BENCH_RUNS", "7"))
MAP_RUNS = int(ENV.get("BENCH_MAP_RUNS", "3"))


def seconds(ts):
    return ts.seconds + ts.nanos / 1e9


class PodWatch:
    """Every pod the engines label, with the local time this watch first saw it, saw its
    container running and saw it ended."""

    def __init__(self, kubeconfig):
        cfg = yaml.safe_load(open(kubeconfig))
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == cfg["current-context"])
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
        self.url = urllib.parse.urlparse(cluster["server"])
        self.tls = ssl.create_default_context(cafile=cluster["certificate-authority"])
        self.tls.load_cert_chain(user["client-certificate"], user["client-key"])
        self.pods = {}
        self.lock = threading.Lock()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        threading.Thread(target=self._sample_cpu, daemon=True).start()
        if not self.ready.wait(30):
            raise SystemExit("the pod watch did not start")

    def _run(self):
        while True:
            conn = http.client.HTTPSConnection(self.url.hostname, self.url.port, context=self.tls)
            conn.request("GET", "/api/v1/pods?watch=1&timeoutSeconds=3600&labelSelector="
                         "app.kubernetes.io%2Fmanaged-by%3Dflytebox")
            resp = conn.getresponse()
            self.ready.set()
            for line in resp:
                self._event(json.loads(line), time.time())
            conn.close()

    def _event(self, ev, now):
        pod = ev.get("object", {})
        meta = pod.get("metadata", {})
        if "name" not in meta:
            return
        status = pod.get("status", {})
        with self.lock:
            p = self.pods.setdefault(meta["namespace"] + "/" + meta["name"], {
                "labels": meta.get("labels", {}), "seen": now})
            p["last"] = pod
            if pod.get("spec", {}).get("nodeName"):
                p.setdefault("scheduled_seen", now)
            for c in status.get("conditions", []):
                if c.get("type") == "PodReadyToStartContainers" and c.get("status") == "True":
                    p.setdefault("sandbox_seen", now)
            for cs in status.get("containerStatuses", []):
                if cs.get("name") == "task" and cs.get("containerID", "").startswith("containerd://"):
                    p.setdefault("cid", cs["containerID"][len("containerd://"):])
                state = cs.get("state", {})
                if "running" in state:
                    p.setdefault("running_seen", now)
                if "terminated" in state:
                    p.setdefault("running_seen", now)  # running may pass between two events
                    p.setdefault("ended_seen", now)
                    p["terminated"] = state["terminated"]
            for k in ("sandbox_seen", "scheduled_seen"):  # seen together with a later state
                if "running_seen" in p:
                    p.setdefault(k, p["running_seen"])
            if "sandbox_seen" in p:
                p.setdefault("scheduled_seen", p["sandbox_seen"])

    @staticmethod
    def _container_cpu(cid):
        """CPU seconds of a container so far (cgroup v1 or v2), None once it is gone."""
        try:
            return int(open(f"/sys/fs/cgroup/cpuacct/k8s.io/{cid}/cpuacct.usage").read()) * 1e-9
        except OSError:
            pass
        try:
            for line in open(f"/sys/fs/cgroup/k8s.io/{cid}/cpu.stat"):
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) * 1e-6
        except OSError:
            pass
        return None

    def _sample_cpu(self):
        while True:
            with self.lock:
                live = [(p, p["cid"]) for p in self.pods.values()
                        if "cid" in p and not p.get("cpu_done")]
            for p, cid in live:
                used = self._container_cpu(cid)
                with self.lock:
                    if used is not None:
                        p["cpu"] = used
                    elif "ended_seen" in p:
                        p["cpu_done"] = True
            time.sleep(0.05)

    def of_execution(self, name):
        with self.lock:
            return [dict(p) for p in self.pods.values()
                    if p["labels"].get("flytebox.io/execution") == name]


def rfc3339(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


class CpuMeter:
    """CPU seconds used by the pods engine and by the cluster's own processes."""

    def __init__(self):
        self.engine = ENV.get("BENCH_PODS_PID", "")
        self.k8s = ENV.get("BENCH_K8S_PIDS", "").split()

    @staticmethod
    def _procs(pids):
        if not pids:
            return None
        total = 0.0
        for pid in pids:
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                return None
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def read(self):
        return {"engine": self._procs([self.engine] if self.engine else []),
                "kubernetes": self._procs(self.k8s)}

    @staticmethod
    def per_pod(before, after, pods, containers):
        out = {k: (round((after[k] - before[k]) / pods, 3)
                   if before[k] is not None and after[k] is not None else None)
               for k in before}
        used = [p["cpu"] for p in containers if "cpu" in p]
        out["task_container"] = round(sum(used) / len(used), 3) if used else None
        return out


class Engine:
    def __init__(self, endpoint):
        self.stub = admin_pb2_grpc.AdminServiceStub(grpc.insecure_channel(endpoint))

    def launch(self, name, inputs):
        req = execution_pb2.ExecutionCreateRequest(project=PROJECT, domain=DOMAIN)
        req.spec.launch_plan.CopyFrom(identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN, project=PROJECT, domain=DOMAIN, name=name,
            version=VERSION))
        req.spec.metadata.mode = execution_pb2.ExecutionMetadata.MANUAL
        req.inputs.CopyFrom(inputs)
        return self.stub.CreateExecution(req).id

    def wait(self, eid, timeout=900):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ex = self.stub.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=eid))
            if ex.closure.phase in ENDED:
                if ex.closure.phase != 4:
                    raise SystemExit(f"{eid.name} ended in phase {ex.closure.phase}: "
                                     f"{ex.closure.error.message[:500]}")
                return ex
            time.sleep(0.05)
        raise SystemExit(f"{eid.name} did not finish in {timeout} s")

    def run(self, name, inputs):
        """The execution, and its server-side seconds (created to last update)."""
        eid = self.launch(name, inputs)
        ex = self.wait(eid)
        return ex, seconds(ex.closure.updated_at) - seconds(ex.closure.created_at)

    def attempt(self, eid, node="n0"):
        nid = identifier_pb2.NodeExecutionIdentifier(node_id=node, execution_id=eid)
        tasks = self.stub.ListTaskExecutions(task_execution_pb2.TaskExecutionListRequest(
            node_execution_id=nid, limit=10)).task_executions
        return max(tasks, key=lambda t: t.id.retry_attempt).closure


def hello_inputs():
    lm = literals_pb2.LiteralMap()
    lm.literals["name"].scalar.primitive.string_value = "bench"
    return lm


def int_list(n):
    lm = literals_pb2.LiteralMap()
    coll = lm.literals["xs"].collection
    for i in range(n):
        coll.literals.add().scalar.primitive.integer = i
    return lm


def summary(values):
    values = [round(v, 3) for v in values]
    return {"median": round(statistics.median(values), 3), "min": min(values),
            "max": max(values), "runs": values}


def wait_for_pods(watch, name, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pods = watch.of_execution(name)
        if len(pods) >= count and all("ended_seen" in p for p in pods):
            return pods
        time.sleep(0.05)
    raise SystemExit(f"the watch did not see {count} finished pods of {name}")


def hello_pods(engine, watch):
    totals, parts = [], {k: [] for k in (
        "engine_create", "pod_start", "schedule", "sandbox", "container_start",
        "engine_sees_running", "task_in_pod", "task_in_pod_own_timestamps",
        "engine_records_end")}
    meter = CpuMeter()
    cpu_before = meter.read()
    hello = []
    for _ in range(RUNS):
        ex, total = engine.run("hello_world.hello_wf", hello_inputs())
        totals.append(total)
        [pod] = wait_for_pods(watch, ex.id.name, 1)
        hello.append(ex.id.name)
        a = engine.attempt(ex.id)
        queued, running, ended = seconds(a.created_at), seconds(a.started_at), seconds(a.updated_at)
        parts["engine_create"].append(pod["seen"] - queued)
        parts["pod_start"].append(pod["running_seen"] - pod["seen"])
        parts["schedule"].append(pod["scheduled_seen"] - pod["seen"])
        parts["sandbox"].append(pod["sandbox_seen"] - pod["scheduled_seen"])
        parts["container_start"].append(pod["running_seen"] - pod["sandbox_seen"])
        t = pod["terminated"]  # the kubelet's own times, whole seconds
        parts["task_in_pod_own_timestamps"].append(
            rfc3339(t["finishedAt"]) - rfc3339(t["startedAt"]))
        parts["engine_sees_running"].append(running - pod["running_seen"])
        parts["task_in_pod"].append(pod["ended_seen"] - pod["running_seen"])
        parts["engine_records_end"].append(ended - pod["ended_seen"])
    out = {k: summary(v) for k, v in parts.items()}
    time.sleep(0.2)  # the sampler's last reading of the last container
    out["cpu_seconds_per_pod"] = CpuMeter.per_pod(
        cpu_before, meter.read(), RUNS, [p for name in hello for p in watch.of_execution(name)])
    return totals, out


def client_side(config, runs):
    """`pyflyte run --remote --wait` wall times: packaging, upload, launch and the wait
    (polled every second, the shortest --poll-interval takes)."""
    times = []
    for _ in range(runs):
        start = time.monotonic()
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "pyflyte"), "-c", config,
                               "run", "--remote", "--wait", "--poll-interval", "1",
                               "--project", PROJECT, "--domain", DOMAIN,
                               "examples/hello_world.py", "hello_wf", "--name", "bench"],
                              cwd=ENV["BENCH_ROOT"], capture_output=True, text=True)
        times.append(time.monotonic() - start)
        if proc.returncode != 0:
            raise SystemExit(f"pyflyte run failed:\n{proc.stdout}\n{proc.stderr}")
    return times


def map_pods(engine, watch, n=50):
    totals, create_spread, seen_to_recorded, pods_ran = [], [], [], []
    most_at_once, cpu = [], []
    meter = CpuMeter()
    for _ in range(MAP_RUNS):
        cpu_before = meter.read()
        ex, total = engine.run("map_tasks.map_wf", int_list(n))
        totals.append(total)
        pods = wait_for_pods(watch, ex.id.name, n + 1)
        mapped = [p for p in pods if p["labels"].get("flytebox.io/node") != "n1"]
        pods_ran.append(len(mapped))
        seen = sorted(p["seen"] for p in mapped)
        create_spread.append(seen[-1] - seen[0])
        # The map node's end, recorded, after its last pod was seen finished.
        last_end = max(p["ended_seen"] for p in mapped)
        node = engine.stub.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(
            id=identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=ex.id)))
        seen_to_recorded.append(seconds(node.closure.updated_at) - last_end)
        # The most pods whose container ran at the same moment.
        spans = [(p["running_seen"], p["ended_seen"]) for p in mapped]
        most_at_once.append(max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans))
        time.sleep(0.2)
        cpu.append(CpuMeter.per_pod(cpu_before, meter.read(), len(pods),
                                    watch.of_execution(ex.id.name)))
    return totals, {"pods_per_run": pods_ran, "first_to_last_pod_created": summary(create_spread),
                    "last_pod_finished_to_map_node_recorded": summary(seen_to_recorded),
                    "most_containers_running_at_once": most_at_once,
                    "cpu_seconds_per_pod": cpu}


def main():
    pods, procs = Engine(ENV["BENCH_PODS"]), Engine(ENV["BENCH_PROCS"])
    watch = PodWatch(ENV["BENCH_KUBECONFIG"])
    procs.run("hello_world.hello_wf", hello_inputs())  # warm: the task host, the image's cache
    pods.run("hello_world.hello_wf", hello_inputs())
    hello_pod, per_pod = hello_pods(pods, watch)
    hello_proc = [procs.run("hello_world.hello_wf", hello_inputs())[1] for _ in range(RUNS)]
    client = client_side(ENV["BENCH_PODS_CONFIG"], max(3, RUNS // 2))
    result = {
        "cores": os.cpu_count(),
        "load_average_at_start": round(os.getloadavg()[0], 1),
        "hello_world_server_side_s": {"pods": summary(hello_pod), "processes": summary(hello_proc)},
        "hello_world_client_side_s": {"pods": summary(client)},
        "hello_world_pod_breakdown_s": per_pod,
    }
    if MAP_RUNS > 0:  # BENCH_MAP_RUNS=0: hello world only, for before/after comparisons
        map_pod, map_detail = map_pods(pods, watch)
        map_proc = [procs.run("map_tasks.map_wf", int_list(50))[1] for _ in range(MAP_RUNS)]
        result["map_over_50_server_side_s"] = {"pods": summary(map_pod),
                                               "processes": summary(map_proc)}
        result["map_over_50_pods"] = map_detail
    result["load_average_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
