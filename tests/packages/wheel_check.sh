#!/usr/bin/env bash
# The built wheel passes `auditwheel show` with a manylinux tag (every shared library it
# needs outside the manylinux policy is bundled), holds the three programs and the console,
# and is at most 40 MB.
source "$(dirname "$0")/../../scripts/lib.sh"
OUT="$FLYTEBOX_BUILD/packages"
whl="$(ls "$OUT"/flytebox-*.whl 2>/dev/null | head -n1)"
[ -n "$whl" ] || die "no wheel in $OUT: run scripts/build-packages.sh"
case "$(basename "$whl")" in
  *-manylinux_2_*_x86_64*.whl) ;;
  *) die "$(basename "$whl") has no manylinux platform tag (auditwheel repair did not run?)" ;;
esac
"$FLYTEBOX_PACKAGING_VENV/bin/auditwheel" show "$whl" || die "auditwheel show fails on $whl"
list="$(python3 -m zipfile -l "$whl")"
for f in flytebox/bin/flytebox flytebox/bin/flytebox-sandbox flytebox/bin/flytebox-engine \
         flytebox/share/flytebox/console/index.html flytebox/_exec.py; do
  grep -q "^$f " <<<"$list" || die "$f is missing from the wheel"
done
grep -q '^flytebox.libs/' <<<"$list" || die "no bundled libraries (flytebox.libs/)"
size="$(stat -c %s "$whl")"
[ "$size" -le 40000000 ] || die "the wheel is $size bytes, over the 40 MB budget"
say "$(basename "$whl"): $((size / 1000000)) MB, auditwheel show passes"
