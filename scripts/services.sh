#!/usr/bin/env bash
# (Re)start the PostgreSQL and Redis servers the tests use and create what they need;
# exit non-zero with a message when that is not possible (`make test` then stops: the
# PostgreSQL/Redis tests fail instead of being skipped).
#
# What the tests need (tests/conftest_db.py, tests/production/cluster.py):
#   * PostgreSQL on 127.0.0.1:5432; role `postgres` may log in over TCP without a
#     password and create/drop databases; database `test` exists (the fixtures connect
#     to it to CREATE/DROP their own `petition_*` databases);
#   * Redis on 127.0.0.1:6379 (databases up to 13 are used).
# On a fresh Debian machine it installs the packages (as root), creates the cluster,
# starts both servers, adds a loopback-only `trust` rule for the `postgres` role to
# pg_hba.conf when passwordless access is missing, and creates the `test` database.
# That rule is meant for a development/CI machine, never for a production server.
# Idempotent: running servers are left alone; run it again after stopping either.
set -euo pipefail

PG_HOST=127.0.0.1 PG_USER=postgres PG_DB=test REDIS_HOST=127.0.0.1
# The tests use 5432 and 6379; other ports only serve to try this script on spare servers.
PG_PORT=${SERVICES_PG_PORT:-5432} REDIS_PORT=${SERVICES_REDIS_PORT:-6379}
HBA_MARK="# scripts/services.sh: passwordless loopback access for the test role"

die() { echo "services.sh: $*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

install_missing() {  # install_missing COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  is_root || die "$1 is missing: run 'sudo apt-get install $2' (or this script as root) once."
  command -v apt-get >/dev/null 2>&1 || die "$1 is missing and apt-get is not available: install $2."
  echo "installing $2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "$2" >/dev/null || die "could not install $2"
}

wait_until() {  # wait_until SECONDS COMMAND...
  local seconds=$1; shift
  for _ in $(seq 1 "$seconds"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@" >/dev/null 2>&1
}

# ----------------------------------------------------------------- PostgreSQL
pg_up() { pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; }
# psql exactly as the tests connect: TCP, user postgres, never a password prompt.
pg_sql() {  # pg_sql DATABASE SQL
  psql "host=$PG_HOST port=$PG_PORT user=$PG_USER dbname=$1 connect_timeout=5" \
    -w -X -q -A -t -v ON_ERROR_STOP=1 -c "$2"
}
as_postgres() {  # psql as the cluster owner over the Unix socket (peer authentication)
  is_root || die "passwordless access for role $PG_USER is missing and fixing it needs root \
(run 'sudo bash scripts/services.sh' once)."
  runuser -u postgres -- psql -p "$PG_PORT" -X -q -A -t -v ON_ERROR_STOP=1 "$@"
}

ensure_pg_running() {
  pg_up && return 0
  install_missing pg_ctlcluster postgresql
  install_missing pg_isready postgresql-client
  local cluster version
  cluster=$(pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port {print $1 " " $2; exit}')
  if [ -z "$cluster" ]; then
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
    [ -n "$version" ] || die "no PostgreSQL server installed (apt-get install postgresql)."
    echo "creating PostgreSQL cluster $version/main on port $PG_PORT"
    is_root || die "creating a PostgreSQL cluster needs root."
    pg_createcluster --port "$PG_PORT" "$version" main >/dev/null || die "pg_createcluster failed"
    cluster="$version main"
  fi
  echo "starting PostgreSQL ($cluster)"
  # shellcheck disable=SC2086 - "$cluster" is "<version> <name>"
  pg_ctlcluster --skip-systemctl-redirect $cluster start \
    || pg_up || die "PostgreSQL $cluster did not start (see /var/log/postgresql/)."
  wait_until 30 pg_up || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT."
}

ensure_pg_access() {
  local error
  if error=$(pg_sql postgres "SELECT 1" 2>&1 >/dev/null); then return 0; fi
  case "$error" in
    *"password authentication failed"*|*"no password supplied"*|*"no pg_hba.conf entry"*|\
    *"Peer authentication failed"*|*"Ident authentication failed"*) ;;
    *) die "cannot connect to PostgreSQL as $PG_USER: $error" ;;
  esac
  local hba
  hba=$(as_postgres -c "SHOW hba_file") || die "cannot read the hba_file setting"
  if ! grep -qF "$HBA_MARK" "$hba"; then
    echo "allowing passwordless loopback access for role $PG_USER in $hba"
    { echo "$HBA_MARK"
      echo "host    all    $PG_USER    127.0.0.1/32    trust"
      echo "host    all    $PG_USER    ::1/128         trust"
      cat "$hba"; } > "$hba.services-sh" || die "cannot write $hba"
    chown --reference="$hba" "$hba.services-sh" && chmod --reference="$hba" "$hba.services-sh"
    mv "$hba.services-sh" "$hba"
  fi
  as_postgres -c "SELECT pg_reload_conf()" >/dev/null || die "cannot reload PostgreSQL"
  wait_until 10 pg_sql postgres "SELECT 1" \
    || die "still no passwordless access as $PG_USER: $(pg_sql postgres 'SELECT 1' 2>&1)"
}

ensure_pg_objects() {
  local may_create
  may_create=$(pg_sql postgres "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user") \
    || die "cannot read the privileges of role $PG_USER"
  [ "$may_create" = t ] || die "role $PG_USER may not create databases (the fixtures create one per session)."
  if [ -z "$(pg_sql postgres "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
    echo "creating database $PG_DB"
    pg_sql postgres "CREATE DATABASE \"$PG_DB\"" || die "could not create database $PG_DB"
  fi
  pg_sql "$PG_DB" "SELECT 1" >/dev/null || die "cannot connect to database $PG_DB as $PG_USER"
}

# ---------------------------------------------------------------------- Redis
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  install_missing redis-cli redis-tools
  redis_up && return 0
  install_missing redis-server redis-server
  echo "starting Redis"
  local dir=/var/lib/redis logs=/var/log/redis
  is_root || { dir=${TMPDIR:-/tmp}/redis-ci; logs=$dir; }
  mkdir -p "$dir" "$logs"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir "$dir" --logfile "$logs/ci.log" || true
  wait_until 30 redis_up || die "Redis does not answer on $REDIS_HOST:$REDIS_PORT (see $logs/ci.log)."
}

install_missing psql postgresql-client
ensure_pg_running
ensure_pg_access
ensure_pg_objects
ensure_redis
echo "PostgreSQL $PG_HOST:$PG_PORT (role $PG_USER, database $PG_DB) and Redis $REDIS_HOST:$REDIS_PORT are ready"
