#!/usr/bin/env bash
# Benchmarks `flytebox demo start --kubernetes` on one engine, with the CLI as a user runs it:
# start → node Ready and engine ready (a new volume: first start, certificates and image
# import; then a stopped container started again), the first hello world after start
# (pyflyte run --remote until SUCCEEDED, and the engine's own duration), the idle memory of
# the whole container (the engine's `stats`, 20 s after start) and the image size. Prints a
# Markdown table; results and how to read them: docs/BENCHMARKS.md ("Kubernetes in the
# image").
#
# Usage: scripts/bench-kubernetes.sh [--runs N] [--image IMAGE] [ENGINE]   (default docker)
# Needs the image built (scripts/build-image.sh), the CLI built, and the engine up.
source "$(dirname "$0")/lib.sh"

runs=3
engine=docker
VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$FLYTEBOX_ROOT/CMakeLists.txt")"
image="flytebox:$VERSION"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --image) image="${2:?--image needs a name}"; shift 2 ;;
    docker|podman) engine="$1"; shift ;;
    *) die "unknown argument '$1' (see the usage at the top of $0)" ;;
  esac
done
CLI="$FLYTEBOX_BUILD/cli/flytebox"
VENV="$FLYTEBOX_CACHE/venv"
[ -x "$CLI" ] || die "$CLI is missing: cmake --build build --target flytebox"
[ -x "$VENV/bin/pyflyte" ] || die "no pinned flytekit at $VENV"

WORK="$(mktemp -d /tmp/flytebox-bench-k8s.XXXXXX)"
NAME="fb-bench-k8s-$$"
export HOME="$WORK/home" FLYTECTL_CONFIG="$WORK/home/.flyte/config-sandbox.yaml"
mkdir -p "$HOME"
demo() { "$CLI" demo "$1" --runtime "$engine" --name "$NAME" --state-dir "$WORK/state" "${@:2}"; }
cleanup() { demo teardown --volume >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); S3=$(free_port); K8S=$(free_port)
FLAGS=(--kubernetes --image "$image" --port "$PORT" --s3-port "$S3" --k8s-port "$K8S" --wait-timeout 300)
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }

first=(); again=(); hello=(); server=(); memory=()
for i in $(seq 1 "$runs"); do
  t=$(now); demo start "${FLAGS[@]}" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; die "start failed"; }
  first+=("$(since "$t")")
  t=$(now)
  out="$(cd "$FLYTEBOX_ROOT/examples" && "$VENV/bin/pyflyte" run --remote hello_world.py hello_wf 2>&1)" || die "pyflyte failed: $out"
  ex="$(grep -o 'executions/[a-z0-9]*' <<<"$out" | head -n 1 | cut -d/ -f2)"
  while :; do
    doc="$(curl -s "http://127.0.0.1:$PORT/api/v1/executions/flytesnacks/development/$ex")"
    phase="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["closure"]["phase"])' <<<"$doc")"
    case "$phase" in SUCCEEDED) break ;; FAILED|ABORTED|TIMED_OUT) die "hello world $phase" ;; esac
    sleep 0.2
  done
  hello+=("$(since "$t")")
  server+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)["closure"]["duration"].rstrip("s")[:5])' <<<"$doc")")
  sleep 20
  memory+=("$("$engine" stats --no-stream --format '{{.MemUsage}}' "$NAME" | cut -d/ -f1 | tr -d ' ')")
  demo stop >/dev/null 2>&1
  t=$(now); demo start "${FLAGS[@]}" >/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; die "start again failed"; }
  again+=("$(since "$t")")
  demo teardown --volume >/dev/null 2>&1
done
size="$("$engine" image inspect --format '{{.Size}}' "$image")"
echo "| $engine, $runs runs | each run |"
echo "|---|---|"
echo "| start → node Ready and engine ready, new volume (s) | ${first[*]} |"
echo "| start again after stop (s) | ${again[*]} |"
echo "| first hello world after start, pyflyte run → SUCCEEDED (s) | ${hello[*]} |"
echo "| its execution's duration, server side (s) | ${server[*]} |"
echo "| idle memory of the container, 20 s after the hello world | ${memory[*]} |"
echo "| image size | $((size / 1000000)) MB |"
