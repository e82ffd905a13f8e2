#!/usr/bin/env bash
# Runs every test of the workspace against real databases, starting what they need and stopping
# it afterwards (also when tests fail):
#
# - SQLite: nothing to start; each test opens its own database file in a temp directory.
# - MongoDB: the MongoDB-wire test server in tools/mongo-test-server (Python + mongomock, pinned
#   requirements installed into a venv by its setup.sh). Set APHEX_TEST_MONGODB_URL to test
#   against a real MongoDB instead. Each test gets its own database, dropped afterwards.
# - PostgreSQL: a throwaway cluster from the machine's initdb/pg_ctl (temp dir, free port,
#   127.0.0.1 only, run as the `postgres` user when root). Set APHEX_TEST_POSTGRES_URL to use an
#   existing server instead. Each test gets its own database, dropped afterwards.
# - A streaming replica of that PostgreSQL (pg_basebackup -R, hot standby) for the read-replica
#   tests; APHEX_TEST_POSTGRES_REPLICA_URL to use another.
# - PostgreSQL with TLS: a second throwaway cluster with ssl=on, a certificate from a CA made
#   here with openssl, and TLS-only pg_hba.conf (aphex-pg/tests/tls.rs). Set
#   APHEX_TEST_POSTGRES_TLS_URL, APHEX_TEST_TLS_CA and APHEX_TEST_TLS_WRONG_CA to use another.
#
# - S3: moto's server from PyPI (tools/s3-test-server, pinned requirements in a venv) for the
#   S3-compatible asset storage. Set APHEX_TEST_S3_ENDPOINT to use another S3-compatible server.
# - The reliability suite (aphex-reliability, part of `cargo test --workspace`; docs/reliability.md):
#   it starts a PostgreSQL cluster of its own to crash (initdb/pg_ctl), mounts a small tmpfs and
#   uses `chattr +i` for the full and read-only disk tests (root), and spawns its own binary.
# - Benchmark smoke run: aphex-bench --docs 200 on each backend above, and on PostgreSQL once
#   more with --rls (row-level security on vs off; it creates the role aphex_bench_app)
#   (docs/BENCHMARKS.md).
# - `aphex copy` (aphex-cli/tests/copy.rs): the binary moves a corpus SQLite -> PostgreSQL ->
#   MongoDB -> SQLite, the real Better Auth signs in on the PostgreSQL copy, a copy killed
#   halfway resumes; plus a copy-bench smoke run (docs/copy.md, docs/BENCHMARKS.md).
# - Better Auth interop: the pinned npm packages in interop/better-auth (`npm ci` through its
#   setup.sh; compiles better-sqlite3 from source the first time), on all three backends.
# - examples/custom-app (its own migrator, then the app) on each backend, and
#   `cargo publish --workspace --dry-run`.
#
# With CI=true a backend whose server cannot be provided is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

CI="${CI:-false}"
WORK="$(mktemp -d /tmp/aphex-test.XXXXXX)"
chmod 755 "$WORK"  # the postgres user must reach its data and socket directories
PG_DATA=""
PG_TLS_DATA=""
PG_REPLICA_DATA=""
MONGO_PID=""
S3_PID=""

log() { printf '==> %s\n' "$*"; }
missing() {
    if [ "$CI" = "true" ]; then
        echo "ERROR: $1 (CI=true: a missing backend is a failure)" >&2
        exit 1
    fi
    echo "WARNING: $1 — its tests will report SKIPPED" >&2
}

