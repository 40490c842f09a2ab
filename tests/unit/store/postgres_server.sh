#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the store tests.
#
#   postgres_server.sh start DIR PORT   # initdb into DIR/data, listen on 127.0.0.1:PORT
#   postgres_server.sh stop DIR PORT    # stop it and delete DIR
#
# Trust authentication for the `postgres` user over TCP on 127.0.0.1 only; the Unix socket
# lives in DIR. As root, the server runs as the `postgres` user (DIR is handed to it, so
# DIR's parents must let that user through, as /tmp does). FLYTEBOX_PG_BIN overrides the
# binaries' folder; FLYTEBOX_PG_EXTRA_OPTS adds server options (`-c name=value`, later ones
# win). On failure the reason goes to stderr and the exit code is non-zero.
#
# initdb is the slow part (seconds), so its result is kept as a template, made once per
# user and PostgreSQL version under ${FLYTEBOX_PG_TEMPLATE_DIR:-${TMPDIR:-/tmp}}, and each
# cluster starts from a copy of it.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR PORT" >&2; exit 2; }
[[ $# -eq 3 ]] || usage
action=$1 dir=$2 port=$3
bin=${FLYTEBOX_PG_BIN:-/usr/lib/postgresql/15/bin}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints the folder of an initdb'ed cluster to copy, making it first if needed.
ensure_template() {
  local root=${FLYTEBOX_PG_TEMPLATE_DIR:-${TMPDIR:-/tmp}} version
  version=$("$bin/postgres" --version | tr -dc 'A-Za-z0-9.')
  local template="$root/flytebox-pg-template-$(id -u)-$version"
  (
    flock 9
    if [[ ! -d $template ]]; then
      local tmp="$template.tmp.$$"
      rm -rf -- "$tmp"
      mkdir -p "$tmp"
      [[ $(id -u) -ne 0 ]] || chown postgres: "$tmp"
      if ! as_owner "$bin/initdb" -D "$tmp/data" -U postgres --auth=trust --no-sync -E UTF8 \
           --locale=C >"$tmp/initdb.log" 2>&1; then
        echo "initdb failed:" >&2; cat "$tmp/initdb.log" >&2; rm -rf -- "$tmp"; exit 1
      fi
      mv -- "$tmp" "$template"
    fi
  ) 9>"$template.lock" || exit 1
  echo "$template"
}

start() {
  if [[ ! -x $bin/initdb || ! -x $bin/pg_ctl ]]; then
    echo "PostgreSQL binaries not found in $bin (install the Debian package postgresql-15," \
         "or set FLYTEBOX_PG_BIN)" >&2
    exit 1
  fi
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "running as root needs a 'postgres' user" >&2; exit 1; }
    chown postgres: "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "user postgres cannot reach $dir (check its parent folders' permissions)" >&2
      exit 1
    fi
  fi
  local template
  template=$(ensure_template)
  cp -a "$template/data" "$dir/data"
  local opts="-p $port -h 127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off"
  opts+=" -c full_page_writes=off -c max_connections=50 ${FLYTEBOX_PG_EXTRA_OPTS:-}"
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 \
       start >/dev/null; then
    echo "the PostgreSQL server did not start on 127.0.0.1:$port; its log:" >&2
    cat "$dir/server.log" >&2 || true
    exit 1
  fi
}

stop() {
  if [[ -d $dir/data ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
