#!/usr/bin/env bash
# The main job on a fresh machine: install what is needed, build, and run Flytebox.
source "$(dirname "$0")/lib.sh"

"$FLYTEBOX_ROOT/scripts/install-deps.sh" apt idl
"$FLYTEBOX_ROOT/scripts/build.sh"
"$FLYTEBOX_BUILD/cli/flytebox" --version
