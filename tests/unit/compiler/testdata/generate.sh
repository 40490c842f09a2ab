#!/usr/bin/env bash
# Regenerates serialized/ from the example workflows in flyteexamples/ with the pinned
# flytekit: `pyflyte serialize` writes the registration protos without any server
# (<entity>_1.pb = admin.TaskSpec, _2.pb = admin.WorkflowSpec, _3.pb = admin.LaunchPlan).
# The files are checked in so that the tests need no Python; rerun this after editing an
# example and commit the result.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${FLYTEBOX_VENV:-${FLYTEBOX_CACHE:-$HOME/.cache/flytebox}/venv}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$here" && "$venv/bin/pyflyte" --pkgs flyteexamples serialize --image flytebox/test:v1 \
  workflows -f "$out" >/dev/null)
rm -rf "$here/serialized"
mkdir "$here/serialized"
for f in "$out"/*.pb; do
  name="$(basename "$f")"
  cp "$f" "$here/serialized/${name#*_}"  # drop the NN_ order prefix
done
echo "wrote $(ls "$here/serialized" | wc -l) files to $here/serialized"
