#!/bin/sh
# A throwaway PostgreSQL server for the test suite: scripts/pg.sh start|stop|url
#
#   start  installs the server if missing (Debian, as root), creates a cluster in ./.pg
#          listening only on a unix socket in ./.pg/run (port 54329), and the database
#          bidledger_test; fails loudly if any step fails
#   stop   stops the server and removes ./.pg
#   url    prints the SQLAlchemy URL of bidledger_test
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
PGHOME="$ROOT/.pg"
PORT=54329
DATABASE=bidledger_test

fail() {
    echo "scripts/pg.sh: $*" >&2
    exit 1
}

find_bindir() {
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1; then
        dirname -- "$(readlink -f -- "$(command -v initdb)")"
        return 0
    fi
    return 1
}

install_server() {
    [ "$(id -u)" -eq 0 ] || fail "PostgreSQL is not installed; run as root, or install it (apt-get install postgresql)"
    command -v apt-get >/dev/null 2>&1 || fail "PostgreSQL is not installed and apt-get is not available"
    echo "scripts/pg.sh: installing PostgreSQL (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || fail "apt-get update failed"
    apt-get install -y -qq postgresql >/dev/null || fail "apt-get install postgresql failed"
}

# Run a server binary as the cluster's owner: the postgres OS user when we are root.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

ensure_owner() {
    [ "$(id -u)" -eq 0 ] || return 0
    if ! id -u postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres ||
            fail "cannot create the postgres OS user"
    fi
}

# The cluster lives in ./.pg; if the postgres user cannot reach the repository (say it is
# under /root), the cluster goes to a private directory in /tmp and ./.pg links to it.
make_home() {
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$ROOT"; then
        target=$(mktemp -d /tmp/bidledger-pg.XXXXXX)
        ln -s "$target" "$PGHOME"
    else
        mkdir -p "$PGHOME"
    fi
    home=$(readlink -f -- "$PGHOME")
    mkdir -p "$home/run"
    chmod 755 "$home" "$home/run"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$home"
    echo "$home"
}

start() {
    bindir=$(find_bindir) || {
        install_server
        bindir=$(find_bindir) || fail "PostgreSQL installed but initdb not found"
    }
    ensure_owner
    if [ -f "$PGHOME/data/postmaster.pid" ] &&
        as_owner "$bindir/pg_ctl" -D "$PGHOME/data" status >/dev/null 2>&1; then
        create_database "$bindir" "$(readlink -f -- "$PGHOME")"
        return 0
    fi
    rm -rf "$(readlink -f -- "$PGHOME")" "$PGHOME"
    home=$(make_home)
    socket="$home/run/.s.PGSQL.$PORT"
    [ "${#socket}" -le 100 ] || fail "socket path too long for a unix socket: $socket"
    as_owner "$bindir/initdb" -D "$home/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$home/initdb.log" 2>&1 ||
        as_owner "$bindir/initdb" -D "$home/data" -U postgres --auth=trust -E UTF8 \
            --locale=C >"$home/initdb.log" 2>&1 ||
        { cat "$home/initdb.log" >&2; fail "initdb failed"; }
    cat >>"$home/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PORT
unix_socket_directories = '$home/run'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
CONF
    as_owner "$bindir/pg_ctl" -D "$home/data" -l "$home/server.log" -w -t 60 -s start ||
        { cat "$home/server.log" >&2; fail "the server did not start"; }
    create_database "$bindir" "$home"
}

create_database() {
    exists=$("$1/psql" -h "$2/run" -p "$PORT" -U postgres -d postgres -qAtX \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ||
        fail "cannot connect to the server on $2/run"
    [ "$exists" = 1 ] || "$1/psql" -h "$2/run" -p "$PORT" -U postgres -d postgres -qAtX \
        -c "CREATE DATABASE $DATABASE" >/dev/null || fail "cannot create $DATABASE"
}

stop() {
    if [ -e "$PGHOME" ]; then
        home=$(readlink -f -- "$PGHOME")
        if [ -f "$home/data/postmaster.pid" ] && bindir=$(find_bindir); then
            as_owner "$bindir/pg_ctl" -D "$home/data" -m immediate -s stop >/dev/null 2>&1 || true
        fi
        rm -rf "$home" "$PGHOME"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "postgresql+psycopg://postgres@/$DATABASE?host=$PGHOME/run&port=$PORT" ;;
    *)
        echo "usage: scripts/pg.sh start|stop|url" >&2
        exit 2
        ;;
esac
