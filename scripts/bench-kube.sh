#!/usr/bin/env bash
# Tasks as Kubernetes pods against tasks as processes, side by side in one run, with the real
# pyflyte: brings up a private single-node cluster (scripts/k8s-up.sh; or uses the one in
# FLYTEBOX_BENCH_K8S_STATE and leaves it up), a versitygw on the host's address that pods
# reach, and two engines on that one object store: one running tasks as pods (--kubeconfig),
# one as processes of the pinned venv's Python (the local runner). Registers
# examples/hello_world.py and examples/map_tasks.py on both and runs bench/kube_bench.py:
# hello world server side (pods, processes) and client side (`pyflyte run --remote --wait`),
# map over 50 (pods, processes), and where a pod's time goes (the engine's share against
# Kubernetes'). Prints JSON. Results and how to read them: docs/BENCHMARKS.md ("Tasks as pods").
#
# Usage: sudo scripts/bench-kube.sh
# Environment: BENCH_RUNS (hello world runs, default 7), BENCH_MAP_RUNS (default 3);
#              FLYTEBOX_BENCH_NO_BUILD=1 to use the engine already built;
#              FLYTEBOX_BENCH_K8S_STATE=DIR to use a cluster already up there;
#              BENCH_ENGINE_FLAGS: more flags for the pods engine (e.g. the Flyte sandbox's
#              resources: --kube-default-cpu 500m --kube-default-cpu-limit 500m
#              --kube-default-memory 1Gi).
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "the cluster's kubelet and containerd need root: run with sudo"
if [ "${FLYTEBOX_BENCH_NO_BUILD:-}" != "1" ]; then
  [ -f "$FLYTEBOX_BUILD/build.ninja" ] || cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja >/dev/null
  flock /tmp/flytebox-build.lock cmake --build "$FLYTEBOX_BUILD" --target flytebox-engine \
    -j "$(nproc)" >/dev/null || die "building flytebox-engine failed"
fi
engine="$FLYTEBOX_BUILD/embedded/flytebox-engine"
[ -x "$engine" ] || die "missing $engine: build first"
versitygw="${FLYTEBOX_VERSITYGW:-$FLYTEBOX_CACHE/bin/versitygw}"
[ -x "$versitygw" ] || die "missing $versitygw: scripts/install-deps.sh"
python="$FLYTEBOX_VENV/bin/python"

work="$(mktemp -d /tmp/flytebox-bench-kube-XXXXXX)"
pids=()
state="${FLYTEBOX_BENCH_K8S_STATE:-}"
own_cluster=0
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ "$own_cluster" = 1 ] && "$FLYTEBOX_ROOT/scripts/k8s-down.sh" "$state" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$state" ]; then
  state="$work/cluster"
  own_cluster=1
  say "bringing up a cluster in $state"
  "$FLYTEBOX_ROOT/scripts/k8s-up.sh" "$state" >"$work/k8s-up.log" 2>&1 ||
    { tail -n 30 "$work/k8s-up.log" >&2; die "the cluster did not come up"; }
fi
[ -f "$state/kubeconfig" ] || die "no cluster in $state"
host_ip="$(sed -n 's/^FLYTEBOX_K8S_HOST_IP=//p' "$state/env")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_url() { # URL LOG WHAT
  local _
  for _ in $(seq 300); do curl -s -o /dev/null "$1" && return; sleep 0.05; done
  tail -n 20 "$2" >&2
  die "$3 did not start (its log above)"
}

# One object store for both engines, on the address pods reach.
s3_port="$(free_port)"
export FLYTEBOX_S3_ACCESS_KEY="AK$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export FLYTEBOX_S3_SECRET_KEY="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
mkdir -p "$work/s3"
ROOT_ACCESS_KEY_ID="$FLYTEBOX_S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$FLYTEBOX_S3_SECRET_KEY" \
  "$versitygw" --port "$host_ip:$s3_port" --quiet posix "$work/s3" >"$work/versitygw.log" 2>&1 &
pids+=($!)
endpoint="http://$host_ip:$s3_port"
wait_url "$endpoint" "$work/versitygw.log" versitygw
export FLYTE_AWS_ENDPOINT="$endpoint" FLYTE_AWS_ACCESS_KEY_ID="$FLYTEBOX_S3_ACCESS_KEY" \
  FLYTE_AWS_SECRET_ACCESS_KEY="$FLYTEBOX_S3_SECRET_KEY"

start_engine() { # NAME ARGS...   (sets port)
  local name="$1"; shift
  port="$(free_port)"
  "$engine" --port "$port" --data-dir "$work/$name" --python "$python" --log-level info \
    --storage s3 --s3-endpoint "$endpoint" --s3-public-endpoint "$endpoint" --bucket "$name" \
    "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_url "http://127.0.0.1:$port/healthz" "$work/$name.log" "the $name engine"
  printf 'admin:\n  endpoint: dns:///localhost:%s\n  insecure: true\n' "$port" >"$work/$name.yaml"
}
start_engine pods --kubeconfig "$state/kubeconfig" ${BENCH_ENGINE_FLAGS:-}; pods_port="$port"
pods_pid="${pids[-1]}"
start_engine procs; procs_port="$port"

version="bench$(date +%s)"
for name in pods procs; do
  (cd "$FLYTEBOX_ROOT" && "$FLYTEBOX_VENV/bin/pyflyte" -c "$work/$name.yaml" register \
    --project flytesnacks --domain development --version "$version" \
    examples/hello_world.py examples/map_tasks.py >"$work/register.log" 2>&1) ||
    { cat "$work/register.log" >&2; die "pyflyte register on the $name engine failed"; }
done

say "engines: pods on port $pods_port, processes on $procs_port; $(nproc) cores"
BENCH_PODS="localhost:$pods_port" BENCH_PROCS="localhost:$procs_port" \
  BENCH_PODS_CONFIG="$work/pods.yaml" BENCH_VERSION="$version" \
  BENCH_KUBECONFIG="$state/kubeconfig" BENCH_ROOT="$FLYTEBOX_ROOT" BENCH_PODS_PID="$pods_pid" \
  BENCH_K8S_PIDS="$(awk '{ print $2 }' "$state/pids" | tr '\n' ' ')" \
  "$python" "$FLYTEBOX_ROOT/bench/kube_bench.py" ||
  { tail -n 40 "$work/pods.log" >&2; die "the benchmark failed (the pods engine's log above)"; }
