#!/usr/bin/env bash
# Brings up a real single-node Kubernetes on this machine, as root, from the parts built by
# scripts/k8s-build.sh and Debian's containerd, runc and CNI plugins: kine (the etcd API on
# SQLite), kube-apiserver on 127.0.0.1 (a free port), kube-controller-manager,
# kube-scheduler, its own containerd (own socket, root under STATE_DIR) and a kubelet. The
# images pods need (scripts/k8s-images.sh) are imported into containerd: there is no
# registry. Waits until the node is Ready; scripts/k8s-down.sh STATE_DIR stops it all.
#
# Writes STATE_DIR/kubeconfig (cluster admin, client certificate), STATE_DIR/env (the
# addresses, for scripts) and STATE_DIR/logs/*.log. Prints the kubeconfig's path.
# Usage: scripts/k8s-up.sh STATE_DIR
source "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 STATE_DIR"
[ "$(id -u)" -eq 0 ] || die "a kubelet and containerd need root: run with sudo"
mkdir -p "$1"
STATE="$(cd "$1" && pwd)"
STARTED=$(date +%s.%N)
for b in "${K8S_BINARIES[@]}"; do
  [ -x "$FLYTEBOX_K8S_BIN/$b" ] || die "$FLYTEBOX_K8S_BIN/$b is missing: run scripts/k8s-build.sh"
done
for tool in containerd ctr runc openssl ip iptables; do
  command -v "$tool" >/dev/null || die "$tool is missing: scripts/install-deps.sh apt"
done
# Debian 12 has no kubectl package: scripts/k8s-build.sh builds one where the machine has none.
command -v kubectl >/dev/null || die "kubectl is missing: run scripts/k8s-build.sh"
[ -x /usr/lib/cni/bridge ] || die "the CNI plugins are missing in /usr/lib/cni: apt-get install containernetworking-plugins"
[ -f "$STATE/pids" ] && die "$STATE already holds a cluster: scripts/k8s-down.sh $STATE first"

# Short paths for sockets (108 bytes at most), one folder per cluster.
ID="$(printf '%s' "$STATE" | sha256sum | cut -c1-8)"
RUN="/run/flytebox-k8s-$ID"
BRIDGE="fbk8s$ID"; BRIDGE="${BRIDGE:0:15}"
SUBNET="${FLYTEBOX_K8S_POD_SUBNET:-10.77.$(( 0x${ID:0:2} % 200 + 20 )).0/24}"
NODE=flytebox-node
PKI="$STATE/pki"; LOGS="$STATE/logs"
mkdir -p "$RUN" "$PKI" "$LOGS" "$STATE/cni/net.d" "$STATE/kubelet"
: >"$STATE/pids"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port); KINE_PORT=$(free_port); KUBELET_PORT=$(free_port)
SCHED_PORT=$(free_port); CM_PORT=$(free_port)
HOST_IP="$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')"
[ -n "$HOST_IP" ] || HOST_IP="$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | head -n1)"
[ -n "$HOST_IP" ] || die "no global IPv4 address on this machine for the node"

fail() {
  local log
  for log in "$LOGS"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }; done
  "$FLYTEBOX_ROOT/scripts/k8s-down.sh" "$STATE" >/dev/null 2>&1 || true
  die "$*"
}

# ------------------------------------------------------------- certificates ---
cert() { # NAME SUBJECT [SAN]
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -subj "$2" -out "$PKI/$1.csr" 2>/dev/null
  local ext="$PKI/$1.ext"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' \
    "${3:+serverAuth,}clientAuth" >"$ext"
  [ -n "${3:-}" ] && echo "subjectAltName=$3" >>"$ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -extfile "$ext" -out "$PKI/$1.crt" 2>/dev/null
  rm -f "$PKI/$1.csr" "$ext"
}
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -subj "/CN=flytebox-k8s-ca" \
  -days 365 -out "$PKI/ca.crt" 2>/dev/null
cert apiserver "/CN=kube-apiserver" \
  "IP:127.0.0.1,IP:10.96.0.1,IP:$HOST_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
cert admin "/O=system:masters/CN=flytebox-admin"
cert apiserver-kubelet "/O=system:masters/CN=kube-apiserver-kubelet-client"
cert kubelet "/O=system:nodes/CN=system:node:$NODE"
cert kubelet-serving "/CN=$NODE" "IP:$HOST_IP,IP:127.0.0.1,DNS:$NODE"
cert scheduler "/CN=system:kube-scheduler"
cert controller-manager "/CN=system:kube-controller-manager"
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null

kubeconfig() { # FILE CERT
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: flytebox
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: flytebox
  context: {cluster: flytebox, user: $2}
current-context: flytebox
KC
}
for c in admin kubelet scheduler controller-manager; do kubeconfig "$STATE/$c.kubeconfig" "$c"; done
mv "$STATE/admin.kubeconfig" "$STATE/kubeconfig"
export KUBECONFIG="$STATE/kubeconfig"

