#!/usr/bin/env bash
# Benchmarks the control-plane API: builds flytebox-engine and api_bench, starts the engine
# on SQLite in a temporary data dir (API only: --no-executions), runs api_bench several times
# and prints the medians, with the engine's resident memory when idle after start and after
# the load. Results and how to read them: docs/BENCHMARKS.md ("Control-plane API").
#
# Usage: scripts/bench-api.sh [RUNS] [THREADS] [SECONDS]     (default 5 4 5)
# Environment: FLYTEBOX_BENCH_DATABASE=postgres:CONNINFO to use Postgres instead of SQLite;
#              FLYTEBOX_BENCH_AUTH=1 to run the engine with --auth (every call then carries a
#              bearer token from its /oauth2/token, as flytekit's do);
#              FLYTEBOX_BENCH_NO_BUILD=1 to use the binaries already built.
source "$(dirname "$0")/lib.sh"

runs="${1:-5}"
threads="${2:-4}"
seconds="${3:-5}"

if [ "${FLYTEBOX_BENCH_NO_BUILD:-}" != "1" ]; then
  say "building flytebox-engine and api_bench"
  [ -f "$FLYTEBOX_BUILD/build.ninja" ] || cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja >/dev/null
  # Builds sharing one build folder take turns.
  flock /tmp/flytebox-build.lock \
    cmake --build "$FLYTEBOX_BUILD" --target flytebox-engine api_bench -j "$(nproc)" >/dev/null
fi
engine_bin="$FLYTEBOX_BUILD/embedded/flytebox-engine"
bench_bin="$FLYTEBOX_BUILD/bench/api_bench"
[ -x "$engine_bin" ] && [ -x "$bench_bin" ] || die "missing $engine_bin or $bench_bin: build first"

dir="$(mktemp -d /tmp/flytebox-bench-XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
engine_pid=""
cleanup() {
  if [ -n "$engine_pid" ]; then
    kill "$engine_pid" 2>/dev/null || true
    wait "$engine_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

args=(--port "$port" --data-dir "$dir/data" --no-executions --log-level warn)
[ -n "${FLYTEBOX_BENCH_DATABASE:-}" ] && args+=(--database "$FLYTEBOX_BENCH_DATABASE")
auth="${FLYTEBOX_BENCH_AUTH:-}"
client_secret="$(python3 -c 'import secrets; print(secrets.token_hex(20))')"
[ "$auth" = "1" ] && args+=(--auth --auth-client-id bench)
FLYTEBOX_AUTH_CLIENT_SECRET="$client_secret" "$engine_bin" "${args[@]}" >"$dir/engine.log" 2>&1 &
engine_pid=$!
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$engine_pid" 2>/dev/null || { cat "$dir/engine.log" >&2; die "the engine exited"; }
  sleep 0.1
done

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$engine_pid/status"; }
sleep 1
rss_idle=$(rss_kb)
say "engine on 127.0.0.1:$port (pid $engine_pid), idle RSS ${rss_idle} kB"

if [ "$auth" = "1" ]; then
  FLYTEBOX_BENCH_TOKEN="$(curl -sf -u "bench:$client_secret" -d grant_type=client_credentials \
    "http://127.0.0.1:$port/oauth2/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')" ||
    die "no token from the engine's /oauth2/token"
  export FLYTEBOX_BENCH_TOKEN
  say "--auth: every call carries a bearer token"
fi

results="$dir/results.txt"
for run in $(seq "$runs"); do
  say "run $run/$runs: $threads threads, ${seconds}s per operation"
  setup=()
  [ "$run" -gt 1 ] && setup=(--no-setup)
  "$bench_bin" --target "127.0.0.1:$port" --threads "$threads" --seconds "$seconds" \
    "${setup[@]}" | tee -a "$results" | grep -v '^RESULT' >&2
done
sleep 2
rss_after=$(rss_kb)
rss_peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$engine_pid/status")

db="SQLite"
[ -n "${FLYTEBOX_BENCH_DATABASE:-}" ] && db="${FLYTEBOX_BENCH_DATABASE%%:*}"
[ "$auth" = "1" ] && db="$db, --auth"
python3 - "$results" "$rss_idle" "$rss_after" "$rss_peak" "$runs" "$threads" "$seconds" "$db" <<'EOF'
import statistics, sys
path, idle, after, peak, runs, threads, seconds, db = sys.argv[1:]
rows = {}
for line in open(path):
    if not line.startswith("RESULT "):
        continue
    kv = dict(f.split("=", 1) for f in line.split()[1:])
    rows.setdefault(kv["op"], []).append(kv)
goals = {"GetExecution": 5000, "CreateExecution": 1000, "CreateFromTask": 1000}
print(f"\nControl-plane API, {db}, {threads} client threads, {runs} runs of {seconds}s: medians")
print(f"{'operation':<16} {'calls/s':>9} {'p50 ms':>7} {'p99 ms':>7}  runs (calls/s)         goal")
for op in ("GetExecution", "CreateExecution", "CreateFromTask"):
    rs = rows.get(op, [])
    if not rs:
        continue
    rps = statistics.median(float(r["rps"]) for r in rs)
    p50 = statistics.median(int(r["p50_us"]) for r in rs) / 1000
    p99 = statistics.median(int(r["p99_us"]) for r in rs) / 1000
    each = " ".join(f"{float(r['rps']):.0f}" for r in rs)
    ok = rps >= goals[op] and p99 < 10
    print(f"{op:<16} {rps:>9.0f} {p50:>7.2f} {p99:>7.2f}  {each:<22} "
          f">= {goals[op]}/s, p99 < 10 ms: {'met' if ok else 'MISSED'}")
idle_mb, after_mb, peak_mb = int(idle) / 1024, int(after) / 1024, int(peak) / 1024
print(f"engine RSS: idle after start {idle_mb:.1f} MB (goal < 30 MB: "
      f"{'met' if idle_mb < 30 else 'MISSED'}), idle after the load {after_mb:.1f} MB, "
      f"peak {peak_mb:.1f} MB")
EOF
