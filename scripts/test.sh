#!/usr/bin/env bash
# The test command: installs what the tests need, builds, brings up the container engines,
# and runs every test with CTest, ending in CTest's summary line.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit or -R Status]
# Suites run two at a time (FLYTEBOX_TEST_JOBS): each takes free ports, its own HOME and state
# folder; the ones that share a machine-wide part say so with RESOURCE_LOCK, and the ones that
# need the whole machine (a Kubernetes node) with PROCESSORS (tests/CMakeLists.txt).
source "$(dirname "$0")/lib.sh"

"$FLYTEBOX_ROOT/scripts/install-deps.sh"
"$FLYTEBOX_ROOT/scripts/container-engines.sh" up
if [ "${CI:-}" = "true" ]; then
  "$FLYTEBOX_ROOT/scripts/build.sh" -DFLYTEBOX_WERROR=ON
else
  "$FLYTEBOX_ROOT/scripts/build.sh"
fi
cd "$FLYTEBOX_BUILD"
ctest --output-on-failure --timeout 600 --parallel "${FLYTEBOX_TEST_JOBS:-2}" "$@"
