#!/usr/bin/env bash
# The web console's browser suites (tests/e2e/console) against the sandbox in a container, as
# a user starts it: `flytebox demo start --runtime ENGINE` with the image built from this tree.
#
# Usage: tests/containers/console.sh docker|podman
#
#  1. brings the engine up (scripts/container-engines.sh);
#  2. builds or refreshes the image (scripts/build-image.sh: imports only when the content
#     changed; the console's bundle goes into /opt/flytebox/share/flytebox/console);
#  3. runs every console browser suite with FLYTEBOX_CONSOLE_RUNTIME=ENGINE: each suite starts
#     its own sandbox (own container, volume, HOME and free ports) and tears it down.
#
# Exits with the suites' status. Environment: FLYTEBOX_VENV (the pinned flytekit), FLYTEBOX_BUILD
# (where the programs were built), FLYTEBOX_IMAGE (default flytebox:<version>),
# FLYTEBOX_ARTIFACTS (screenshots; default $FLYTEBOX_BUILD/test-artifacts/console-ENGINE).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ENGINE="${1:-}"
case "$ENGINE" in docker|podman) ;; *) echo "usage: $0 docker|podman" >&2; exit 2 ;; esac
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${FLYTEBOX_BUILD:-$REPO/build}"
VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$REPO/CMakeLists.txt")"
IMAGE="${FLYTEBOX_IMAGE:-flytebox:$VERSION}"

echo "console/$ENGINE: $("$REPO/scripts/container-engines.sh" "$ENGINE" | tail -n1)"
LOG="$(mktemp "${TMPDIR:-/tmp}/flytebox-console-image.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
FLYTEBOX_BUILD="$BUILD" "$REPO/scripts/build-image.sh" --engine "$ENGINE" --tag "$IMAGE" >"$LOG" 2>&1 \
  || { tail -n 30 "$LOG" >&2; echo "FAIL console/$ENGINE: scripts/build-image.sh failed (above)" >&2; exit 1; }
echo "console/$ENGINE: $(tail -n1 "$LOG")"

export FLYTEBOX_CONSOLE_RUNTIME="$ENGINE" FLYTEBOX_IMAGE="$IMAGE"
export FLYTEBOX_CLI="${FLYTEBOX_CLI:-$BUILD/cli/flytebox}"
export FLYTEBOX_ARTIFACTS="${FLYTEBOX_ARTIFACTS:-$BUILD/test-artifacts/console-$ENGINE}"
exec node --test --test-concurrency=1 "$REPO"/tests/e2e/console/{console,live,status}.test.mjs