start() { # NAME PROGRAM ARGS...
  local name="$1"; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo "$name $!" >>"$STATE/pids"
}
alive() { # NAME
  local pid; pid="$(awk -v n="$1" '$1 == n { print $2 }' "$STATE/pids")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
wait_for() { # SECONDS WHAT NAME COMMAND...
  local deadline=$(( $(date +%s) + $1 )) what="$2" name="$3"; shift 3
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail "$name exited while waiting for $what (its log above)"
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for $what"
    sleep 0.2
  done
}

cat >"$STATE/env" <<ENV
FLYTEBOX_K8S_API=https://127.0.0.1:$API_PORT
FLYTEBOX_K8S_CONTAINERD=$RUN/containerd.sock
FLYTEBOX_K8S_RUN=$RUN
FLYTEBOX_K8S_BRIDGE=$BRIDGE
FLYTEBOX_K8S_HOST_IP=$HOST_IP
ENV

# ---------------------------------------------------------------- datastore ---
mkdir -p "$STATE/kine"
start kine "$FLYTEBOX_K8S_BIN/kine" --listen-address "127.0.0.1:$KINE_PORT" \
  --endpoint "sqlite://$STATE/kine/state.db?_journal=WAL&cache=shared&_busy_timeout=30000" \
  --metrics-bind-address 0
wait_for 30 "kine" kine bash -c "exec 3<>/dev/tcp/127.0.0.1/$KINE_PORT"

# ---------------------------------------------------------------- apiserver ---
start apiserver "$FLYTEBOX_K8S_BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$KINE_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" --anonymous-auth=false \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet.crt" --kubelet-client-key="$PKI/apiserver-kubelet.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-cluster-ip-range=10.96.0.0/16 \
  --authorization-mode=Node,RBAC --allow-privileged=false \
  --profiling=false
wait_for 60 "the API server" apiserver \
  curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "https://127.0.0.1:$API_PORT/readyz"

start controller-manager "$FLYTEBOX_K8S_BIN/kube-controller-manager" \
  --kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --leader-elect=false --controllers='*,-nodeipam' \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --use-service-account-credentials=true --node-monitor-period=1s \
  --bind-address=127.0.0.1 --secure-port="$CM_PORT" --profiling=false
# A pod the node has no room for yet is tried again when room is made, after a backoff that
# doubles with each try up to podMaxBackoffSeconds (10 s by default): a map's waiting pods
# then left a freed node idle for seconds. On one node, one second at most.
cat >"$STATE/scheduler.yaml" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: $STATE/scheduler.kubeconfig}
leaderElection: {leaderElect: false}
podInitialBackoffSeconds: 1
podMaxBackoffSeconds: 1
YAML
start scheduler "$FLYTEBOX_K8S_BIN/kube-scheduler" --config="$STATE/scheduler.yaml" \
  --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --profiling=false

# --------------------------------------------------------------- containerd ---
cat >"$STATE/cni/net.d/10-flytebox.conflist" <<CNI
{
  "cniVersion": "0.4.0",
  "name": "flytebox-pods",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$SUBNET"}]],
              "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$STATE/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
CNI
cat >"$STATE/containerd.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$RUN/containerd"
[grpc]
  address = "$RUN/containerd.sock"
[ttrpc]
  address = "$RUN/containerd-ttrpc.sock"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$K8S_PAUSE_IMAGE"
  # Lowering a process's oom_score_adj needs CAP_SYS_RESOURCE, which this machine lacks.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
TOML
start containerd containerd --config "$STATE/containerd.toml"
wait_for 30 "containerd" containerd ctr --address "$RUN/containerd.sock" version

# Images: no registry; every image a pod uses is imported.
IMAGES="$("$FLYTEBOX_ROOT/scripts/k8s-images.sh")" || fail "building the cluster's images failed"
for archive in $IMAGES; do
  ctr --address "$RUN/containerd.sock" -n k8s.io images import "$archive" >"$LOGS/import.log" 2>&1 ||
    fail "importing $archive into containerd failed: $(tail -n 3 "$LOGS/import.log")"
done

# ------------------------------------------------------------------- kubelet ---
cat >"$STATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine has cgroup v1, which kubelet 1.37 refuses unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
containerRuntimeEndpoint: unix://$RUN/containerd.sock
address: $HOST_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzPort: 0
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
# Imported images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
resolvConf: /etc/resolv.conf
# Its own folder of pod logs: a kubelet removes the folders in /var/log/pods of pods it does
# not know, so clusters sharing the default lose each other's running pods' logs.
podLogsDir: $STATE/pod-logs
YAML
start kubelet "$FLYTEBOX_K8S_BIN/kubelet" --config="$STATE/kubelet.yaml" \
  --kubeconfig="$STATE/kubelet.kubeconfig" --hostname-override="$NODE" --node-ip="$HOST_IP" \
  --root-dir="$STATE/kubelet"
node_ready() {
  [ "$(kubectl get node "$NODE" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] &&
    ! kubectl get node "$NODE" -o jsonpath='{.spec.taints}' | grep -q not-ready
}
wait_for 120 "the node to be Ready" kubelet node_ready
for n in controller-manager scheduler; do alive "$n" || fail "$n exited"; done
say "Kubernetes $K8S_VERSION up in $(python3 -c "import time; print(round(time.time() - $STARTED, 1))") s: $STATE/kubeconfig"
echo "$STATE/kubeconfig"
