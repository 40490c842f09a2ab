#!/usr/bin/env bash
# The install paths on a clean machine: in the clean Debian 12 image (clean_image.sh: no
# compiler, no dev packages), MODE wheel pip installs the built wheel with [flytekit] into a
# fresh venv, MODE deb apt installs the built .deb; then tests/packages/in_container.sh runs
# the user's path (--version, demo start --runtime native, pyflyte hello world SUCCEEDED,
# teardown). The artifacts come from scripts/build-packages.sh (the packages.build test).
# Fails, never skips, when docker, the image or the artifacts are missing.
# Usage: tests/packages/install_test.sh wheel|deb
source "$(dirname "$0")/../../scripts/lib.sh"
MODE="${1:?usage: $0 wheel|deb}"
OUT="$FLYTEBOX_BUILD/packages"
case "$MODE" in
  wheel) ls "$OUT"/flytebox-*.whl >/dev/null 2>&1 || die "no wheel in $OUT: run scripts/build-packages.sh" ;;
  deb) ls "$OUT"/flytebox_*.deb >/dev/null 2>&1 || die "no .deb in $OUT: run scripts/build-packages.sh" ;;
  *) die "MODE must be wheel or deb" ;;
esac
"$FLYTEBOX_ROOT/scripts/container-engines.sh" docker >/dev/null \
  || die "docker could not be brought up (scripts/container-engines.sh docker)"
image="$("$FLYTEBOX_ROOT/tests/packages/clean_image.sh" | tail -n1)" || die "no clean image"
name="flytebox-pkgtest-$MODE-$$"
trap 'docker rm -f "$name" >/dev/null 2>&1 || true' EXIT
say "$MODE: installing into a fresh $image container"
docker run --name "$name" --rm \
  -v "$OUT:/packages:ro" \
  -v "$FLYTEBOX_ROOT/scripts:/src/scripts:ro" -v "$FLYTEBOX_ROOT/examples:/src/examples:ro" \
  -v "$FLYTEBOX_ROOT/tests/packages/in_container.sh:/in_container.sh:ro" \
  "$image" /bin/bash /in_container.sh "$MODE"
