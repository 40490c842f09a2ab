# Sourced by the container tests: where the repository, cache, pinned flytekit and image are,
# and what the tests of `demo start --kubernetes` share. Not run on its own.
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${FLYTEBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flytebox}"
VENV="${FLYTEBOX_VENV:-$CACHE/venv}"
VERSION="$(sed -n 's/^project(flytebox VERSION \([0-9.]*\).*/\1/p' "$REPO/CMakeLists.txt")"
IMAGE="${FLYTEBOX_IMAGE:-flytebox:$VERSION}"
START=$SECONDS

free_port() {
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The Kubernetes tests: ENGINE and CLI from the arguments, a HOME of their own under WORK
# (the CLI writes ~/.flyte there) and the kubeconfig and Flyte config the CLI writes in it.
# Needs NAME, WORK, LABEL (the test's name in its messages) and LOG_FILES (the component
# logs a failure shows); defines log, e, demo and fail.
kube_test_setup() { # ENGINE CLI
  ENGINE="${1:-}"
  CLI="${2:-}"
  local usage="usage: $0 docker|podman FLYTEBOX_CLI"
  case "$ENGINE" in docker|podman) ;; *) rm -rf "$WORK"; echo "$usage" >&2; exit 2 ;; esac
  [ -x "$CLI" ] || { rm -rf "$WORK"; echo "$usage (not executable: '$CLI')" >&2; exit 2; }
  export FLYTEBOX_CACHE="$CACHE"
  export HOME="$WORK/home"
  mkdir -p "$HOME"
  KUBECONFIG="$HOME/.flyte/sandbox/kubeconfig"
  export KUBECONFIG FLYTECTL_CONFIG="$HOME/.flyte/config-sandbox.yaml"
}

log() { printf '%s %s: %s\n' "$LABEL" "$ENGINE" "$*"; }
e() { timeout "${ENGINE_TIMEOUT:-120}" "$ENGINE" "$@"; }
demo() { "$CLI" demo "$1" --runtime "$ENGINE" --name "$NAME" --state-dir "$WORK/state" "${@:2}"; }

fail() {
  printf 'FAIL %s %s: %s\n' "$LABEL" "$ENGINE" "$*" >&2
  if e inspect "$NAME" >/dev/null 2>&1; then
    local f
    for f in $LOG_FILES; do
      echo "---- $f.log ----" >&2
      e exec "$NAME" tail -n 25 "/var/lib/flytebox/logs/$f.log" 2>&1 >&2 || true
    done
    if [ -e "$KUBECONFIG" ]; then  # written once the start succeeded
      kubectl get pods -A -o wide >&2 2>&1 || true
      kubectl get events -A --sort-by=.lastTimestamp 2>&1 | tail -n 15 >&2 || true
    fi
  fi
  exit 1
}

# What every Kubernetes test needs first: kubectl, the pinned flytekit, the engine up and the
# image built from the current programs (a no-op when it is up to date).
kube_test_prerequisites() {
  command -v kubectl >/dev/null || fail "kubectl is missing (scripts/install-deps.sh)"
  [ -x "$VENV/bin/pyflyte" ] || fail "no pinned flytekit at $VENV (scripts/install-deps.sh python)"
  "$REPO/scripts/container-engines.sh" "$ENGINE" >/dev/null || fail "$ENGINE does not come up"
  "$REPO/scripts/build-image.sh" --engine "$ENGINE" --tag "$IMAGE" >"$WORK/build.log" 2>&1 \
    || { tail -n 20 "$WORK/build.log" >&2; fail "building $IMAGE failed"; }
}
