#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build, start a Flytebox sandbox
# (natively: no container engine needed) and run the hello-world workflow on it with the real
# flytekit. Leaves the sandbox running; `build/cli/flytebox demo teardown --volume` removes it.
# Usage: scripts/demo.sh [extra `flytebox demo start` flags, e.g. --port 31080]
source "$(dirname "$0")/lib.sh"

"$FLYTEBOX_ROOT/scripts/install-deps.sh" apt idl python
"$FLYTEBOX_ROOT/scripts/build.sh"
flytebox="$FLYTEBOX_BUILD/cli/flytebox"
"$flytebox" --version
# Tasks run as processes of the pinned flytekit environment; a sandbox already running is fine.
code=0
"$flytebox" demo start --runtime native --python "$FLYTEBOX_VENV/bin/python" "$@" || code=$?
[ "$code" -eq 0 ] || [ "$code" -eq 3 ] || exit "$code"
export FLYTECTL_CONFIG="$HOME/.flyte/config-sandbox.yaml"
"$FLYTEBOX_VENV/bin/python" "$FLYTEBOX_ROOT/scripts/run_hello.py"
"$flytebox" demo status
