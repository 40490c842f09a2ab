#!/usr/bin/env bash
# Stops the cluster scripts/k8s-up.sh started in STATE_DIR and leaves nothing of it running:
# pods deleted (their sandboxes torn down through CNI), every program stopped, containers
# and their shims killed, mounts under STATE_DIR and the cluster's /run folder unmounted,
# the pods' bridge removed. Idempotent. STATE_DIR itself is kept (logs); remove it after.
# Usage: scripts/k8s-down.sh STATE_DIR
source "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: $0 STATE_DIR"
[ -d "$1" ] || { say "$1: no cluster"; exit 0; }
STATE="$(cd "$1" && pwd)"
[ -f "$STATE/env" ] && source "$STATE/env"
RUN="${FLYTEBOX_K8S_RUN:-}"
SOCK="${FLYTEBOX_K8S_CONTAINERD:-}"

pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$STATE/pids" 2>/dev/null; }
stop() { # NAME
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local i
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
alive() { local pid; pid="$(pid_of "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# Pods first, while the kubelet still runs: it stops their sandboxes, which releases their
# network through CNI.
if alive apiserver && alive kubelet && [ -f "$STATE/kubeconfig" ]; then
  export KUBECONFIG="$STATE/kubeconfig"
  kubectl delete pods --all --all-namespaces --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
  for i in $(seq 100); do
    [ -z "$(kubectl get pods -A -o name 2>/dev/null)" ] && break
    sleep 0.2
  done
fi
for n in kubelet scheduler controller-manager apiserver kine; do stop "$n"; done

# Whatever containers remain (a kubelet that died first): killed, sandboxes' network
# namespaces released.
if [ -n "$SOCK" ] && [ -S "$SOCK" ] && alive containerd; then
  ctr_() { ctr --address "$SOCK" -n k8s.io "$@"; }
  for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1 || true; done
  sleep 0.5
  for c in $(ctr_ containers ls -q 2>/dev/null); do
    ns="$(ctr_ containers info "$c" 2>/dev/null |
          python3 -c 'import json,sys
try:
    spec = json.load(sys.stdin)["Spec"]
    print(next(n.get("path", "") for n in spec["linux"]["namespaces"] if n["type"] == "network"))
except Exception:
    pass')"
    ctr_ tasks delete -f "$c" >/dev/null 2>&1 || true
    ctr_ containers delete "$c" >/dev/null 2>&1 || true
    if [ -n "$ns" ] && [ -e "$ns" ]; then umount "$ns" 2>/dev/null || true; rm -f "$ns"; fi
  done
fi
stop containerd
# The shims of this containerd (named by its socket) outlive it.
if [ -n "$SOCK" ]; then
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "-address $SOCK "; then
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
fi

unmount_under() { # DIR
  local m
  for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}
unmount_under "$STATE"
if [ -n "$RUN" ]; then unmount_under "$RUN"; rm -rf --one-file-system "$RUN"; fi
if [ -n "${FLYTEBOX_K8S_BRIDGE:-}" ] && ip link show "$FLYTEBOX_K8S_BRIDGE" >/dev/null 2>&1; then
  ip link delete "$FLYTEBOX_K8S_BRIDGE" || true
fi
rm -f "$STATE/pids"
left="$(awk -v d="$STATE/" 'index($2, d) == 1' /proc/self/mounts)"
[ -z "$left" ] || die "still mounted under $STATE: $left"
say "cluster in $STATE stopped"
