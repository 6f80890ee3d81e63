#!/usr/bin/env bash
# Local PostgreSQL for tests and CI, using Debian's postgresql-common tooling
# (pg_ctlcluster) rather than a hand-rolled initdb, so it behaves like the
# distribution service.
#
#   bash scripts/postgres.sh start   idempotent: install, start, create
#                                    role/databases only where missing
#   bash scripts/postgres.sh stop
#
# Result: role "linkage" (LOGIN CREATEDB, password "linkage"), databases
# "linkage" and "linkage_test" owned by it, on 127.0.0.1:5432 (password auth
# over TCP is Debian's default pg_hba.conf).
set -euo pipefail

ROLE=linkage
# Test-only credential, matching LINKAGE_TEST_DATABASE_URL in .ci/run.
ROLE_PASSWORD=linkage
DATABASES=(linkage linkage_test)
WANT_PORT=5432

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Root is needed for apt-get and to act as the postgres user; use sudo when
# not root.
if [[ $EUID -eq 0 ]]; then
    as_root() { "$@"; }
    as_postgres() { runuser -u postgres -- "$@"; }
else
    command -v sudo >/dev/null || die "must run as root (or have sudo)"
    as_root() { sudo "$@"; }
    as_postgres() { sudo -u postgres "$@"; }
fi

# Highest installed server major version, e.g. 15 (empty if none).
server_version() {
    local d v best=
    for d in /usr/lib/postgresql/*/bin/postgres; do
        [[ -x $d ]] || continue
        v=${d#/usr/lib/postgresql/}
        v=${v%%/*}
        [[ -z $best || $v -gt $best ]] && best=$v
    done
    echo "$best"
}

ensure_installed() {
    if command -v pg_ctlcluster >/dev/null && [[ -n $(server_version) ]]; then
        return 0
    fi
    log "PostgreSQL server not installed; installing the Debian package"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
    [[ -n $(server_version) ]] || die "postgresql installed but no server binary found"
}

# Pick the cluster to use: prefer one on port 5432 (the URL the tests use),
# then "main" of the newest version. Prints "<ver> <name> <port> <status>".
find_cluster() {
    local ver=$1
    pg_lsclusters -h | awk -v ver="$ver" -v port="$WANT_PORT" '
        { rank = ($3 == port) ? 0 : ($1 == ver && $2 == "main") ? 1 : ($1 == ver) ? 2 : 3 }
        rank < 3 && (best == "" || rank < bestrank) { best = $1 " " $2 " " $3 " " $4; bestrank = rank }
        END { if (best != "") print best }'
}

cluster=()
select_cluster() {
    local ver line
    ver=$(server_version)
    line=$(find_cluster "$ver")
    if [[ -z $line ]]; then
        [[ ${1:-} == create ]] || return 1
        log "no cluster for PostgreSQL $ver; creating $ver/main"
        as_root pg_createcluster "$ver" main >&2
        line=$(find_cluster "$ver")
        [[ -n $line ]] || die "pg_createcluster did not produce a cluster"
    fi
    read -r -a cluster <<<"$line"
}

psql_admin() {
    # cd /: psql as postgres cannot chdir into root's working directory.
    (cd / && as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "${cluster[2]}" -d postgres "$@")
}

cmd_start() {
    ensure_installed
    select_cluster create
    local ver=${cluster[0]} name=${cluster[1]} port=${cluster[2]} status=${cluster[3]}
    [[ $port == "$WANT_PORT" ]] ||
        log "warning: cluster $ver/$name listens on port $port, not $WANT_PORT"

    if [[ $status == online* ]]; then
        log "cluster $ver/$name already running (port $port)"
    else
        log "starting cluster $ver/$name (port $port)"
        # Retry: right after an unclean kill the dead postmaster can linger
        # for a moment and its socket lock file makes the first start fail.
        # Exit code 2 = "already running" (a concurrent start won the race).
        local attempt rc
        for attempt in 1 2 3 4 5; do
            rc=0
            as_root pg_ctlcluster "$ver" "$name" start || rc=$?
            [[ $rc -eq 0 || $rc -eq 2 ]] && break
            [[ $attempt -eq 5 ]] &&
                die "pg_ctlcluster $ver $name start failed; see /var/log/postgresql/postgresql-$ver-$name.log"
            log "start failed (exit $rc); retrying in 2 s"
            sleep 2
        done
    fi

    local i
    for ((i = 0; i < 60; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 0.5
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || die "PostgreSQL not accepting connections on 127.0.0.1:$port after 30 s"

    # The Kafka tests run the relay and several consumers as processes, each with its
    # own pools: the default 100 connections is too few. Raise once, then restart.
    local max
    max=$(psql_admin -Atc "SHOW max_connections")
    if (( max < 300 )); then
        log "raising max_connections from $max to 300"
        printf 'max_connections = 300\n' > "/etc/postgresql/$ver/$name/conf.d/linkage.conf"
        as_root pg_ctlcluster "$ver" "$name" restart
        for ((i = 0; i < 60; i++)); do
            pg_isready -q -h 127.0.0.1 -p "$port" && break
            sleep 0.5
        done
    fi

    # Role first (only if absent), then databases; CREATE DATABASE cannot run
    # inside DO/transactions, hence \gexec on a conditional SELECT.
    psql_admin -v role="$ROLE" -v pw="$ROLE_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SQL
    local db
    for db in "${DATABASES[@]}"; do
        psql_admin -v role="$ROLE" -v db="$db" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
    done
    log "ready: role $ROLE, databases ${DATABASES[*]} on 127.0.0.1:$port"
}

cmd_stop() {
    if ! command -v pg_lsclusters >/dev/null || [[ -z $(server_version) ]]; then
        log "PostgreSQL not installed"
        return 0
    fi
    if ! select_cluster; then
        log "no cluster"
        return 0
    fi
    local ver=${cluster[0]} name=${cluster[1]}
    if [[ ${cluster[3]} == online* ]]; then
        log "stopping cluster $ver/$name"
        as_root pg_ctlcluster "$ver" "$name" stop
    else
        log "cluster $ver/$name not running"
    fi
}

case ${1:-} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *)
        echo "usage: $0 {start|stop}" >&2
        exit 2
        ;;
esac
