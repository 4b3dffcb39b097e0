#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a loopback port, for the tests that need a real server
# (test/examples-postgres.test.ts). initdb refuses to run as root, so as root it runs the server as the
# `postgres` user that Debian's postgresql package creates.
#
#   tools/pg-cluster.sh start <dir> <port>   # initdb in <dir>/data, start on 127.0.0.1:<port>, trust auth
#   tools/pg-cluster.sh stop <dir>           # stop it (fast) and remove <dir>
#
# Then: PGHOST=127.0.0.1 PGPORT=<port> PGUSER=postgres PGDATABASE=postgres.
set -euo pipefail
command="$1"
dir="$2"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "pg-cluster: no PostgreSQL server found under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
  start)
    port="$3"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: tools/pg-cluster.sh start <dir> <port> | stop <dir>" >&2
    exit 2
    ;;
esac
