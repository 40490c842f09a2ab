"""Kubernetes in the image (FLYTEBOX_KUBERNETES=1): its state, certificates and components.

A single-node cluster in k3s's architecture from upstream parts: kine (the etcd API on
SQLite, in the volume), kube-apiserver, kube-controller-manager, kube-scheduler, containerd
and a kubelet, each an ordinary supervisor component with its readiness probe. The engine
runs tasks as pods on it.

State under /var/lib/flytebox/k8s (the volume, so stop/start keeps the cluster):
  pki/           the cluster's CA (made once) and certificates (the serving ones remade at
                 every start: the container's address can change)
  kine/          the datastore (SQLite)
  containerd/    containerd's root: the images (a new volume's starts as the image's seed,
                 with the pause and task images already imported, their snapshots links
                 to the image's /opt/flytebox/k8s/seed-KEY)
  kubelet/       the kubelet's root
  registry/      the image registry's storage (images pushed to localhost:30000)
  certs.d/       containerd's registry hosts: localhost:30000 over plain HTTP
  *.kubeconfig   one per client; host.kubeconfig (certificates inlined, server
                 https://127.0.0.1:6443) is what the CLI copies to the host
Runs as root: a kubelet and containerd need it. The same file is the `flytebox-k8s` command
the probes and the kubelet component run (see main()).
"""

import base64
import ipaddress
import json
import os
import pwd
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request

import flytebox_kernel

K8S = "/var/lib/flytebox/k8s"
PKI = f"{K8S}/pki"
K8S_BIN = "/opt/flytebox/k8s/bin"
IMAGES = "/opt/flytebox/k8s/images"
SEED = "/opt/flytebox/k8s/containerd-seed.tar.zst"
RUN = "/run/flytebox-k8s"
SOCKET = f"{RUN}/containerd.sock"
API_PORT, KINE_PORT, KUBELET_PORT, SCHED_PORT, CM_PORT = 6443, 2379, 10250, 10259, 10257
# containerd's metrics listener, opened once its plugins are loaded: its readiness probe (a
# TCP connect from the supervisor, where `ctr version` cost a process every 50 ms).
CONTAINERD_METRICS_PORT = 10263
NODE = "flytebox"
POD_SUBNET = "10.42.0.0/24"
BRIDGE = "fbk8s0"
PAUSE_IMAGE = "flytebox.local/pause:3.10"
HELPER = "/opt/flytebox/bin/flytebox-k8s"
# The image registry (the distribution project's server, scripts/registry-build.sh): pods
# pull `localhost:30000/...` from it; the host pushes to the published port.
REGISTRY_BIN = "/opt/flytebox/registry/bin/registry"
REGISTRY_PORT = 30000
REGISTRY_USER = "flytebox"


def _openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _key(name):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", f"{PKI}/{name}.key")
    os.chmod(f"{PKI}/{name}.key", 0o600)


def _cert(name, subject, sans=None):
    """A key and a certificate signed by the cluster CA; with `sans`, for serving too."""
    _key(name)
    _openssl("req", "-new", "-key", f"{PKI}/{name}.key", "-subj", subject,
             "-out", f"{PKI}/{name}.csr")
    ext = f"{PKI}/{name}.ext"
    with open(ext, "w") as f:
        f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n")
        f.write(f"extendedKeyUsage={'serverAuth,' if sans else ''}clientAuth\n")
        if sans:
            f.write("subjectAltName=" + ",".join(sans) + "\n")
    _openssl("x509", "-req", "-in", f"{PKI}/{name}.csr", "-CA", f"{PKI}/ca.crt",
             "-CAkey", f"{PKI}/ca.key", "-CAcreateserial", "-days", "3650",
             "-extfile", ext, "-out", f"{PKI}/{name}.crt")
    os.unlink(f"{PKI}/{name}.csr")
    os.unlink(ext)


