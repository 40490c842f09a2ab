#!/usr/bin/env bash
# Configures and builds Flytebox into build/ (or $FLYTEBOX_BUILD). Extra arguments go to cmake.
source "$(dirname "$0")/lib.sh"

jobs="${FLYTEBOX_JOBS:-$(nproc)}"
if [ ! -f "$FLYTEBOX_BUILD/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja "$@" >/dev/null
fi
cmake --build "$FLYTEBOX_BUILD" -j "$jobs"
