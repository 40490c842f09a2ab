#!/usr/bin/env bash
# `flytebox demo image import FILE` as on a machine with no source tree: the archive that
# `scripts/build-image.sh --save FILE` writes is loaded by the CLI into podman storage of its
# own (a fresh graph root through CONTAINERS_STORAGE_CONF, so the machine's images are left
# alone), and the image is there afterwards with the id it had where it was built.
# Usage: tests/containers/image_import.sh FLYTEBOX_CLI
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"
CLI="${1:?usage: $0 FLYTEBOX_CLI}"
VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$FLYTEBOX_ROOT/CMakeLists.txt")"
IMAGE="flytebox:$VERSION"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/flytebox-import-test.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

"$FLYTEBOX_ROOT/scripts/container-engines.sh" podman >/dev/null
"$FLYTEBOX_ROOT/scripts/build-image.sh" --engine podman --save "$WORK/flytebox.tar"
built="$(podman image inspect --format '{{.Id}}' "$IMAGE")"

mkdir -p "$WORK/graph" "$WORK/run"
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' \
  "$WORK/graph" "$WORK/run" >"$WORK/storage.conf"
export CONTAINERS_STORAGE_CONF="$WORK/storage.conf"
! podman image exists "$IMAGE" || die "the fresh storage already holds $IMAGE"

set +e
"$CLI" demo image import "$WORK/missing.tar" --runtime podman 2>"$WORK/err"
code=$?
set -e
[ "$code" -eq 2 ] || die "a missing archive gave exit $code, expected 2: $(cat "$WORK/err")"
grep -q "not a readable file" "$WORK/err" || die "a missing archive: $(cat "$WORK/err")"

"$CLI" demo image import "$WORK/flytebox.tar" --runtime podman >"$WORK/out" \
  || die "demo image import failed: $(cat "$WORK/out")"
grep -q "$IMAGE is in podman" "$WORK/out" || die "unexpected output: $(cat "$WORK/out")"
imported="$(podman image inspect --format '{{.Id}}' "$IMAGE")" || die "$IMAGE is not in podman after the import"
[ "$imported" = "$built" ] || die "imported id $imported differs from the built one $built"
say "PASS image import: $IMAGE ($(( $(stat -c %s "$WORK/flytebox.tar") / 1000000 )) MB archive) loaded by the CLI, id ${built:0:12}"
