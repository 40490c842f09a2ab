#!/usr/bin/env bash
# docs/CI.md's recipe, run as written: the block between <!-- ci-steps:begin/end --> runs in
# the clean Debian 12 image (no compiler) with the built wheel in dist/ and the hello world
# in workflows/; and the GitHub Actions and GitLab CI snippets in the same file hold every
# one of its lines, so the YAML a user copies is the tested recipe.
source "$(dirname "$0")/../../scripts/lib.sh"
DOC="$FLYTEBOX_ROOT/docs/CI.md"
OUT="$FLYTEBOX_BUILD/packages"
whl="$(ls "$OUT"/flytebox-*.whl 2>/dev/null | head -n1)"
[ -n "$whl" ] || die "no wheel in $OUT: run scripts/build-packages.sh"
steps="$(sed -n '/<!-- ci-steps:begin -->/,/<!-- ci-steps:end -->/p' "$DOC" | grep -v '^<!--' | grep -v '^```')"
[ "$(grep -c . <<<"$steps")" -ge 5 ] || die "no ci-steps block in $DOC"
for ci in "GitHub Actions" "GitLab CI"; do
  section="$(awk -v h="## $ci" '$0 == h { on = 1; next } on && /^## / { on = 0 } on' "$DOC")"
  while read -r line; do
    [ -n "$line" ] || continue
    grep -qF -- "$line" <<<"$section" || die "$ci snippet in docs/CI.md lacks the step: $line"
  done <<<"$steps"
done

work="$(mktemp -d)"
trap 'rm -rf "$work"; docker rm -f "flytebox-ci-recipe-$$" >/dev/null 2>&1 || true' EXIT
mkdir -p "$work/dist" "$work/workflows"
cp "$whl" "$work/dist/"
cp "$FLYTEBOX_ROOT/examples/hello_world.py" "$work/workflows/"
printf 'set -euxo pipefail\ncd /job\n%s\n' "$steps" >"$work/steps.sh"
"$FLYTEBOX_ROOT/scripts/container-engines.sh" docker >/dev/null \
  || die "docker could not be brought up (scripts/container-engines.sh docker)"
image="$("$FLYTEBOX_ROOT/tests/packages/clean_image.sh" | tail -n1)" || die "no clean image"
say "running docs/CI.md's steps in $image"
docker run --name "flytebox-ci-recipe-$$" --rm -v "$work:/job" \
  -e PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  -e REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
  "$image" /bin/bash /job/steps.sh 2>&1 | tee "$work/out.log"
grep -q "has succeeded" "$work/out.log" || die "the recipe's execution did not succeed"
