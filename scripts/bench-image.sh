#!/usr/bin/env bash
# Benchmarks the container image: time to ready once the image exists (a new container on a
# new volume, and a stopped one started again; SQLite, and Postgres), the idle memory of the
# whole container, the image size, and the offline build (cold: an empty cache, everything
# downloaded; warm: the cached base plus the programs; no-op: nothing changed). Prints
# Markdown tables. Results and how to read them: docs/BENCHMARKS.md ("Container image").
#
# Usage: scripts/bench-image.sh [--runs N] [--no-cold] [--image NAME] [ENGINE...]
#                                                                   (default: docker podman)
#   --runs     starts per measurement (default 7, at least 5)
#   --no-cold  skip the cold build (it downloads about 150 MB and takes minutes)
#   --image    measure this existing image's starts only (no build, no build timings)
# Needs root (the offline build), the programs built, and the engines up
# (scripts/container-engines.sh).
source "$(dirname "$0")/lib.sh"

runs=7
cold=1
given_image=""
engines=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
    --no-cold) cold=0; shift ;;
    --image) given_image="${2:?--image needs a name}"; shift 2 ;;
    docker|podman) engines+=("$1"); shift ;;
    *) die "unknown argument '$1' (see the usage at the top of $0)" ;;
  esac
done
[ "$runs" -ge 5 ] || die "give at least 5 runs"
[ ${#engines[@]} -gt 0 ] || engines=(docker podman)

VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$FLYTEBOX_ROOT/CMakeLists.txt")"
IMAGE="${given_image:-flytebox:$VERSION}"
NAME="flytebox-bench-image-$$"
WORK="$(mktemp -d /tmp/flytebox-bench-image-XXXXXX)"
ENGINE=""
RUN_FLAGS=()

e() { timeout 120 "$ENGINE" "$@"; }
cleanup() {
  if [ -n "$ENGINE" ]; then
    e rm -f "$NAME" >/dev/null 2>&1 || true
    e volume rm -f "$NAME" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { local t="${EPOCHREALTIME/./}"; echo $((t / 1000)); }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# median, min and max of the arguments (milliseconds) as "m.mm s (min–max)"
stats() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2f s (%.2f–%.2f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}

# Polls /healthz every 10 ms from T0 (ms) until it answers 200; prints the elapsed ms.
ready_after() { # T0
  local deadline=$(( $1 + 120000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/healthz" 2>/dev/null)" = 200 ]; then
      echo $(( $(now_ms) - $1 ))
      return 0
    fi
    sleep 0.01
  done
  die "$ENGINE: the sandbox was not ready within 120 s; logs: $(e logs "$NAME" 2>&1 | tail -n 5)"
}

run_new() { # DB -> ms from `run` to ready
  local t0
  t0=$(now_ms)
  e run -d --name "$NAME" -p "127.0.0.1:$PORT:30080" -p "127.0.0.1:$S3_PORT:30002" \
    -v "$NAME:/var/lib/flytebox" -e "FLYTEBOX_PUBLIC_PORT=$PORT" \
    -e "FLYTEBOX_S3_PUBLIC_PORT=$S3_PORT" -e "FLYTEBOX_DB=$1" "${RUN_FLAGS[@]}" "$IMAGE" >/dev/null \
    || die "$ENGINE run failed"
  ready_after "$t0"
}

remove() { e rm -f "$NAME" >/dev/null; e volume rm -f "$NAME" >/dev/null; }

restart() { # -> ms from `start` to ready
  e stop -t 30 "$NAME" >/dev/null
  local t0
  t0=$(now_ms)
  e start "$NAME" >/dev/null
  ready_after "$t0"
}

# Memory of the whole container: as the engine reports it (usage minus page cache), the
# cgroup's own figure (with page cache), and the summed resident memory of its processes.
memory() {
  local stat id dir cgroup="?" rss
  stat="$(e stats --no-stream --format '{{.MemUsage}}' "$NAME" | cut -d/ -f1 | tr -d ' ')"
  id="$(e inspect --format '{{.Id}}' "$NAME")"
  dir="$(find /sys/fs/cgroup -maxdepth 5 -type d -name "*$id*" \
    \( -path '*/memory/*' -o -path '/sys/fs/cgroup/*.slice/*' \) 2>/dev/null | head -n1)"
  for f in memory.current memory.usage_in_bytes; do
    if [ -n "$dir" ] && [ -r "$dir/$f" ]; then cgroup="$(( $(cat "$dir/$f") / 1048576 )) MiB"; break; fi
  done
  rss="$(e exec "$NAME" sh -c 'cat /proc/[0-9]*/status 2>/dev/null' \
    | awk '/^VmRSS:/ { s += $2 } END { printf "%.0f MiB", s / 1024 }')"
  echo "$stat \| $cgroup \| $rss"
}

bench_engine() {
  ENGINE="$1"
  RUN_FLAGS=()
  if [ "$ENGINE" = podman ]; then
    read -r -a RUN_FLAGS <<<"$("$FLYTEBOX_ROOT/scripts/container-engines.sh" podman-ulimits)"
  fi
  if [ -z "$given_image" ]; then
    "$FLYTEBOX_ROOT/scripts/build-image.sh" --engine "$ENGINE" >"$WORK/build.log" 2>&1 \
      || { tail -n 20 "$WORK/build.log" >&2; die "building the image failed"; }
  fi
  PORT="$(free_port)"; S3_PORT="$(free_port)"
  local size first=() again=() pg_first=() pg_again=() mem=""
  size="$(e image inspect --format '{{.Size}}' "$IMAGE")"
  say "$ENGINE: $runs new containers and $runs restarts (SQLite)"
  for _ in $(seq "$runs"); do
    first+=("$(run_new sqlite)")
    again+=("$(restart)")
    if [ -z "$mem" ]; then sleep 30; mem="$(memory)"; fi
    remove
  done
  say "$ENGINE: $runs new containers and $runs restarts (Postgres)"
  for _ in $(seq "$runs"); do
    pg_first+=("$(run_new postgres)")
    pg_again+=("$(restart)")
    remove
  done
  printf '| %s | %s | %s | %s | %s | %s | %s MB |\n' "$ENGINE" "$(stats "${first[@]}")" \
    "$(stats "${again[@]}")" "$(stats "${pg_first[@]}")" "$(stats "${pg_again[@]}")" \
    "$mem" "$((size / 1000000))" >>"$WORK/table"
}

build_seconds() { # LOG -> "N s" minus the time spent waiting for a build of the tree
  local total wait
  total="$(sed -n 's/.*ready in \([0-9]*\) s.*/\1/p' "$1" | tail -n1)"
  wait="$(sed -n 's/.*(\([0-9]*\) s of it waiting.*/\1/p' "$1" | tail -n1)"
  echo "$((total - ${wait:-0})) s"
}

bench_build() {
  local engine="${engines[0]}" tag="flytebox-bench:$$" cache
  cache="$(mktemp -d /tmp/flytebox-bench-image-cache-XXXXXX)"
  if [ "$cold" = 1 ]; then
    say "cold build (empty cache, everything downloaded) into $engine"
    FLYTEBOX_IMAGE_CACHE="$cache" "$FLYTEBOX_ROOT/scripts/build-image.sh" --engine "$engine" \
      --tag "$tag" --force >"$WORK/cold.log" 2>&1 || { tail -n 20 "$WORK/cold.log" >&2; die "cold build failed"; }
    echo "| cold: empty cache, everything downloaded, imported into $engine | $(build_seconds "$WORK/cold.log") |" >>"$WORK/builds"
  fi
  say "warm build (cached base, programs added, imported again) into $engine"
  local warm=()
  for _ in 1 2 3; do
    "$FLYTEBOX_ROOT/scripts/build-image.sh" --engine "$engine" --tag "$tag" --force >"$WORK/warm.log" 2>&1 \
      || { tail -n 20 "$WORK/warm.log" >&2; die "warm build failed"; }
    warm+=("$(build_seconds "$WORK/warm.log" | cut -d' ' -f1)")
  done
  echo "| warm: cached base, the programs added, imported into $engine (median of 3) | $(printf '%s\n' "${warm[@]}" | sort -n | sed -n 2p) s |" >>"$WORK/builds"
  "$FLYTEBOX_ROOT/scripts/build-image.sh" --engine "$engine" --tag "$tag" >"$WORK/noop.log" 2>&1
  echo "| no-op: nothing changed, image up to date | $(build_seconds "$WORK/noop.log") |" >>"$WORK/builds"
  "$engine" rmi "$tag" >/dev/null 2>&1 || true
  rm -rf "$cache"
}

: >"$WORK/table"; : >"$WORK/builds"
for engine in "${engines[@]}"; do bench_engine "$engine"; done
ENGINE=""
[ -n "$given_image" ] || bench_build

echo
echo "| engine | new container to ready, SQLite | restart to ready, SQLite | new container to ready, Postgres | restart to ready, Postgres | idle memory: engine's figure \\| cgroup with page cache \\| sum of RSS | image size |"
echo "|---|---|---|---|---|---|---|"
cat "$WORK/table"
echo
echo "| offline build | time |"
echo "|---|---|"
cat "$WORK/builds"
echo
echo "Times: median of $runs (min–max). $(nproc) cores, $(uname -r)."
