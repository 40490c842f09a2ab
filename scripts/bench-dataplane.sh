#!/usr/bin/env bash
# Data-plane benchmark: starts a real engine (SQLite, local files) with the pinned flytekit
# as the task Python, registers bench/dataplane_workflows.py and examples/hello_world.py,
# and times executions server side (see bench/dataplane_bench.py). Results: docs/BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

"$FLYTEBOX_ROOT/scripts/install-deps.sh" apt idl python >/dev/null
"$FLYTEBOX_ROOT/scripts/build.sh" >/dev/null
engine="$FLYTEBOX_BUILD/embedded/flytebox-engine"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$engine" --port "$port" --data-dir "$work/data" --python "$FLYTEBOX_VENV/bin/python" \
  --log-level warn >"$work/engine.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
printf 'admin:\n  endpoint: dns:///localhost:%s\n  insecure: true\n' "$port" >"$work/config.yaml"
version="bench$(date +%s)"
for file in bench/dataplane_workflows.py examples/hello_world.py; do  # two source roots
  (cd "$FLYTEBOX_ROOT" && "$FLYTEBOX_VENV/bin/pyflyte" -c "$work/config.yaml" register \
    --project flytesnacks --domain development --version "$version" "$file" >"$work/register.log" 2>&1) \
    || { cat "$work/register.log"; die "pyflyte register $file failed"; }
done
say "engine on port $port, $(nproc) cores; task host: $FLYTEBOX_VENV/bin/python"
"$FLYTEBOX_VENV/bin/python" "$FLYTEBOX_ROOT/bench/dataplane_bench.py" "localhost:$port" "$version"
echo "engine RSS after the runs: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
