#!/usr/bin/env bash
# Measures the install artifacts: their sizes (build/packages/SIZES) and, in the clean
# Debian 12 image (tests/packages/clean_image.sh), the time from `pip install` of the local
# wheel into a fresh venv to a ready native sandbox (`flytebox demo start` returned), over
# RUNS fresh containers; flytekit is not part of it (the wheel alone, no network).
# Usage: scripts/bench-install.sh [RUNS]   (after scripts/build-packages.sh; root, docker)
source "$(dirname "$0")/lib.sh"
RUNS="${1:-3}"
OUT="$FLYTEBOX_BUILD/packages"
whl="$(ls "$OUT"/flytebox-*.whl 2>/dev/null | head -n1)"
[ -n "$whl" ] || die "no wheel in $OUT: run scripts/build-packages.sh"
[ -f "$OUT/SIZES" ] && awk '{ printf "%s: %.1f MB\n", $3, $1 / 1e6 }' "$OUT/SIZES"
image="$("$FLYTEBOX_ROOT/tests/packages/clean_image.sh" | tail -n1)"
for i in $(seq "$RUNS"); do
  docker run --rm -v "$OUT:/packages:ro" "$image" /bin/bash -c '
    set -e
    python3 -m venv /venv
    t0=$(date +%s%N)
    /venv/bin/pip install -q --no-index --disable-pip-version-check /packages/flytebox-*.whl
    t1=$(date +%s%N)
    /venv/bin/flytebox demo start --runtime native >/dev/null 2>&1
    t2=$(date +%s%N)
    /venv/bin/flytebox demo teardown --volume >/dev/null
    echo "run: pip install $(( (t1 - t0) / 1000000 )) ms, demo start $(( (t2 - t1) / 1000000 )) ms, pip install to ready $(( (t2 - t0) / 1000000 )) ms"'
done
