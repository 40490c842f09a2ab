#!/usr/bin/env bash
# Installs everything Flytebox needs to build and test, idempotently, on Debian 12 as root
# (or with sudo): Debian packages, the pinned Flyte IDL (npm), the pinned flytekit test
# environment (PyPI), the pinned versitygw S3 server (Go module proxy, built from source) and
# Flyte's compiler test data (the flytepropeller Go module, from the Go module proxy).
# Kubernetes for the pod runner's tests (scripts/k8s-build.sh: upstream sources through the Go
# module proxy, cached in the cache folder) and the image registry the image runs with it
# (scripts/registry-build.sh, likewise).
# Usage: scripts/install-deps.sh [apt] [idl] [python] [versitygw] [flyte-testdata] [k8s] [registry]
#        (default: all of them)
source "$(dirname "$0")/lib.sh"

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libcurl4-openssl-dev nlohmann-json3-dev libsqlite3-dev libboost-dev libyaml-cpp-dev
  libcli11-dev libcpp-httplib-dev libgtest-dev libgmock-dev libpq-dev libssl-dev
  python3 python3-venv nodejs npm
  postgresql
  docker.io podman runc uidmap slirp4netns fuse-overlayfs busybox-static
  debootstrap chromium
  containerd containernetworking-plugins iptables zstd
  clang-format clang-tidy
)

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "Debian packages: all present"; return; fi
  # A Node.js or Python that is already on the machine serves as well as Debian's.
  local filtered=()
  for p in "${missing[@]}"; do
    case "$p" in
      nodejs|npm) command -v npm >/dev/null 2>&1 && continue ;;
      python3) command -v python3 >/dev/null 2>&1 && continue ;;
    esac
    filtered+=("$p")
  done
  [ ${#filtered[@]} -eq 0 ] && { say "Debian packages: all present"; return; }
  say "Debian packages: installing ${filtered[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${filtered[@]}" >/dev/null
}

install_idl() {
  local dir="$FLYTEBOX_ROOT/idl"
  local stamp="$dir/node_modules/.flytebox-lock"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
    say "Flyte IDL: present"; return
  fi
  say "Flyte IDL: npm ci"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  cp "$dir/package-lock.json" "$stamp"
}

install_python() {
  local lock="$FLYTEBOX_ROOT/scripts/requirements.lock"
  local stamp="$FLYTEBOX_VENV/.flytebox-lock"
  if [ -x "$FLYTEBOX_VENV/bin/pyflyte" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$lock"; then
    say "Python test environment: present ($FLYTEBOX_VENV)"; return
  fi
  say "Python test environment: creating $FLYTEBOX_VENV"
  rm -rf "$FLYTEBOX_VENV"
  python3 -m venv "$FLYTEBOX_VENV"
  "$FLYTEBOX_VENV/bin/pip" install -q --disable-pip-version-check -r "$lock"
  cp "$lock" "$stamp"
}

install_versitygw() {
  local stamp="$FLYTEBOX_VERSITYGW.version"
  if [ -x "$FLYTEBOX_VERSITYGW" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSITYGW_VERSION" ]; then
    say "versitygw $VERSITYGW_VERSION: present"; return
  fi
  local go
  go="$(find_go)" || die "Go is needed to build versitygw: install it (e.g. apt-get install golang-go, or a newer Go from go.dev)"
  say "versitygw $VERSITYGW_VERSION: building from the Go module proxy (a few minutes)"
  mkdir -p "$(dirname "$FLYTEBOX_VERSITYGW")"
  GOBIN="$(dirname "$FLYTEBOX_VERSITYGW")" GOFLAGS=-mod=mod \
    "$go" install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  echo "$VERSITYGW_VERSION" > "$stamp"
}

# The compiler's cross-check compares our compiler with Flyte's on the goldens in
# flytepropeller's pkg/compiler/test/testdata; only the two folders it reads are kept.
install_flyte_testdata() {
  local dest="$FLYTEBOX_FLYTE_TESTDATA"
  if [ -d "$dest/snacks-core/compiled" ] && [ -d "$dest/branch/compiled" ]; then
    say "Flyte compiler test data $FLYTE_PROPELLER_VERSION: present"; return
  fi
  local go dir
  go="$(find_go)" || die "Go is needed to download Flyte's compiler test data: install it (e.g. apt-get install golang-go)"
  say "Flyte compiler test data $FLYTE_PROPELLER_VERSION: downloading the flytepropeller module"
  local module="github.com/flyteorg/flyte/flytepropeller@$FLYTE_PROPELLER_VERSION"
  dir="$(cd / && GOFLAGS=-mod=mod "$go" mod download -json "$module" |
         sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" || true
  [ -n "$dir" ] && [ -d "$dir/pkg/compiler/test/testdata/snacks-core" ] ||
    die "could not download $module from the Go module proxy (GOPROXY=$("$go" env GOPROXY))"
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  cp -r "$dir/pkg/compiler/test/testdata/snacks-core" "$dir/pkg/compiler/test/testdata/branch" \
    "$dest.tmp/"
  chmod -R u+w "$dest.tmp"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
}

install_k8s() {
  "$FLYTEBOX_ROOT/scripts/k8s-build.sh"
}

install_registry() {
  "$FLYTEBOX_ROOT/scripts/registry-build.sh"
}

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(apt idl python versitygw flyte-testdata k8s registry)
for part in "${parts[@]}"; do
  case "$part" in
    apt) install_apt ;;
    idl) install_idl ;;
    python) install_python ;;
    versitygw) install_versitygw ;;
    # Optional: Flyte's own modules are not served by every Go module proxy; without the
    # data the compiler cross-check is not configured (tests/unit/compiler/CMakeLists.txt).
    flyte-testdata)
      if [ $# -eq 0 ]; then
        (install_flyte_testdata) || say "warning: no Flyte compiler test data; the cross-check against Flyte's compiler will not be configured"
      else
        install_flyte_testdata
      fi ;;
    k8s) install_k8s ;;
    registry) install_registry ;;
    *) die "unknown part '$part' (expected: apt idl python versitygw flyte-testdata k8s registry)" ;;
  esac
done
