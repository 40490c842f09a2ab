# Shared helpers for the scripts in this folder. Source it; it sets strict mode.
set -euo pipefail

FLYTEBOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FLYTEBOX_CACHE="${FLYTEBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flytebox}"
FLYTEBOX_BUILD="${FLYTEBOX_BUILD:-$FLYTEBOX_ROOT/build}"
FLYTEBOX_VENV="$FLYTEBOX_CACHE/venv"
FLYTEBOX_VERSITYGW="$FLYTEBOX_CACHE/bin/versitygw"
VERSITYGW_VERSION="v1.8.0"
# Flyte's own compiler test data (its Go module, at the version of the IDL in idl/package.json),
# for the compiler's cross-check in tests/unit/compiler.
FLYTE_PROPELLER_VERSION="v1.16.5"
FLYTEBOX_FLYTE_TESTDATA="$FLYTEBOX_CACHE/flyte-compiler-testdata/$FLYTE_PROPELLER_VERSION"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Go may live outside PATH on a fresh machine.
find_go() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do
    [ -x "$g" ] && { echo "$g"; return; }
  done
  return 1
}