def _san(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
        return "IP:" + host.strip("[]")
    except ValueError:
        return "DNS:" + host


CLIENTS = {  # kubeconfig name -> certificate subject
    "admin": "/O=system:masters/CN=flytebox-admin",
    "kubelet": f"/O=system:nodes/CN=system:node:{NODE}",
    "scheduler": "/CN=system:kube-scheduler",
    # Every controller acts as the controller-manager itself (no token per controller: making
    # one for each of ~45 controllers, one after the other, held back the node's not-ready
    # taint's removal by 1-5 s of every start), so it needs the cluster's full authority.
    "controller-manager": "/O=system:masters/CN=system:kube-controller-manager",
    "apiserver-kubelet": "/O=system:masters/CN=kube-apiserver-kubelet-client",
}


def make_pki(node_ip, public_host):
    """The CA, client certificates and service-account key once; serving certificates (the
    apiserver's, the kubelet's) at every start, for this start's addresses."""
    os.makedirs(PKI, mode=0o700, exist_ok=True)
    if not os.path.exists(f"{PKI}/ca.crt"):
        _key("ca")
        _openssl("req", "-x509", "-new", "-key", f"{PKI}/ca.key", "-subj", "/CN=flytebox-k8s-ca",
                 "-days", "3650", "-out", f"{PKI}/ca.crt")
        _key("sa")
        _openssl("pkey", "-in", f"{PKI}/sa.key", "-pubout", "-out", f"{PKI}/sa.pub")
    _client_certs()
    sans = ["IP:127.0.0.1", "IP:10.96.0.1", f"IP:{node_ip}", "DNS:localhost", "DNS:kubernetes",
            "DNS:kubernetes.default", "DNS:kubernetes.default.svc"]
    if public_host not in ("localhost", "127.0.0.1"):
        sans.append(_san(public_host))
    _cert("apiserver", "/CN=kube-apiserver", sans)
    _cert("kubelet-serving", f"/CN={NODE}", [f"IP:{node_ip}", "IP:127.0.0.1", f"DNS:{NODE}"])


def _client_certs():
    """Each client's certificate, made again when CLIENTS names another subject than the
    volume's (a volume made by an earlier image)."""
    for name, subject in CLIENTS.items():
        mark = f"{PKI}/{name}.subject"
        try:
            with open(mark) as f:
                have = f.read().strip()
        except FileNotFoundError:
            have = ""
            if os.path.exists(f"{PKI}/{name}.crt"):
                have = subprocess.run(
                    ["openssl", "x509", "-in", f"{PKI}/{name}.crt", "-noout", "-subject",
                     "-nameopt", "compat"], capture_output=True, text=True
                ).stdout.strip().removeprefix("subject=")
        if have != subject:
            _cert(name, subject)
        if not os.path.exists(mark) or have != subject:
            _write(mark, subject + "\n")


def _b64(path):
    with open(path, "rb") as f:
        return base64.b64encode(f.read()).decode()


def kubeconfig_text(user, server, inline=False):
    if inline:
        ca = f"certificate-authority-data: {_b64(f'{PKI}/ca.crt')}"
        cert = f"client-certificate-data: {_b64(f'{PKI}/{user}.crt')}"
        key = f"client-key-data: {_b64(f'{PKI}/{user}.key')}"
    else:
        ca = f"certificate-authority: {PKI}/ca.crt"
        cert = f"client-certificate: {PKI}/{user}.crt"
        key = f"client-key: {PKI}/{user}.key"
    return f"""apiVersion: v1
kind: Config
clusters:
- name: flytebox
  cluster:
    server: {server}
    {ca}
users:
- name: {user}
  user:
    {cert}
    {key}
contexts:
- name: flytebox
  context: {{cluster: flytebox, user: {user}}}
current-context: flytebox
"""


def _write(path, text, mode=0o600):
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def prepare(node_ip, public_host, engine_gid):
    """Everything on disk the components need; called by the entrypoint as root."""
    for sub in ("", "kine", "containerd", "kubelet", "cni/net.d"):
        os.makedirs(f"{K8S}/{sub}", exist_ok=True)
    os.chmod(K8S, 0o750)
    os.makedirs(RUN, exist_ok=True)
    make_pki(node_ip, public_host)
    local = f"https://127.0.0.1:{API_PORT}"
    for user in ("kubelet", "scheduler", "controller-manager"):
        _write(f"{K8S}/{user}.kubeconfig", kubeconfig_text(user, local))
    # The engine runs as the flytebox user: its kubeconfig carries the certificates itself.
    _write(f"{K8S}/engine.kubeconfig", kubeconfig_text("admin", local, inline=True), 0o640)
    os.chown(f"{K8S}/engine.kubeconfig", 0, engine_gid)
    os.chown(K8S, 0, engine_gid)
    _write(f"{K8S}/host.kubeconfig", kubeconfig_text("admin", local, inline=True))
    _write(f"{K8S}/cni/net.d/10-flytebox.conflist", json.dumps({
        "cniVersion": "0.4.0", "name": "flytebox-pods",
        "plugins": [
            {"type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": True,
             "hairpinMode": True,
             "ipam": {"type": "host-local", "ranges": [[{"subnet": POD_SUBNET}]],
                      "routes": [{"dst": "0.0.0.0/0"}], "dataDir": f"{RUN}/ipam"}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
            {"type": "loopback"}]}, indent=2), 0o644)
    _write(f"{K8S}/containerd.toml", CONTAINERD_TOML.format(
        k8s=K8S, run=RUN, pause=PAUSE_IMAGE, metrics_port=CONTAINERD_METRICS_PORT), 0o644)
    _write(f"{K8S}/kubelet.yaml", KUBELET_YAML.format(
        k8s=K8S, pki=PKI, sock=SOCKET, ip=node_ip, port=KUBELET_PORT), 0o644)
    _write(f"{K8S}/scheduler.yaml", SCHEDULER_YAML.format(k8s=K8S), 0o644)
    prepare_registry()


# Warnings and errors only: at info it logs every request, the readiness probe's too.
REGISTRY_YML = """version: 0.1
log:
  level: warn
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {k8s}/registry
  delete:
    enabled: true
http:
  addr: 0.0.0.0:{port}
  headers:
    X-Content-Type-Options: [nosniff]
"""

# containerd pulls these names from the registry over plain HTTP. The published port may
# differ (--registry-port): an image pushed from the host as localhost:PORT/... is pulled
# under that name from the registry inside.
REGISTRY_HOSTS_TOML = """server = "http://{name}"
[host."http://127.0.0.1:{port}"]
  capabilities = ["pull", "resolve"]
"""


def registry_names():
    """The registry's names as pods' images give them: localhost:30000, and the published
    port's (FLYTEBOX_REGISTRY_PUBLIC_PORT) when it differs."""
    ports = {REGISTRY_PORT}
    public = os.environ.get("FLYTEBOX_REGISTRY_PUBLIC_PORT", "")
    if public.isdigit() and 0 < int(public) < 65536:
        ports.add(int(public))
    return [f"{host}:{p}" for p in sorted(ports) for host in ("localhost", "127.0.0.1")]


def prepare_registry():
    """Its storage belongs to the flytebox user, as whom it runs (it needs no root)."""
    user = pwd.getpwnam(REGISTRY_USER)
    os.makedirs(f"{K8S}/registry", exist_ok=True)
    if os.stat(f"{K8S}/registry").st_uid != user.pw_uid:
        subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", f"{K8S}/registry"],
                       check=True)
    _write(f"{K8S}/registry.yml", REGISTRY_YML.format(k8s=K8S, port=REGISTRY_PORT), 0o644)
    hosts = f"{K8S}/certs.d"
    if os.path.isdir(hosts):  # names of an earlier start's published port go
        for name in os.listdir(hosts):
            if name not in registry_names():
                shutil.rmtree(f"{hosts}/{name}", ignore_errors=True)
    for name in registry_names():
        os.makedirs(f"{hosts}/{name}", exist_ok=True)
        _write(f"{hosts}/{name}/hosts.toml",
               REGISTRY_HOSTS_TOML.format(name=name, port=REGISTRY_PORT), 0o644)


def registry_component():
    try:
        with open(f"{REGISTRY_BIN}.version") as f:
            version = f.read().strip()
    except OSError:
        version = "unknown"
    user = pwd.getpwnam(REGISTRY_USER)
    return {"name": "registry",
            "command": ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}",
                        "--clear-groups", "--", REGISTRY_BIN, "serve", f"{K8S}/registry.yml"],
            # No traces sent anywhere (its OpenTelemetry exporter defaults to OTLP).
            "env": {"OTEL_TRACES_EXPORTER": "none", "OTEL_SDK_DISABLED": "true",
                    "HOME": user.pw_dir},
            "probe": {"http": f"http://127.0.0.1:{REGISTRY_PORT}/v2/"},
            "ports": [REGISTRY_PORT], "version": f"registry {version}",
            "grace_period_ms": 5000}


