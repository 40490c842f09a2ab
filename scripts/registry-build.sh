#!/usr/bin/env bash
# Builds the image registry that `demo start --kubernetes` runs on port 30000 inside the
# container (the distribution project's `registry` command, the registry server behind most
# registries) from its upstream source through the Go module proxy, stripped and static, into
# $FLYTEBOX_CACHE/registry/<version>/bin/registry. Idempotent: a binary that is present is
# not rebuilt. Go's module and build caches live beside it, so an interrupted build resumes.
# Usage: scripts/registry-build.sh
source "$(dirname "$0")/lib.sh"

if [ -x "$FLYTEBOX_REGISTRY_BIN" ]; then
  say "registry $REGISTRY_VERSION: present ($FLYTEBOX_REGISTRY_BIN)"
  exit 0
fi
go="$(find_go)" || die "Go is needed to build the image registry: install Go 1.24 or newer"
start=$(date +%s)
mkdir -p "$(dirname "$FLYTEBOX_REGISTRY_BIN")"
say "registry $REGISTRY_VERSION: building $REGISTRY_MODULE/cmd/registry (a few minutes)"
(cd / && GOMODCACHE="$FLYTEBOX_CACHE/registry/go/mod" GOCACHE="$FLYTEBOX_CACHE/registry/go/build" \
   GOFLAGS="-mod=mod -modcacherw -p=2" CGO_ENABLED=0 GOBIN="$(dirname "$FLYTEBOX_REGISTRY_BIN")" \
   nice "$go" install -trimpath \
     -ldflags "-s -w -X $REGISTRY_MODULE/version.version=$REGISTRY_VERSION" \
     "$REGISTRY_MODULE/cmd/registry@$REGISTRY_VERSION") \
  || die "could not build $REGISTRY_MODULE/cmd/registry@$REGISTRY_VERSION from the Go module proxy"
echo "$REGISTRY_VERSION" >"$FLYTEBOX_REGISTRY_BIN.version"
say "registry $REGISTRY_VERSION built in $(( $(date +%s) - start )) s ($FLYTEBOX_REGISTRY_BIN)"
