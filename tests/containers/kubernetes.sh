#!/usr/bin/env bash
# End-to-end test of `flytebox demo start --kubernetes` on one container engine, as a user
# runs it: the CLI, the host's kubectl, the real pyflyte.
#
# Usage: tests/containers/kubernetes.sh docker|podman FLYTEBOX_CLI
#
#  1. brings the engine up (scripts/container-engines.sh) and builds or refreshes the image
#     (scripts/build-image.sh: imports only when the content changed);
#  2. `demo start --kubernetes` on free ports (HOME and state folder of its own), with the
#     host's kernel settings as a fresh Debian has them, not the kubelet's (the test sets them
#     and restores them after): none of them changed by the sandbox; the
#     container is not privileged and drops CAP_SYS_RESOURCE; ~/.flyte/sandbox/kubeconfig
#     is 0600 with context flytebox, and the host's kubectl sees node flytebox Ready; a
#     client without the sandbox's certificate gets 401;
#  3. `pyflyte run --remote examples/hello_world.py hello_wf`: kubectl sees its task as a pod
#     in flytesnacks-development finish (Succeeded, or its container exited 0), FlyteRemote the execution SUCCEEDED with
#     output "Hello, world!";
#  3b. the data-plane suite's workflows (tests/containers/kube_data_plane.py: typed values,
#     files through S3, a map over 8, dynamic, branch, sub-workflow, launch plan, retries)
#     registered and launched together: each SUCCEEDED with its output, kubectl saw the pods;
#  4. `demo stop`, `demo start --kubernetes`: the execution is still there, the node Ready;
#  5. `demo teardown --volume`: no container, volume, network or kubeconfig left.
#
# Prints "PASS ..." and exits 0 only when every check passed, else "FAIL ...: why" with the
# components' logs. Environment: FLYTEBOX_VENV (the pinned flytekit), FLYTEBOX_IMAGE (default
# flytebox:<version>), FLYTEBOX_BUILD (where the programs were built).
NAME="fb-k8s-test-${1:-}-$$"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-k8s-test.XXXXXX")"
LABEL=kubernetes
LOG_FILES="supervisor kine apiserver containerd kubelet engine"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kube_test_setup "$@"

# The kernel settings the kubelet wants otherwise (1, 10, 1): a fresh Debian's values.
HOST_KERNEL=(vm/overcommit_memory=0 kernel/panic=0 kernel/panic_on_oops=0)
SAVED_KERNEL=()
for setting in "${HOST_KERNEL[@]}"; do
  SAVED_KERNEL+=("${setting%%=*}=$(cat "/proc/sys/${setting%%=*}")")
done
set_kernel() { local s; for s in "$@"; do echo "${s#*=}" >"/proc/sys/${s%%=*}"; done; }
check_kernel() { # WHEN
  local s
  for s in "${HOST_KERNEL[@]}"; do
    [ "$(cat "/proc/sys/${s%%=*}")" = "${s#*=}" ] \
      || fail "the host's ${s%%=*} is $(cat "/proc/sys/${s%%=*}") $1, was ${s#*=}"
  done
}

