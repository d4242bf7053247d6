#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite: `make test` and CI (`.ci/run`) call
# `scripts/postgres.sh run CMD...`, which finds or installs the server, starts a private cluster
# in a fresh temp directory, runs CMD with NEWSBOT_TEST_DATABASE_URL set, and always stops it.
#
#   scripts/postgres.sh ensure        find the server binaries; install them with apt-get if missing
#   scripts/postgres.sh start DIR     initdb + start a cluster in DIR; prints its URL (also in DIR/url)
#   scripts/postgres.sh stop DIR      stop that cluster and remove DIR
#   scripts/postgres.sh run CMD...    ensure, start in a temp dir, run CMD, stop; exits with CMD's status
#
# The cluster listens only on a unix socket inside DIR and on 127.0.0.1 at a free port, with
# trust authentication: nothing outside this machine can reach it, and it is gone after the run.
# initdb refuses to run as root, so as root (CI) the cluster belongs to the `postgres` system
# user the Debian package creates, or to `nobody`.
# If NEWSBOT_TEST_DATABASE_URL is already set, `run` uses that server (a superuser's URL: the
# tests create and drop databases) and starts none.
set -euo pipefail
# Without this, bash drops -e inside $(...), and a failing step of cmd_start would go unnoticed.
shopt -s inherit_errexit

PREFIX=newsbot-pg
DATABASE=newsbot_test
ROLE=postgres

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() {
    say "$*"
    exit 1
}

# The directory holding initdb/pg_ctl, or nothing. PG_BINDIR overrides. Debian's libpq-dev ships a
# /usr/bin/pg_config that names the server's bindir even when no server is installed, hence the
# check that initdb is really there.
find_bindir() {
    local dir candidate
    for dir in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)"; do
        if [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    # Debian/Ubuntu keep each major version apart; take the newest.
    candidate=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
        sort -V | tail -n 1)
    if [[ -n $candidate ]]; then
        dirname "$candidate"
        return 0
    fi
    candidate=$(command -v initdb || true)
    if [[ -n $candidate ]]; then
        dirname "$candidate"
    fi
}

cmd_ensure() {
    local bindir sudo=()
    bindir=$(find_bindir)
    if [[ -n $bindir ]]; then
        say "PostgreSQL server found in $bindir"
        printf '%s\n' "$bindir"
        return 0
    fi
    command -v apt-get >/dev/null ||
        die "no PostgreSQL server (initdb, pg_ctl) found and no apt-get to install one: install it, or set PG_BINDIR"
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null ||
            die "no PostgreSQL server found; install it as root: apt-get install postgresql (or set PG_BINDIR)"
        sudo=(sudo)
    fi
    say "no PostgreSQL server found; installing the distribution's package"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(find_bindir)
    [[ -n $bindir ]] || die "installed the postgresql package but found no initdb under /usr/lib/postgresql"
    say "PostgreSQL server installed in $bindir"
    printf '%s\n' "$bindir"
}

# The user the cluster runs as: ourselves, or an unprivileged one when we are root.
cluster_user() {
    if [[ $(id -u) -ne 0 ]]; then
        id -un
    elif id -u postgres >/dev/null 2>&1; then
        echo postgres
    else
        echo nobody
    fi
}

