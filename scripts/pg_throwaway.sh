#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on a loopback port, for tests of multi-worker Optuna studies.
#   pg_throwaway.sh start DIR [PORT]   initdb (if needed) + start; prints the SQLAlchemy URL
#   pg_throwaway.sh stop DIR           fast shutdown
#   pg_throwaway.sh crash DIR          `pg_ctl stop -m immediate` (simulates the server going away)
#   pg_throwaway.sh restart DIR        start again after a crash
#   pg_throwaway.sh destroy DIR        stop and delete the cluster
# Runs the server as the `postgres` user when invoked as root (initdb refuses root).
set -euo pipefail
cmd=${1:?usage: pg_throwaway.sh start|stop|crash|restart|destroy DIR [PORT]}
dir=$(realpath -m "${2:?cluster directory required}")
port=${3:-${PGPORT_THROWAWAY:-55432}}

if ! command -v pg_ctl >/dev/null; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$pgbin" ] && PATH="$pgbin:$PATH"
fi
command -v pg_ctl >/dev/null || { echo "pg_ctl not found: install PostgreSQL (apt-get install postgresql)" >&2; exit 3; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start|restart)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_owner initdb -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1
      echo "port = $port" >>"$dir/data/postgresql.conf"
      echo "listen_addresses = '127.0.0.1'" >>"$dir/data/postgresql.conf"
      echo "unix_socket_directories = '$dir'" >>"$dir/data/postgresql.conf"
      echo "max_connections = 200" >>"$dir/data/postgresql.conf"
      port=$(sed -n 's/^port = //p' "$dir/data/postgresql.conf" | tail -n 1)
      as_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
      psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE optuna" >/dev/null
    else
      port=$(sed -n 's/^port = //p' "$dir/data/postgresql.conf" | tail -n 1)
      as_owner pg_ctl -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
    fi
    echo "postgresql+psycopg://postgres@127.0.0.1:$port/optuna"
    ;;
  stop) as_owner pg_ctl -D "$dir/data" -m fast -w stop >/dev/null ;;
  crash) as_owner pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null ;;
  destroy)
    as_owner pg_ctl -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