CONTAINERD_TOML = """version = 2
root = "{k8s}/containerd"
state = "{run}/containerd"
[grpc]
  address = "{run}/containerd.sock"
[ttrpc]
  address = "{run}/containerd-ttrpc.sock"
[metrics]
  address = "127.0.0.1:{metrics_port}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  # Lowering a process's oom_score_adj needs CAP_SYS_RESOURCE, which the container lacks.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "{k8s}/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "{k8s}/certs.d"
"""

KUBELET_YAML = """apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
containerRuntimeEndpoint: unix://{sock}
address: {ip}
port: {port}
readOnlyPort: 0
healthzPort: 0
tlsCertFile: {pki}/kubelet-serving.crt
tlsPrivateKeyFile: {pki}/kubelet-serving.key
authentication:
  anonymous: {{enabled: false}}
  webhook: {{enabled: false}}
  x509: {{clientCAFile: {pki}/ca.crt}}
authorization: {{mode: AlwaysAllow}}
# The preloaded images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {{memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}}
serializeImagePulls: false
resolvConf: /etc/resolv.conf
"""


# A pod the node has no room for yet is tried again when room is made, after a backoff that
# doubles with each try up to podMaxBackoffSeconds (10 s by default): a map's waiting pods
# then left a freed node idle for seconds. On one node, one second at most.
SCHEDULER_YAML = """apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {{kubeconfig: {k8s}/scheduler.kubeconfig}}
leaderElection: {{leaderElect: false}}
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 1
"""


