#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, its connection string exported as
# FLYTEBOX_TEST_DATABASE (postgres:CONNINFO), and stops the server afterwards.
# Usage: with_postgres.sh COMMAND [ARGS...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
server="$here/../unit/store/postgres_server.sh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/flytebox-e2e-pg-XXXXXX)
chmod 755 "$dir"
cleanup() { "$server" stop "$dir" "$port" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$server" start "$dir" "$port"
export FLYTEBOX_TEST_DATABASE="postgres:host=127.0.0.1 port=$port user=postgres dbname=postgres"
"$@"
