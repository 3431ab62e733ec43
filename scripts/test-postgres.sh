#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `make test` starts it, exports its URL and stops it afterwards.
#
#   scripts/test-postgres.sh start DIR   install PostgreSQL if missing (Debian packages), initdb a cluster in DIR
#                                        (fsync on), listen on 127.0.0.1 on a free port and on a unix socket in
#                                        DIR, trust auth on loopback only; writes DIR/env (the variables below)
#   scripts/test-postgres.sh restart DIR `pg_ctl restart -m immediate` (no checkpoint, as in a crash), waiting until
#                                        it accepts connections again: for the database-fault tests
#   scripts/test-postgres.sh stop DIR    stop the cluster and delete DIR
#
# DIR/env sets EVFLOW_TEST_POSTGRES_URL (postgres://evflow@127.0.0.1:PORT/evflow), EVFLOW_TEST_PG_CTL (pg_ctl's
# path), EVFLOW_TEST_PG_DATA (the data folder) and EVFLOW_TEST_PG_USER (who runs the server: initdb and pg_ctl
# refuse root, so as root they run as the `postgres` system user, which the Debian package creates).
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { echo "usage: $0 start|restart|stop DIR" >&2; exit 2; }

find_bin() {
    local name=$1
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$found" ] && echo "$found"
}

as_server_user() {
    if [ "$(id -u)" = "0" ]; then
        runuser -u "$server_user" -- "$@"
    else
        "$@"
    fi
}

server_user=$( [ "$(id -u)" = "0" ] && echo postgres || id -un )

# Runs pg_ctl (which leaves the server running) with none of the caller's descriptors but stdin, stdout and stderr.
# The server would otherwise inherit them and hold them open as long as it runs: a parent that learns of its
# child's exit when a descriptor the child inherited closes (Foundation's Process does, with a socket) would wait
# for the server instead of for this script, and a test that starts or restarts a cluster would hang.
pg_ctl_detached() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        as_server_user "$@"
    )
}

case "$command" in
start)
    if [ -z "$(find_bin initdb)" ] || [ -z "$(find_bin pg_ctl)" ]; then
        echo "PostgreSQL missing: installing the distribution's postgresql package" >&2
        SUDO=""; if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
        # The package starts a cluster of its own on 5432; the tests use theirs, so leave it alone.
    fi
    initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
    [ -n "$initdb" ] && [ -n "$pg_ctl" ] || { echo "initdb/pg_ctl not found after installing postgresql" >&2; exit 1; }
    if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    mkdir -p "$dir"
    chmod 0755 "$(dirname "$dir")" 2>/dev/null || true
    [ "$(id -u)" = "0" ] && chown "$server_user" "$dir"
    chmod 0700 "$dir"
    as_server_user "$initdb" -D "$dir/data" -U evflow --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 300
shared_buffers = 64MB
log_min_messages = warning
EOF
    # Loopback and the socket only, trusted: a throwaway cluster for one test run.
    cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
    pg_ctl_detached "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    psql=$(find_bin psql)
    as_server_user "$psql" -q -h "$dir" -p "$port" -U evflow -d postgres -c "CREATE DATABASE evflow" >/dev/null
    cat >"$dir/env" <<EOF
export EVFLOW_TEST_POSTGRES_URL=postgres://evflow@127.0.0.1:$port/evflow
export EVFLOW_TEST_PG_CTL=$pg_ctl
export EVFLOW_TEST_PG_DATA=$dir/data
export EVFLOW_TEST_PG_USER=$server_user
EOF
    echo "PostgreSQL test cluster: postgres://evflow@127.0.0.1:$port/evflow (data $dir/data)" >&2
    ;;
restart)
    pg_ctl=$(find_bin pg_ctl)
    [ -d "$dir/data" ] || { echo "no cluster in $dir" >&2; exit 1; }
    pg_ctl_detached "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -m immediate -w -t 60 restart >/dev/null \
        || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
stop)
    pg_ctl=$(find_bin pg_ctl || true)
    if [ -n "$pg_ctl" ] && [ -d "$dir/data" ]; then
        as_server_user "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|restart|stop DIR" >&2; exit 2
    ;;
esac
