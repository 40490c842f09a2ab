#!/usr/bin/env bash
# The test command: installs what the tests need, builds, brings up the container engines,
# and runs every test with CTest, ending in CTest's summary line.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit or -R Status]
source "$(dirname "$0")/lib.sh"

"$FLYTEBOX_ROOT/scripts/install-deps.sh"
"$FLYTEBOX_ROOT/scripts/container-engines.sh" up
if [ "${CI:-}" = "true" ]; then
  "$FLYTEBOX_ROOT/scripts/build.sh" -DFLYTEBOX_WERROR=ON
else
  "$FLYTEBOX_ROOT/scripts/build.sh"
fi
cd "$FLYTEBOX_BUILD"
ctest --output-on-failure --timeout 600 "$@"