def components(node_ip, k8s_version):
    """The supervisor components, in dependency order."""
    version = f"kubernetes {k8s_version}"
    pki = PKI
    return [
        {"name": "kine",
         "command": [f"{K8S_BIN}/kine", "--listen-address", f"127.0.0.1:{KINE_PORT}",
                     "--endpoint", f"sqlite://{K8S}/kine/state.db?_journal=WAL&cache=shared"
                                   "&_busy_timeout=30000",
                     "--metrics-bind-address", "0"],
         "probe": {"tcp": f"127.0.0.1:{KINE_PORT}"},
         "version": "kine", "grace_period_ms": 5000},
        {"name": "apiserver",
         "command": [f"{K8S_BIN}/kube-apiserver",
                     f"--etcd-servers=http://127.0.0.1:{KINE_PORT}",
                     # On the container's address for the published port; only clients
                     # with a certificate of the sandbox's own CA are let in.
                     "--bind-address=0.0.0.0", f"--advertise-address={node_ip}",
                     "--anonymous-auth=false",
                     f"--secure-port={API_PORT}", "--endpoint-reconciler-type=none",
                     f"--tls-cert-file={pki}/apiserver.crt",
                     f"--tls-private-key-file={pki}/apiserver.key",
                     f"--client-ca-file={pki}/ca.crt",
                     f"--kubelet-client-certificate={pki}/apiserver-kubelet.crt",
                     f"--kubelet-client-key={pki}/apiserver-kubelet.key",
                     f"--kubelet-certificate-authority={pki}/ca.crt",
                     "--kubelet-preferred-address-types=InternalIP",
                     f"--service-account-key-file={pki}/sa.pub",
                     f"--service-account-signing-key-file={pki}/sa.key",
                     "--service-account-issuer=https://kubernetes.default.svc",
                     "--service-cluster-ip-range=10.96.0.0/16",
                     "--authorization-mode=Node,RBAC", "--allow-privileged=false",
                     "--profiling=false"],
         "probe": {"exec": [HELPER, "probe", "apiserver"]},
         "depends_on": ["kine"], "ports": [API_PORT], "version": version,
         "grace_period_ms": 10000},
        {"name": "controller-manager",
         "command": [f"{K8S_BIN}/kube-controller-manager",
                     f"--kubeconfig={K8S}/controller-manager.kubeconfig",
                     f"--authentication-kubeconfig={K8S}/controller-manager.kubeconfig",
                     f"--authorization-kubeconfig={K8S}/controller-manager.kubeconfig",
                     "--leader-elect=false", "--controllers=*,-nodeipam",
                     f"--service-account-private-key-file={pki}/sa.key",
                     f"--root-ca-file={pki}/ca.crt", "--use-service-account-credentials=false",
                     # The node's not-ready taint goes at the first check after it is Ready:
                     # every 5 s by default, the last seconds of every start.
                     "--node-monitor-period=1s",
                     "--bind-address=127.0.0.1", f"--secure-port={CM_PORT}",
                     "--profiling=false"],
         "probe": {"tcp": f"127.0.0.1:{CM_PORT}"},
         "depends_on": ["apiserver"], "version": version, "grace_period_ms": 5000},
        {"name": "scheduler",
         "command": [f"{K8S_BIN}/kube-scheduler", f"--config={K8S}/scheduler.yaml",
                     f"--authentication-kubeconfig={K8S}/scheduler.kubeconfig",
                     f"--authorization-kubeconfig={K8S}/scheduler.kubeconfig",
                     "--bind-address=127.0.0.1",
                     f"--secure-port={SCHED_PORT}", "--profiling=false"],
         "probe": {"tcp": f"127.0.0.1:{SCHED_PORT}"},
         "depends_on": ["apiserver"], "version": version, "grace_period_ms": 5000},
        # Its command first gives a new volume the image's containerd root (the seed).
        {"name": "containerd",
         "command": [HELPER, "containerd", "containerd", "--config", f"{K8S}/containerd.toml"],
         "probe": {"tcp": f"127.0.0.1:{CONTAINERD_METRICS_PORT}"},
         "version": "containerd", "grace_period_ms": 10000},
        # The kubelet's command first shows it the kernel settings it wants
        # (flytebox_kernel.py) and imports the preloaded images that containerd lacks.
        {"name": "kubelet",
         "command": [HELPER, "kubelet", f"{K8S_BIN}/kubelet", f"--config={K8S}/kubelet.yaml",
                     f"--kubeconfig={K8S}/kubelet.kubeconfig", f"--hostname-override={NODE}",
                     f"--node-ip={node_ip}", f"--root-dir={K8S}/kubelet"],
         "probe": {"exec": [HELPER, "probe", "node"]},
         "depends_on": ["containerd", "apiserver"], "ports": [KUBELET_PORT],
         "version": version, "grace_period_ms": 10000},
        registry_component(),
    ]