cleanup() {
    local status=$?
    if [ "$status" != 0 ]; then
        # The servers' own view of a failure, before their directories go.
        for server_log in "$WORK"/pg/server.log "$WORK"/pg-replica/server.log "$WORK"/pg-tls/server.log; do
            [ -f "$server_log" ] || continue
            echo "---- last lines of $server_log ----" >&2
            tail -n 30 "$server_log" >&2 || true
        done
    fi
    if [ -n "$MONGO_PID" ]; then
        log "stopping the MongoDB test server"
        kill "$MONGO_PID" 2>/dev/null || true
        wait "$MONGO_PID" 2>/dev/null || true
    fi
    if [ -n "$S3_PID" ]; then
        log "stopping the S3 test server"
        kill "$S3_PID" 2>/dev/null || true
        wait "$S3_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_REPLICA_DATA" ]; then
        log "stopping the PostgreSQL replica"
        as_postgres pg_ctl -D "$PG_REPLICA_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_DATA" ]; then
        log "stopping PostgreSQL"
        as_postgres pg_ctl -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "$PG_TLS_DATA" ]; then
        log "stopping the TLS PostgreSQL"
        as_postgres pg_ctl -D "$PG_TLS_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_postgres() {
    if [ -n "${APHEX_TEST_POSTGRES_URL:-}" ]; then
        log "PostgreSQL: using APHEX_TEST_POSTGRES_URL"
        return
    fi
    local bindir
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$bindir" ] && PATH="$PATH:$bindir"
    if ! command -v initdb >/dev/null || ! command -v pg_ctl >/dev/null; then
        missing "PostgreSQL server binaries (initdb, pg_ctl) not found"
        return
    fi
    local port
    port="$(free_port)"
    PG_DATA="$WORK/pg/data"
    mkdir -p "$WORK/pg"
    [ "$(id -u)" = 0 ] && chown -R postgres "$WORK/pg"
    log "PostgreSQL: initdb + pg_ctl start on 127.0.0.1:$port"
    as_postgres initdb -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C >"$WORK/pg/initdb.log" 2>&1 ||
        { cat "$WORK/pg/initdb.log" >&2; exit 1; }
    as_postgres pg_ctl -D "$PG_DATA" -l "$WORK/pg/server.log" -w -t 60 start \
        -o "-p $port -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" >/dev/null ||
        { cat "$WORK/pg/server.log" >&2; exit 1; }
    export APHEX_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# A real streaming replica of the throwaway primary (pg_basebackup -R, a second pg_ctl on
