#!/usr/bin/env bash
# Benchmarks the web console in Debian's headless Chromium: bytes a first visit transfers
# (raw and gzipped), time from navigation to a rendered executions list with 10,000
# executions in the database, and to a rendered graph of a 1,000-node execution. The engine
# runs API-only (--no-executions) on SQLite in a temporary folder. Results and how to read
# them: docs/BENCHMARKS.md ("Web console").
#
# Usage: scripts/bench-console.sh [RUNS] [EXECUTIONS]     (default 5 10000)
# Environment: FLYTEBOX_BENCH_NO_BUILD=1 to use the engine and console already built.
source "$(dirname "$0")/lib.sh"

if [ "${FLYTEBOX_BENCH_NO_BUILD:-}" != "1" ]; then
  say "building flytebox-engine and the console"
  [ -f "$FLYTEBOX_BUILD/build.ninja" ] || cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja >/dev/null
  flock /tmp/flytebox-build.lock cmake --build "$FLYTEBOX_BUILD" --target flytebox-engine -j "$(nproc)" >/dev/null
fi
[ -f "$FLYTEBOX_BUILD/embedded/console/dist/index.html" ] || die "the console is not built (is npm installed?)"
command -v chromium >/dev/null || die "chromium is missing: scripts/install-deps.sh apt"
FLYTEBOX_ENGINE="$FLYTEBOX_BUILD/embedded/flytebox-engine" FLYTEBOX_VENV="$FLYTEBOX_VENV" \
  BENCH_RUNS="${1:-5}" BENCH_EXECUTIONS="${2:-10000}" node "$FLYTEBOX_ROOT/bench/console_bench.mjs"