# Run a command as the cluster's user (read from DIR/user), from inside DIR so that it never
# tries to read a working directory it cannot enter.
as_owner() {
    local dir=$1 user
    shift
    user=$(<"$dir/user")
    if [[ $user == "$(id -un)" ]]; then
        (cd "$dir" && "$@")
    elif command -v runuser >/dev/null; then
        (cd "$dir" && runuser -u "$user" -- "$@")
    else
        (cd "$dir" && su -s /bin/sh "$user" -c "$(printf '%q ' "$@")")
    fi
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

cmd_start() {
    local dir=${1:?usage: postgres.sh start DIR}
    local bindir user port locale attempt url
    bindir=$(find_bindir)
    [[ -n $bindir ]] || die "no PostgreSQL server found; run: scripts/postgres.sh ensure"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [[ ! -e $dir/data ]] || die "$dir already holds a cluster; stop it first or use another directory"
    # A unix socket path is limited to 107 bytes on Linux.
    ((${#dir} <= 80)) || die "$dir is too long a path for the server's unix socket"
    user=$(cluster_user)
    printf '%s\n' "$user" >"$dir/user"
    if [[ $user != "$(id -un)" ]]; then
        chown -R "$user:" "$dir"
        chmod 700 "$dir"
        as_owner "$dir" test -w "$dir" ||
            die "user $user cannot reach $dir: put it under a directory every user can enter (like /tmp)"
    fi
    # C.UTF-8 sorts like C but knows non-ASCII letters (lower(), upper()); plain C is the fallback.
    locale=C
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
        locale=C.UTF-8
    fi
    as_owner "$dir" "$bindir/initdb" --pgdata="$dir/data" --username="$ROLE" --auth=trust \
        --encoding=UTF8 --locale="$locale" --no-sync >"$dir/initdb.log" 2>&1 ||
        {
            cat "$dir/initdb.log" >&2
            die "initdb failed in $dir"
        }
    # Test settings: durability is worthless for a cluster that is deleted after the run.
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
    # The free port can be taken between the probe and the bind: try a few.
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_owner "$dir" "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" \
            --wait --timeout=60 --silent --options="-p $port" start >/dev/null; then
            break
        fi
        if ((attempt == 3)) || ! grep -q 'could not bind\|could not create any TCP/IP' "$dir/server.log"; then
            tail -n 20 "$dir/server.log" >&2 || true
            die "the server did not start in $dir"
        fi
        say "port $port was taken; trying another"
    done
    as_owner "$dir" "$bindir/createdb" --host="$dir" --port="$port" --username="$ROLE" "$DATABASE"
    url="postgresql://$ROLE@127.0.0.1:$port/$DATABASE"
    printf '%s\n' "$url" >"$dir/url"
    say "server running in $dir"
    printf '%s\n' "$url"
}

cmd_stop() {
    local dir=${1:?usage: postgres.sh stop DIR} bindir
    [[ -d $dir ]] || return 0
    bindir=$(find_bindir)
    if [[ -n $bindir && -f $dir/data/postmaster.pid && -f $dir/user ]]; then
        # immediate: no checkpoint, nothing is kept anyway.
        as_owner "$dir" "$bindir/pg_ctl" --pgdata="$dir/data" --mode=immediate --wait --silent \
            stop >/dev/null 2>&1 || say "could not stop the server in $dir (already gone?)"
    fi
    rm -rf "$dir"
}

# Clusters left by a `run` that was killed (SIGKILL, a closed terminal) before it could stop them.
# Each lives in its own directory, so nothing collides with them; this only frees their memory.
reap_stale() {
    local dir pid
    for dir in "${TMPDIR:-/tmp}/$PREFIX".*; do
        [[ -f $dir/run.pid ]] || continue
        [[ $(id -u) -eq 0 || -O $dir ]] || continue
        pid=$(<"$dir/run.pid")
        if ! kill -0 "$pid" 2>/dev/null && [[ ! -d /proc/$pid ]]; then
            say "removing a cluster left by a run that was killed: $dir"
            cmd_stop "$dir" || true
        fi
    done
}

cmd_run() {
    (($# > 0)) || die "usage: postgres.sh run CMD..."
    if [[ -n ${NEWSBOT_TEST_DATABASE_URL:-} ]]; then
        say "using the server in NEWSBOT_TEST_DATABASE_URL"
        exec "$@"
    fi
    cmd_ensure >/dev/null
    reap_stale
    local dir status=0
    dir=$(mktemp -d "${TMPDIR:-/tmp}/$PREFIX.XXXXXX")
    chmod 755 "$dir"
    # Set before start, so that a failed or interrupted start is cleaned up too. Inside a trap,
    # a bare `return` reports the status the script was exiting with: no -e while cleaning up.
    trap 'set +e; cmd_stop "$dir"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    printf '%s\n' "$$" >"$dir/run.pid"
    NEWSBOT_TEST_DATABASE_URL=$(cmd_start "$dir" | tail -n 1)
    export NEWSBOT_TEST_DATABASE_URL
    # CMD runs in the foreground: it keeps the terminal (Ctrl-C, pytest --pdb), which a background
    # job would not (bash makes it ignore SIGINT). A signal sent to this script alone is thus
    # handled, and the server stopped, once CMD has ended.
    "$@" || status=$?
    exit "$status"
}

main() {
    local command=${1:-}
    shift || true
    case $command in
    ensure) cmd_ensure "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    run) cmd_run "$@" ;;
    *) die "usage: postgres.sh ensure | start DIR | stop DIR | run CMD..." ;;
    esac
}

main "$@"
