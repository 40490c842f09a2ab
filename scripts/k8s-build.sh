#!/usr/bin/env bash
# Builds the parts of a single-node Kubernetes (kube-apiserver, kubelet, kube-scheduler,
# kube-controller-manager, and kine as the datastore; kubectl too where the machine has none)
# from upstream sources through the Go module proxy, stripped, into
# $FLYTEBOX_CACHE/k8s/<version>/bin (the host's test cluster runs these), and the same
# four Kubernetes components as one program for the image (images/kubernetes, flytebox-kube) into
# $FLYTEBOX_CACHE/k8s/<version>/multicall-<key>, keyed by its sources. Idempotent: a binary
# that is present is not rebuilt. Go's module and build caches live beside the binaries, so an
# interrupted build resumes where it stopped.
# Usage: scripts/k8s-build.sh
source "$(dirname "$0")/lib.sh"

go="$(find_go)" || die "Go is needed to build Kubernetes: install Go 1.24 or newer"

missing=()
for b in "${K8S_BINARIES[@]}"; do [ -x "$FLYTEBOX_K8S_BIN/$b" ] || missing+=("$b"); done
command -v kubectl >/dev/null || missing+=(kubectl)
MULTICALL="$(k8s_multicall_dir)"
[ -x "$MULTICALL/flytebox-kube" ] || missing+=(flytebox-kube)
if [ ${#missing[@]} -eq 0 ]; then say "Kubernetes $K8S_VERSION parts: present ($FLYTEBOX_K8S_BIN, $MULTICALL)"; exit 0; fi

mkdir -p "$FLYTEBOX_K8S_BIN"
export GOMODCACHE="$FLYTEBOX_CACHE/k8s/go/mod"
export GOCACHE="$FLYTEBOX_CACHE/k8s/go/build"
export GOFLAGS="-mod=mod -modcacherw -p=2"
export CGO_ENABLED=1
start=$(date +%s)

# The kubernetes module replaces its k8s.io/* staging modules with local folders, which
# `go install mod@version` refuses. A small module that requires it and points each staging
# module at its published release builds its commands the usual way.
prepare_module() { # DIR
  local mod="$1"
  mkdir -p "$mod"
  if [ ! -f "$mod/go.mod" ] || ! grep -q "k8s.io/kubernetes $K8S_VERSION" "$mod/go.mod"; then
    say "Kubernetes $K8S_VERSION: preparing the build module"
    local gomod
    gomod="$(cd / && "$go" mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
             sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
    [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the Go module proxy"
    local staging
    staging="$(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9._/-]*\) => ./staging/.*#\1#p' "$gomod" | sort -u)"
    [ -n "$staging" ] || die "no staging modules found in $gomod"
    rm -f "$mod/go.mod" "$mod/go.sum"
    (cd "$mod" && "$go" mod init flytebox.local/k8s-build >/dev/null 2>&1)
    local args=(-require "k8s.io/kubernetes@$K8S_VERSION")
    for s in $staging; do args+=(-replace "$s=$s@$K8S_STAGING_VERSION"); done
    (cd "$mod" && "$go" mod edit "${args[@]}")
    say "Kubernetes $K8S_VERSION: $(echo "$staging" | wc -l) staging modules at $K8S_STAGING_VERSION"
  fi
}

# -X flags that give the programs their release's version (`kubectl version`, the node's
# kubeletVersion).
version_flags() {
  local version_flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitTreeState=clean"
    version_flags+=" -X $pkg.gitMajor=$(echo "$K8S_VERSION" | sed 's/^v\([0-9]*\)\..*/\1/')"
    version_flags+=" -X $pkg.gitMinor=$(echo "$K8S_VERSION" | sed 's/^v[0-9]*\.\([0-9]*\)\..*/\1/')"
  done
  echo "$version_flags"
}

# The separate programs, which the host's test cluster (scripts/k8s-up.sh) runs.
build_kubernetes() {
  local mod="$FLYTEBOX_K8S/build-module"
  prepare_module "$mod"
  local version_flags; version_flags="$(version_flags)"
  local commands=(kube-apiserver kubelet kube-scheduler kube-controller-manager)
  # The tests drive the cluster with kubectl; machines without one get it built too.
  command -v kubectl >/dev/null || commands+=(kubectl)
  for b in "${commands[@]}"; do
    [ -x "$FLYTEBOX_K8S_BIN/$b" ] && continue
    say "Kubernetes $K8S_VERSION: building $b"
    (cd "$mod" && "$go" get "k8s.io/kubernetes/cmd/$b@$K8S_VERSION" >/dev/null 2>&1 || true)
    (cd "$mod" && nice "$go" build -trimpath -ldflags "-s -w$version_flags" \
        -o "$FLYTEBOX_K8S_BIN/$b.tmp" "k8s.io/kubernetes/cmd/$b")
    mv "$FLYTEBOX_K8S_BIN/$b.tmp" "$FLYTEBOX_K8S_BIN/$b"
  done
}

build_kine() {
  [ -x "$FLYTEBOX_K8S_BIN/kine" ] && return
  say "kine $KINE_VERSION: building"
  (cd / && GOBIN="$FLYTEBOX_K8S_BIN" nice "$go" install -trimpath -ldflags "-s -w" \
      "github.com/k3s-io/kine@$KINE_VERSION")
}

# One program for the image (images/kubernetes): the four Kubernetes components, with their
# shared code once. In the build module of the separate programs: the same versions, so Go's
# cache of their compiled packages serves it too.
build_multicall() {
  [ -x "$MULTICALL/flytebox-kube" ] && return
  local mod="$FLYTEBOX_K8S/build-module"
  prepare_module "$mod"
  mkdir -p "$mod/flytebox-kube" "$MULTICALL"
  rm -f "$mod/flytebox-kube"/*.go
  cp "$K8S_MULTICALL_SRC"/*.go "$mod/flytebox-kube/"
  say "Kubernetes $K8S_VERSION: building the image's one program (flytebox-kube)"
  (cd "$mod" && nice "$go" build -trimpath -ldflags "-s -w$(version_flags)" \
      -o "$MULTICALL/flytebox-kube.tmp" ./flytebox-kube)
  mv "$MULTICALL/flytebox-kube.tmp" "$MULTICALL/flytebox-kube"
  find "$FLYTEBOX_K8S" -maxdepth 1 -name 'multicall-*' ! -path "$MULTICALL" -exec rm -rf {} +
}

build_kubernetes
build_kine
build_multicall
say "Kubernetes $K8S_VERSION parts built in $(( $(date +%s) - start )) s ($FLYTEBOX_K8S_BIN)"