cleanup() {
  set_kernel "${SAVED_KERNEL[@]}" 2>/dev/null || true
  e rm -f "$NAME" >/dev/null 2>&1 || true
  e volume rm -f "$NAME" >/dev/null 2>&1 || true
  e network rm "$NAME-net" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

kube_test_prerequisites
set_kernel "${HOST_KERNEL[@]}" || fail "cannot set the host's kernel settings (root needed)"

PORT=$(free_port); S3_PORT=$(free_port); K8S_PORT=$(free_port)
START_FLAGS=(--kubernetes --image "$IMAGE" --port "$PORT" --s3-port "$S3_PORT"
             --k8s-port "$K8S_PORT" --wait-timeout 300)

# ------------------------------------------------------------------- start ---
began=$SECONDS
demo start "${START_FLAGS[@]}" >"$WORK/start.out" 2>"$WORK/start.err" \
  || { cat "$WORK/start.err" >&2; fail "demo start --kubernetes failed"; }
log "ok: started in $((SECONDS - began)) s"
check_kernel "after the start"
grep -q "^export KUBECONFIG=$KUBECONFIG\$" "$WORK/start.out" \
  || fail "start did not print export KUBECONFIG=$KUBECONFIG: $(cat "$WORK/start.out")"
[ "$(stat -c %a "$KUBECONFIG")" = 600 ] || fail "$KUBECONFIG is not 0600"
[ "$(kubectl config current-context)" = flytebox ] || fail "the kubeconfig's context is not flytebox"
grep -q "server: https://localhost:$K8S_PORT\$" "$KUBECONFIG" \
  || fail "the kubeconfig does not name the published port $K8S_PORT"
[ "$(e inspect --format '{{.HostConfig.Privileged}}' "$NAME")" = false ] || fail "the container is privileged"
# CAP_SYS_RESOURCE is capability 24: not in the bounding set of the container's PID 1.
capbnd="$(e exec "$NAME" sed -n 's/^CapBnd:[[:space:]]*//p' /proc/1/status)" || fail "cannot read PID 1's capabilities"
[ $(( (16#$capbnd >> 24) & 1 )) -eq 0 ] || fail "the container keeps CAP_SYS_RESOURCE (CapBnd $capbnd)"
ready="$(kubectl get node flytebox -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" \
  || fail "the host's kubectl cannot read node flytebox"
[ "$ready" = True ] || fail "node flytebox is not Ready: $ready"
log "ok: host kubectl sees node flytebox Ready; kubeconfig 0600, context flytebox"
code="$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$K8S_PORT/version")" || true
[ "$code" = 401 ] || fail "the API server answered $code to a request without a certificate, expected 401"
log "ok: the API server refuses a client without the sandbox's certificate (401)"

# ------------------------------------------------------------ hello world ---
cat >"$WORK/check.py" <<'EOF'
import sys
from datetime import timedelta

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

config, name = sys.argv[1:]
remote = FlyteRemote(Config.auto(config_file=config), default_project="flytesnacks",
                     default_domain="development")
ex = remote.wait(remote.fetch_execution(name=name), timeout=timedelta(seconds=240),
                 poll_interval=timedelta(seconds=0.5))
phase = WorkflowExecutionPhase.enum_to_string(ex.closure.phase)
if phase != "SUCCEEDED":
    sys.exit(f"execution {name}: {phase}, expected SUCCEEDED: {ex.closure.error}")
got = ex.outputs.get("o0", as_type=str)
if got != "Hello, world!":
    sys.exit(f"execution {name}: output o0 = {got!r}")
EOF
# The engine deletes a pod once it has recorded its end, which can be before the kubelet
# reports the pod's phase Succeeded: watch every change from before the run, and take the
# phase Succeeded or the task container's exit code 0.
kubectl get pods -A --watch --no-headers \
  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,IMAGE:.spec.containers[0].image,EXIT:.status.containerStatuses[0].state.terminated.exitCode \
  >"$WORK/pods.txt" 2>"$WORK/watch.err" &
WATCH=$!
began=$SECONDS
(cd "$REPO/examples" && "$VENV/bin/pyflyte" run --remote hello_world.py hello_wf) \
  >"$WORK/run.out" 2>&1 || { cat "$WORK/run.out" >&2; fail "pyflyte run --remote failed"; }
EXEC="$(grep -o 'executions/[a-z0-9]*' "$WORK/run.out" | head -n 1 | cut -d/ -f2)"
[ -n "$EXEC" ] || fail "pyflyte printed no execution: $(cat "$WORK/run.out")"
"$VENV/bin/python" "$WORK/check.py" "$FLYTECTL_CONFIG" "$EXEC" || fail "hello world did not succeed"
log "ok: hello world $EXEC SUCCEEDED in $((SECONDS - began)) s"
pod_done() { awk '$1 == "flytesnacks-development" && ($3 == "Succeeded" || $5 == "0")' "$WORK/pods.txt"; }
for _ in $(seq 1 50); do [ -n "$(pod_done)" ] && break; sleep 0.2; done
kill "$WATCH" 2>/dev/null || true
wait "$WATCH" 2>/dev/null || true
[ -n "$(pod_done)" ] \
  || fail "kubectl never saw a Succeeded task pod in flytesnacks-development: $(sort -u "$WORK/pods.txt")"
log "ok: kubectl saw the task pod finish: $(pod_done | head -n 1 | tr -s ' ')"

# ------------------------------------------------------ the data-plane suite ---
VERSION_TAG="v$$"
(cd "$REPO" && "$VENV/bin/pyflyte" register --project flytesnacks --domain development \
   --version "$VERSION_TAG" examples/hello_world.py examples/typed_values.py examples/files.py \
   examples/map_tasks.py examples/control_flow.py examples/behaviours.py) >"$WORK/register.out" 2>&1 \
  || { cat "$WORK/register.out" >&2; fail "pyflyte register of examples/ failed"; }
kubectl get pods -n flytesnacks-development --watch --no-headers \
  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,IMAGE:.spec.containers[0].image,EXIT:.status.containerStatuses[0].state.terminated.exitCode \
  >"$WORK/pods.txt" 2>"$WORK/watch.err" &
WATCH=$!
began=$SECONDS
"$VENV/bin/python" "$REPO/tests/containers/kube_data_plane.py" "$FLYTECTL_CONFIG" "$VERSION_TAG" \
  >"$WORK/data-plane.out" 2>&1 || { cat "$WORK/data-plane.out" >&2; fail "the data-plane workflows as pods"; }
sleep 1
kill "$WATCH" 2>/dev/null || true
wait "$WATCH" 2>/dev/null || true
pods="$(pod_done | awk '{print $2}' | sort -u | wc -l)"
runs="$(grep -c '^ok: ' "$WORK/data-plane.out")"
# A map's elements, a dynamic node's children, the retry: more pods than runs.
[ "$pods" -gt "$runs" ] || fail "kubectl saw $pods finished task pods for $runs workflows: $(sort -u "$WORK/pods.txt")"
log "ok: $runs data-plane workflows SUCCEEDED with their outputs as $pods pods in $((SECONDS - began)) s"
"$CLI" demo status --runtime "$ENGINE" --name "$NAME" --state-dir "$WORK/state" >"$WORK/status.out" 2>&1 \
  || { cat "$WORK/status.out" >&2; fail "demo status failed"; }
for c in kine apiserver controller-manager scheduler containerd kubelet s3 engine; do
  grep -q "^$c  *running  *yes " "$WORK/status.out" || fail "status does not show $c running and ready: $(cat "$WORK/status.out")"
done
grep -q "node flytebox: Ready" "$WORK/status.out" || fail "status does not show the node Ready: $(cat "$WORK/status.out")"
log "ok: status shows the six Kubernetes components ready and the node Ready"

# -------------------------------------------------------------- stop/start ---
demo stop >/dev/null 2>&1 || fail "demo stop failed"
[ "$(e inspect --format '{{.State.Running}}' "$NAME")" = false ] || fail "the container still runs after stop"
began=$SECONDS
demo start "${START_FLAGS[@]}" >"$WORK/start.out" 2>"$WORK/start.err" \
  || { cat "$WORK/start.err" >&2; fail "demo start after stop failed"; }
log "ok: started again in $((SECONDS - began)) s"
"$VENV/bin/python" "$WORK/check.py" "$FLYTECTL_CONFIG" "$EXEC" \
  || fail "the execution did not survive stop/start"
[ "$(kubectl get node flytebox -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ] \
  || fail "node flytebox is not Ready after stop/start"
log "ok: execution $EXEC and node flytebox kept across stop/start"
check_kernel "after the pods and a second start"
log "ok: the host's kernel settings are as they were (${HOST_KERNEL[*]})"

# ---------------------------------------------------------------- teardown ---
demo teardown --volume >/dev/null 2>&1 || fail "demo teardown --volume failed"
e inspect "$NAME" >/dev/null 2>&1 && fail "container $NAME is left after teardown"
e volume inspect "$NAME" >/dev/null 2>&1 && fail "volume $NAME is left after teardown"
e network inspect "$NAME-net" >/dev/null 2>&1 && fail "network $NAME-net is left after teardown"
[ -e "$KUBECONFIG" ] && fail "$KUBECONFIG is left after teardown"
[ -e "$FLYTECTL_CONFIG" ] && fail "$FLYTECTL_CONFIG is left after teardown"
log "ok: teardown --volume left no container, volume, network or kubeconfig"
echo "PASS kubernetes $ENGINE ($((SECONDS - START)) s)"
