#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, its connection string exported as
# FLYTEBOX_TEST_DATABASE (postgres:CONNINFO), and stops the server afterwards. The engine
# connects as a role of its own that owns the database and is no superuser, as in a sandbox.
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
psql "host=127.0.0.1 port=$port user=postgres dbname=postgres" -qAtX -v ON_ERROR_STOP=1 -c "
  CREATE ROLE flytebox_engine LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  ALTER DATABASE postgres OWNER TO flytebox_engine;
  ALTER SCHEMA public OWNER TO flytebox_engine;" >/dev/null
export FLYTEBOX_TEST_DATABASE="postgres:host=127.0.0.1 port=$port user=flytebox_engine dbname=postgres"
"$@"
