#!/usr/bin/env bash
# Checks the C++ lines changed against a base with clang-format (.clang-format) and
# clang-tidy (.clang-tidy); fails on any finding in those lines. Old code is not reformatted
# or re-checked: only what a change touches.
# Usage: scripts/lint.sh [BASE]
#   BASE defaults to $FLYTEBOX_LINT_BASE, else the merge-base with origin/main or main; on
#   main itself (or a clone without main) the parent commit. Uncommitted changes count too.
#   clang-tidy reads $FLYTEBOX_BUILD/compile_commands.json (a configured build; CMake writes
#   it) and needs the generated headers built.
source "$(dirname "$0")/lib.sh"
cd "$FLYTEBOX_ROOT"

find_tool() {  # NAME EXT: Debian's packages put their version after NAME
  local t
  local ext=${2:-}
  for t in "$1$ext" "$1-14$ext" "$1-15$ext" "$1-16$ext"; do
    command -v "$t" >/dev/null 2>&1 && { command -v "$t"; return; }
  done
  return 1
}

pick_base() {
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  if [ -n "${FLYTEBOX_LINT_BASE:-}" ]; then echo "$FLYTEBOX_LINT_BASE"; return; fi
  local ref mb head
  head=$(git rev-parse HEAD)
  for ref in origin/main main; do
    mb=$(git merge-base HEAD "$ref" 2>/dev/null) || continue
    [ "$mb" != "$head" ] && { echo "$mb"; return; }
  done
  git rev-parse --verify -q HEAD~1 || true
}

base=$(pick_base "${1:-}")
if [ -z "$base" ]; then
  say "lint: no base to compare with (a single commit and no main): nothing to check"
  exit 0
fi
git rev-parse --verify -q "$base^{commit}" >/dev/null || die "lint: '$base' is not a commit"

mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" -- \
                       'cli/*' 'common/*' 'embedded/*' 'sandbox/*' 'tests/*' 'bench/*' |
                     grep -E '\.(cc|h)$' || true)
if [ ${#files[@]} -eq 0 ]; then
  say "lint: no C++ file changed since $(git rev-parse --short "$base")"
  exit 0
fi
say "lint: ${#files[@]} C++ file(s) changed since $(git rev-parse --short "$base")"

format=$(find_tool clang-format) || die "clang-format is missing: run scripts/install-deps.sh apt"
format_diff=$(find_tool clang-format-diff) || die "clang-format-diff is missing: run scripts/install-deps.sh apt"
tidy=$(find_tool clang-tidy) || die "clang-tidy is missing: run scripts/install-deps.sh apt"
tidy_diff=$(find_tool clang-tidy-diff .py) || die "clang-tidy-diff.py is missing: run scripts/install-deps.sh apt"

failed=0
# clang-format: the changed lines as .clang-format would write them.
reformat=$(git diff -U0 --no-color "$base" -- "${files[@]}" |
           "$format_diff" -p1 -binary "$format" 2>&1) || true
if [ -n "$reformat" ]; then
  printf '%s\n' "$reformat"
  say "lint: clang-format would change the lines above (apply: git diff -U0 $base | $format_diff -p1 -i)"
  failed=1
fi

# clang-tidy: findings on the changed lines of the files the build compiles.
db="$FLYTEBOX_BUILD/compile_commands.json"
[ -f "$db" ] || die "lint: no $db: configure the build first (scripts/build.sh)"
mapfile -t sources < <(for f in "${files[@]}"; do
                         [[ $f == *.cc ]] && grep -qF "\"$FLYTEBOX_ROOT/$f\"" "$db" && echo "$f"
                       done)
if [ ${#sources[@]} -gt 0 ]; then
  only=$(printf '%s\n' "${sources[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
  report=$(git diff -U0 --no-color "$base" -- "${files[@]}" |
           "$tidy_diff" -p1 -quiet -clang-tidy-binary "$tidy" -path "$FLYTEBOX_BUILD" \
                        -regex "($only)" -j "${FLYTEBOX_LINT_JOBS:-2}" 2>&1) || true
  findings=$(printf '%s\n' "$report" | grep -E ': (warning|error): ' || true)
  if [ -n "$findings" ]; then
    printf '%s\n' "$report" | grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' >&2
    say "lint: clang-tidy found $(printf '%s\n' "$findings" | wc -l) problem(s) in changed lines"
    failed=1
  fi
fi

[ $failed -eq 0 ] && say "lint: clean"
exit $failed