# ------------------------------------------------------------ flytebox-k8s ---

def _api_get(path):
    ctx = ssl.create_default_context(cafile=f"{PKI}/ca.crt")
    ctx.load_cert_chain(f"{PKI}/admin.crt", f"{PKI}/admin.key")
    with urllib.request.urlopen(f"https://127.0.0.1:{API_PORT}{path}", context=ctx,
                                timeout=1) as reply:
        return reply.read()


def _apiserver_ready():
    return _api_get("/readyz") == b"ok"


def _node_ready():
    node = json.loads(_api_get(f"/api/v1/nodes/{NODE}"))
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in node.get("status", {}).get("conditions", []))
    tainted = any("not-ready" in t.get("key", "") for t in node.get("spec", {}).get("taints", []))
    return ready and not tainted


def summary():
    """One JSON line for `flytebox demo status`: the node's readiness and the pods per
    namespace and phase."""
    out = {}
    try:
        out["node_ready"] = _node_ready()
        pods = json.loads(_api_get("/api/v1/pods"))
        counts = {}
        for pod in pods.get("items", []):
            ns = pod["metadata"]["namespace"]
            phase = pod.get("status", {}).get("phase", "Unknown")
            counts.setdefault(ns, {}).setdefault(phase, 0)
            counts[ns][phase] += 1
        out["pods"] = counts
    except (OSError, ValueError, KeyError, ssl.SSLError) as e:
        out["error"] = str(e)
    print(json.dumps(out))
    return 0


def probe(what):
    """Exit 0 once ready; polls for up to 1.5 s so that the supervisor's fast probing while
    starting costs few processes."""
    check = {"apiserver": _apiserver_ready, "node": _node_ready}[what]
    deadline = time.monotonic() + 1.5
    while True:
        try:
            if check():
                return 0
        except (OSError, ValueError, ssl.SSLError):
            pass
        if time.monotonic() > deadline:
            print(f"{what} not ready", file=sys.stderr)
            return 1
        time.sleep(0.1)