# another port, hot standby) for the read-replica tests (aphex-pg/tests/replicas.rs). Set
# APHEX_TEST_POSTGRES_REPLICA_URL (a standby of APHEX_TEST_POSTGRES_URL's server, superuser, so
# that the test can pause its replay) to use another.
start_postgres_replica() {
    if [ -n "${APHEX_TEST_POSTGRES_REPLICA_URL:-}" ]; then
        log "PostgreSQL replica: using APHEX_TEST_POSTGRES_REPLICA_URL"
        return
    fi
    if [ -z "$PG_DATA" ]; then
        missing "no throwaway PostgreSQL primary to stream a replica from (set APHEX_TEST_POSTGRES_REPLICA_URL)"
        return
    fi
    local dir="$WORK/pg-replica" port primary_port
    primary_port="${APHEX_TEST_POSTGRES_URL##*:}"
    primary_port="${primary_port%%/*}"
    port="$(free_port)"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    log "PostgreSQL replica: pg_basebackup -R from :$primary_port, pg_ctl start on 127.0.0.1:$port"
    # A replication slot (-C -S) keeps the primary's WAL until the replica has it: without one,
    # a replica that falls behind under load (hundreds of test databases created and dropped)
    # finds the segments it needs recycled and stops replaying for good.
    as_postgres pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/data" -R -X stream \
        -C -S aphex_test_replica >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    PG_REPLICA_DATA="$dir/data"
    as_postgres pg_ctl -D "$PG_REPLICA_DATA" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c hot_standby=on" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    export APHEX_TEST_POSTGRES_REPLICA_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# A second PostgreSQL that accepts only TLS: a CA made here (openssl), a server certificate for
# localhost/127.0.0.1 signed by it, and a second CA that signed nothing (for the "wrong CA"
# test). pg_hba.conf has `hostssl` lines only, so a connection without TLS is refused.
start_postgres_tls() {
    if [ -n "${APHEX_TEST_POSTGRES_TLS_URL:-}" ]; then
        log "TLS PostgreSQL: using APHEX_TEST_POSTGRES_TLS_URL"
        return
    fi
    local bindir
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$bindir" ] && PATH="$PATH:$bindir"
    if ! command -v initdb >/dev/null || ! command -v openssl >/dev/null; then
        missing "initdb or openssl not found: the TLS tests cannot run"
        return
    fi
    local dir="$WORK/pg-tls" port
    port="$(free_port)"
    mkdir -p "$dir/certs"
    (
        cd "$dir/certs"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=aphex test CA" \
            -keyout ca.key -out ca.crt
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=aphex unrelated CA" \
            -keyout wrong-ca.key -out wrong-ca.crt
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
            -extfile server.ext -out server.crt
        chmod 600 server.key
    ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
    PG_TLS_DATA="$dir/data"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    log "TLS PostgreSQL: initdb + pg_ctl start (ssl=on, hostssl only) on localhost:$port"
    as_postgres initdb -D "$PG_TLS_DATA" -U postgres -A trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    printf 'local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n' \
        >"$PG_TLS_DATA/pg_hba.conf"
    as_postgres pg_ctl -D "$PG_TLS_DATA" -l "$dir/server.log" -w -t 60 start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on \
            -c ssl_cert_file=$dir/certs/server.crt -c ssl_key_file=$dir/certs/server.key" >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    export APHEX_TEST_POSTGRES_TLS_URL="postgres://postgres@localhost:$port/postgres"
    export APHEX_TEST_TLS_CA="$dir/certs/ca.crt"
    export APHEX_TEST_TLS_WRONG_CA="$dir/certs/wrong-ca.crt"
}

start_mongo() {
    if [ -n "${APHEX_TEST_MONGODB_URL:-}" ]; then
        log "MongoDB: using APHEX_TEST_MONGODB_URL"
        return
    fi
    local py
    if ! py="$(tools/mongo-test-server/setup.sh)"; then
        missing "could not set up the MongoDB test server's Python environment"
        return
    fi
    log "MongoDB: starting tools/mongo-test-server"
    "$py" tools/mongo-test-server/server.py --host 127.0.0.1 --port 0 \
        --port-file "$WORK/mongo.port" >"$WORK/mongo.log" 2>&1 &
    MONGO_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$WORK/mongo.port" ] && break
        kill -0 "$MONGO_PID" 2>/dev/null || { cat "$WORK/mongo.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -s "$WORK/mongo.port" ] || { cat "$WORK/mongo.log" >&2; exit 1; }
    export APHEX_TEST_MONGODB_URL="mongodb://127.0.0.1:$(cat "$WORK/mongo.port")/"
    log "MongoDB: listening on $APHEX_TEST_MONGODB_URL"
}

start_s3() {
    if [ -n "${APHEX_TEST_S3_ENDPOINT:-}" ]; then
        log "S3: using APHEX_TEST_S3_ENDPOINT"
        return
    fi
    local py
    if ! py="$(tools/s3-test-server/setup.sh)"; then
        missing "could not set up the S3 test server's Python environment"
        return
    fi
    log "S3: starting tools/s3-test-server (moto)"
    "$py" tools/s3-test-server/start.py --host 127.0.0.1 --port 0 \
        --port-file "$WORK/s3.port" >"$WORK/s3.log" 2>&1 &
    S3_PID=$!
    for _ in $(seq 1 100); do
        [ -s "$WORK/s3.port" ] && break
        kill -0 "$S3_PID" 2>/dev/null || { cat "$WORK/s3.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -s "$WORK/s3.port" ] || { cat "$WORK/s3.log" >&2; exit 1; }
    export APHEX_TEST_S3_ENDPOINT="http://127.0.0.1:$(cat "$WORK/s3.port")"
    log "S3: listening on $APHEX_TEST_S3_ENDPOINT"
}

setup_better_auth() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        missing "node/npm not found: the Better Auth interop test cannot run"
        return
    fi
    log "Better Auth interop: interop/better-auth/setup.sh"
    interop/better-auth/setup.sh || missing "could not install the Better Auth interop packages"
}

start_postgres
start_postgres_replica
start_postgres_tls
start_mongo
start_s3
setup_better_auth

# The S3 storage, PostgreSQL TLS and the studio's other backends are Cargo features; turn them on
# for the tests (one build of the feature union).
FEATURES="aphex-storage/s3,aphex-pg/tls"
log "cargo test --workspace"
cargo test --workspace --all-targets --features "$FEATURES"
log "doc tests"
cargo test --workspace --doc --features "$FEATURES"
log "studio end-to-end on PostgreSQL, MongoDB and S3 storage"
cargo test -p aphex-studio --features postgres,mongodb,s3 --test e2e

# The quickstart, as a user runs it: SQLite in an empty directory, then PostgreSQL.
log "quickstart on SQLite"
(cd "$WORK" && cargo run -q --manifest-path "$OLDPWD/Cargo.toml" -p quickstart)
if [ -n "${APHEX_TEST_POSTGRES_URL:-}" ]; then
    log "quickstart on PostgreSQL"
    qs_url="${APHEX_TEST_POSTGRES_URL%/*}/aphex_quickstart"
    PGOPTIONS="--client-min-messages=warning" psql -q "$APHEX_TEST_POSTGRES_URL" \
        -c "DROP DATABASE IF EXISTS aphex_quickstart" -c "CREATE DATABASE aphex_quickstart"
    DATABASE_URL="$qs_url" cargo run -q -p quickstart --features postgres
    psql -q "$APHEX_TEST_POSTGRES_URL" -c "DROP DATABASE aphex_quickstart WITH (FORCE)"
fi
if [ -n "${APHEX_TEST_MONGODB_URL:-}" ]; then
    log "quickstart on MongoDB"
    DATABASE_URL="${APHEX_TEST_MONGODB_URL%/}/aphex_quickstart_$$" cargo run -q -p quickstart --features mongodb
fi

# An application with its own tables, as a user outside this repository runs it: its own
# migrator (`cargo run -- up` in its migration crate, what `sea-orm-cli migrate up -d` runs),
# then the app, which checks everything it does and exits non-zero otherwise.
log "custom-app on SQLite"
ca_url="sqlite://$WORK/custom-app.db?mode=rwc"
DATABASE_URL="$ca_url" cargo run -q -p custom-app-migration -- up >/dev/null
DATABASE_URL="$ca_url" cargo run -q -p custom-app
if [ -n "${APHEX_TEST_POSTGRES_URL:-}" ]; then
    log "custom-app on PostgreSQL"
    ca_url="${APHEX_TEST_POSTGRES_URL%/*}/aphex_custom_app"
    PGOPTIONS="--client-min-messages=warning" psql -q "$APHEX_TEST_POSTGRES_URL" \
        -c "DROP DATABASE IF EXISTS aphex_custom_app" -c "CREATE DATABASE aphex_custom_app"
    DATABASE_URL="$ca_url" cargo run -q -p custom-app-migration -- up >/dev/null
    DATABASE_URL="$ca_url" cargo run -q -p custom-app --features postgres
    psql -q "$APHEX_TEST_POSTGRES_URL" -c "DROP DATABASE aphex_custom_app WITH (FORCE)"
fi
if [ -n "${APHEX_TEST_MONGODB_URL:-}" ]; then
    log "custom-app on MongoDB"
    DATABASE_URL="${APHEX_TEST_MONGODB_URL%/}/aphex_custom_app_$$" cargo run -q -p custom-app --features mongodb
fi

# The benchmark is not a test: CI only checks that it runs, on a tiny corpus, on every backend
# (it still checks every answer, and with --show-sql that the raw baseline sends exactly the
# adapter's statements). Numbers: docs/BENCHMARKS.md.
log "benchmark smoke run on SQLite"
cargo run -q -p aphex-bench -- --backend sqlite --docs 200 --query-ops 20 --show-sql
if [ -n "${APHEX_TEST_POSTGRES_URL:-}" ]; then
    log "benchmark smoke run on PostgreSQL"
    cargo run -q -p aphex-bench -- --backend postgres --url "$APHEX_TEST_POSTGRES_URL" --docs 200 --query-ops 20 --show-sql
    log "benchmark smoke run on PostgreSQL, row-level security on vs off"
    cargo run -q -p aphex-bench -- --backend postgres --url "$APHEX_TEST_POSTGRES_URL" --docs 200 --query-ops 20 --rls
fi
if [ -n "${APHEX_TEST_POSTGRES_URL:-}" ] && [ -n "${APHEX_TEST_MONGODB_URL:-}" ]; then
    log "copy benchmark smoke run (SQLite -> PostgreSQL -> MongoDB -> SQLite)"
    cargo run -q -p aphex-bench --bin copy-bench -- --docs 200 \
        --postgres "$APHEX_TEST_POSTGRES_URL" --mongodb "$APHEX_TEST_MONGODB_URL"
fi
if [ -n "${APHEX_TEST_MONGODB_URL:-}" ]; then
    log "benchmark smoke run on MongoDB"
    cargo run -q -p aphex-bench -- --backend mongodb --url "$APHEX_TEST_MONGODB_URL" --docs 200 --ops 100 --query-ops 20 --show-sql
fi

# Every library crate packages and builds from its package alone, as crates.io would take it.
# Cargo treats a registry crate of a given name and version as immutable: it reuses the sources
# it unpacked under CARGO_HOME and the artifacts it built from them. The dry run's packages have
# this tree's names and versions, so drop what an earlier run left of them first (unpacked
# sources, cached .crate files, built artifacts), or it would check stale packages. Last, because
# it rebuilds the workspace's own crates.
log "cargo publish --workspace --dry-run"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/* "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*; do
    [ -d "$dir" ] || continue
    rm -rf "$dir"/aphex-"$version" "$dir"/aphex-*-"$version" "$dir"/aphex-"$version".crate "$dir"/aphex-*-"$version".crate
done
cargo clean -q -p aphex -p aphex-core -p aphex-sea -p aphex-sqlite -p aphex-pg -p aphex-mongo \
    -p aphex-conformance -p aphex-storage -p aphex-migration
cargo publish --workspace --dry-run --allow-dirty --quiet
