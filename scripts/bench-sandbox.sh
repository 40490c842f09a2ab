#!/usr/bin/env bash
# Benchmarks the native sandbox as a user meets it: the wall time of `flytebox demo start
# --runtime native` (it returns when the sandbox is ready), of `flytebox demo stop`, and the
# idle resident memory of the supervisor plus the engine (and of every process under the
# supervisor, which includes what the engine starts). Runs in a temporary HOME and state
# folder on a free port, so nothing of the user's is touched. Prints medians (and min/max)
# as a Markdown table. Results and how to read them: docs/BENCHMARKS.md ("Native sandbox").
#
# Usage: scripts/bench-sandbox.sh [RUNS]     (default 15; at least 10)
# Environment: FLYTEBOX_BENCH_NO_BUILD=1 to use the binaries already built;
#              FLYTEBOX_BENCH_PYTHON=PATH for the task Python (default: the pinned venv's);
#              FLYTEBOX_BENCH_S3=1 to start with --s3 (versitygw on a free port).
source "$(dirname "$0")/lib.sh"

runs="${1:-15}"
[ "$runs" -ge 10 ] || die "give at least 10 runs"

if [ "${FLYTEBOX_BENCH_NO_BUILD:-}" != "1" ]; then
  say "building flytebox, flytebox-sandbox and flytebox-engine"
  [ -f "$FLYTEBOX_BUILD/build.ninja" ] || cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja >/dev/null
  # Builds sharing one build folder take turns.
  flock /tmp/flytebox-build.lock cmake --build "$FLYTEBOX_BUILD" \
    --target flytebox flytebox-sandbox flytebox-engine -j "$(nproc)" >/dev/null
fi
cli="$FLYTEBOX_BUILD/cli/flytebox"
[ -x "$cli" ] || die "missing $cli: build first"
python="${FLYTEBOX_BENCH_PYTHON:-$FLYTEBOX_VENV/bin/python}"
[ -x "$python" ] || python="$(command -v python3)"

dir="$(mktemp -d /tmp/flytebox-bench-sandbox-XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export HOME="$dir/home" FLYTEBOX_HOME="$dir/state"
unset XDG_DATA_HOME FLYTEBOX_RUNTIME
mkdir -p "$HOME"
cleanup() {
  "$cli" demo teardown --volume >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

start=("$cli" demo start --runtime native --port "$port" --python "$python")
if [ "${FLYTEBOX_BENCH_S3:-}" = "1" ]; then
  s3_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  start+=(--s3 --s3-port "$s3_port")
fi
now_us() { echo "${EPOCHREALTIME/./}"; }

# Runs "$@" and prints its wall time in milliseconds; fails the script when it fails.
timed_ms() {
  local t0 t1
  t0=$(now_us)
  "$@" >"$dir/last.out" 2>&1 || { cat "$dir/last.out" >&2; die "$* failed"; }
  t1=$(now_us)
  echo $(( (t1 - t0) / 1000 )).$(( (t1 - t0) % 1000 / 100 ))
}

say "first start (creates the state folder and the database)"
first_ms=$(timed_ms "${start[@]}")
timed_ms "$cli" demo stop >/dev/null

starts=() stops=()
for run in $(seq "$runs"); do
  starts+=("$(timed_ms "${start[@]}")")
  stops+=("$(timed_ms "$cli" demo stop)")
done

say "idle memory"
"${start[@]}" >/dev/null 2>&1 || die "start failed"
sleep 3
rss=$("$cli" demo status -o json | python3 -c '
import json, os, sys
s = json.load(sys.stdin)
sup_pid = s["supervisor"]["pid"]
sup = s["supervisor"]["rss_bytes"]
eng = next(c for c in s["components"] if c["name"] == "engine")["rss_bytes"]
# The whole tree under the supervisor, e.g. the Python task host the engine keeps warm.
parent, rss = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        continue
    parent[int(pid)] = int(stat[1])
    kb = [l.split()[1] for l in status.splitlines() if l.startswith("VmRSS:")]
    rss[int(pid)] = int(kb[0]) * 1024 if kb else 0
def under(pid):
    while pid > 1:
        if pid == sup_pid:
            return True
        pid = parent.get(pid, 0)
    return False
tree = sum(v for p, v in rss.items() if under(p))
mb = 1048576
print(f"{sup/mb:.1f} {eng/mb:.1f} {(sup+eng)/mb:.1f} {tree/mb:.1f}")')
read -r rss_sup rss_eng rss_total rss_tree <<<"$rss"
"$cli" demo stop >/dev/null

stats() {  # median min max of the arguments
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f %.1f %.1f", m, a[1], a[NR]}'
}
read -r start_med start_min start_max <<<"$(stats "${starts[@]}")"
read -r stop_med stop_min stop_max <<<"$(stats "${stops[@]}")"

cat <<EOF
| measure ($runs runs, $(nproc) cores) | median | min | max |
|---|---|---|---|
| \`demo start\` to ready, warm | ${start_med} ms | ${start_min} ms | ${start_max} ms |
| \`demo stop\` | ${stop_med} ms | ${stop_min} ms | ${stop_max} ms |
| first \`demo start\` (new state folder) | ${first_ms} ms | | |
| idle RSS, supervisor + engine | ${rss_total} MB (${rss_sup} + ${rss_eng}) | | |
| idle RSS, every process of the sandbox | ${rss_tree} MB | | |
EOF