def _ctr(*args):
    return subprocess.run(["ctr", "--address", SOCKET, "-n", "k8s.io", *args],
                          capture_output=True, text=True)


def import_images():
    """Imports each preloaded image archive whose names containerd does not have yet."""
    if not os.path.isdir(IMAGES):  # an image whose containerd seed has them all
        return True
    have = set(_ctr("images", "ls", "-q").stdout.split())
    for archive in sorted(os.listdir(IMAGES)):
        if not archive.endswith((".tar", ".tar.gz")):
            continue
        tar = archive[:-3] if archive.endswith(".gz") else archive
        try:
            with open(f"{IMAGES}/{tar}.names") as f:
                names = f.read().split()
        except FileNotFoundError:
            names = []
        if names and all(n in have or f"docker.io/{n}" in have for n in names):
            continue
        started = time.monotonic()
        if archive.endswith(".gz"):  # ctr reads only plain archives: gunzip into its stdin
            with subprocess.Popen(["gzip", "-dc", f"{IMAGES}/{archive}"],
                                  stdout=subprocess.PIPE) as gunzip:
                run = subprocess.run(["ctr", "--address", SOCKET, "-n", "k8s.io", "images",
                                      "import", "-"], stdin=gunzip.stdout, capture_output=True,
                                     text=True)
                gunzip.stdout.close()
        else:
            run = _ctr("images", "import", f"{IMAGES}/{archive}")
        if run.returncode != 0:
            print(f"flytebox-k8s: importing {archive} failed: {run.stderr.strip()}",
                  file=sys.stderr)
            return False
        print(f"flytebox-k8s: imported {archive} ({', '.join(names)}) in "
              f"{time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return True


def _seeded_by_another_image(root):
    """True when root's snapshots link to another image's seed (the image was replaced under
    this volume): those links dangle, and no container could start from them."""
    snaps = f"{root}/io.containerd.snapshotter.v1.overlayfs/snapshots"
    try:
        names = os.listdir(snaps)
    except FileNotFoundError:
        return False
    return any(os.path.islink(f"{snaps}/{n}/fs") and not os.path.exists(f"{snaps}/{n}/fs")
               for n in names)


def seed_containerd():
    """A containerd root without a database (a new volume) becomes the image's seed: the
    preloaded images already imported, their snapshots linked to the image's own folders
    (build-image.sh), so the first start imports and unpacks nothing. A root made from
    another image's seed is made again from this one's: images loaded into it since
    (`flytebox demo image load`) must be loaded again; the registry's are kept."""
    root = f"{K8S}/containerd"
    if not os.path.exists(SEED):
        return True
    if os.path.exists(f"{root}/io.containerd.metadata.v1.bolt"):
        if not _seeded_by_another_image(root):
            return True
        print("flytebox-k8s: containerd's root was made by another image's seed: made again "
              "from this image's (load images added with `flytebox demo image load` again)",
              file=sys.stderr, flush=True)
    started = time.monotonic()
    tmp = f"{root}.seed"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp, mode=0o711)
    run = subprocess.run(["tar", "--numeric-owner", "-I", "zstd", "-xf", SEED, "-C", tmp],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(f"flytebox-k8s: unpacking {SEED} failed: {run.stderr.strip()}", file=sys.stderr)
        return False
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    print(f"flytebox-k8s: containerd's root made from the image's seed in "
          f"{time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return True


def main(argv):
    if argv[1:3] in (["probe", "apiserver"], ["probe", "node"]):
        return probe(argv[2])
    if argv[1:] == ["summary"]:
        return summary()
    if len(argv) > 2 and argv[1] == "containerd":
        if not seed_containerd():
            return 1
        os.execvp(argv[2], argv[2:])
    if len(argv) > 3 and argv[1] == "kubelet":
        if not flytebox_kernel.show_kubelet_settings() or not import_images():
            return 1
        os.execv(argv[2], argv[2:])
    print("usage: flytebox-k8s probe apiserver|node | summary | containerd CONTAINERD ARGS... |"
          " kubelet KUBELET ARGS...", file=sys.stderr)
    return 2
