#!/usr/bin/env bash
# PostgreSQL, Redis and RabbitMQ on this machine, the way `npm test` expects them:
#   PostgreSQL 127.0.0.1:5432, users postgres and root without a password (trust on 127.0.0.1),
#              a database `test` (the default TEST_DATABASE_URL: postgresql://postgres@127.0.0.1:5432/test)
#   Redis      127.0.0.1:6379
#   RabbitMQ   127.0.0.1:5672, guest/guest (allowed from loopback by default)
# For each server: installs it with apt-get when it is missing (elsewhere: says what to install and
# exits 1), starts it when it is down, waits until it answers. Safe to run again: what is already
# there is only checked. Needs root (or sudo) only for what it has to change.
#
#   bash scripts/services.sh
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432 PG_DB=test
REDIS_HOST=127.0.0.1 REDIS_PORT=6379
AMQP_HOST=127.0.0.1 AMQP_PORT=5672

say() { printf '%s\n' "$*"; }
fail() { printf 'services.sh: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else fail "needs root for: $*"
  fi
}

# A command as the postgres OS user (peer authentication on the local socket works for it).
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -u postgres "$@"
  else fail "needs root or the postgres user for: $*"
  fi
}

# True when something accepts TCP connections at host:port (bash's /dev/tcp, no client needed).
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then say "$name is up"; return 0; fi
    sleep 1
  done
  fail "$name did not answer within ${seconds}s"
}

# --- install what is missing ----------------------------------------------------------------------

pg_installed() { [ -d /etc/postgresql ] && [ -n "$(ls /etc/postgresql 2>/dev/null)" ] && command -v pg_ctlcluster >/dev/null 2>&1; }
redis_installed() { command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; }
rabbit_installed() { command -v rabbitmq-server >/dev/null 2>&1 && command -v rabbitmq-diagnostics >/dev/null 2>&1; }

missing=()
# A server that already answers (a container, another install) is used as it is.
port_open "$PG_HOST" "$PG_PORT" || pg_installed || missing+=(postgresql)
port_open "$REDIS_HOST" "$REDIS_PORT" || redis_installed || missing+=(redis-server)
port_open "$AMQP_HOST" "$AMQP_PORT" || rabbit_installed || missing+=(rabbitmq-server)

if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "Not installed: ${missing[*]}." >&2
    say "Install PostgreSQL (15 or newer), Redis (7) and RabbitMQ (3.10 or newer) with this system's package manager" >&2
    say "(macOS: brew install postgresql@15 redis rabbitmq), or run them in containers on 127.0.0.1:5432, :6379 and :5672;" >&2
    say "then run this script again." >&2
    exit 1
  fi
  say "installing ${missing[*]} (apt-get)"
  # A fresh machine or image may have no package lists yet.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# --- start what is down ---------------------------------------------------------------------------

pg_ready() { if command -v pg_isready >/dev/null 2>&1; then pg_isready -h "$PG_HOST" -p "$PG_PORT" -q; else port_open "$PG_HOST" "$PG_PORT"; fi; }
redis_ready() { if command -v redis-cli >/dev/null 2>&1; then [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; else port_open "$REDIS_HOST" "$REDIS_PORT"; fi; }

if ! pg_ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
wait_for "PostgreSQL ($PG_HOST:$PG_PORT)" 60 pg_ready

if ! redis_ready; then
  say "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for "Redis ($REDIS_HOST:$REDIS_PORT)" 30 redis_ready

if ! port_open "$AMQP_HOST" "$AMQP_PORT"; then
  # The node's Erlang cookie is root's (or rabbitmq's): ask as root.
  if ! as_root rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    say "starting RabbitMQ"
    as_root rabbitmq-server -detached || true
  fi
  wait_for "RabbitMQ node" 120 as_root rabbitmq-diagnostics -q ping
fi
# The node answers `ping` a moment before its AMQP listener accepts connections.
wait_for "RabbitMQ ($AMQP_HOST:$AMQP_PORT)" 60 port_open "$AMQP_HOST" "$AMQP_PORT"

# --- what the tests expect of PostgreSQL ----------------------------------------------------------

# psql connecting the way the tests do: TCP, no password, never prompting.
pg_connects() { PGCONNECT_TIMEOUT=5 psql -w -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$1" -d "$PG_DB" -Atc 'select 1' >/dev/null 2>&1; }
pg_users_connect() { pg_connects postgres && pg_connects root; }

if ! command -v psql >/dev/null 2>&1; then
  say "psql not found: cannot check users postgres and root and database $PG_DB on $PG_HOST:$PG_PORT (install postgresql-client)" >&2
elif pg_users_connect; then
  say "PostgreSQL: users postgres and root connect to database $PG_DB without a password"
elif ! pg_installed; then
  fail "PostgreSQL on $PG_HOST:$PG_PORT is not a local apt cluster this script can configure: it needs users postgres and root allowed without a password from 127.0.0.1 (trust) and a database $PG_DB"
else
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  say "PostgreSQL: setting up what the tests expect (cluster $version main)"
  # Roles and database over the local socket as the postgres user (peer authentication).
  psql_admin() { (cd / && as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"); }
  if [ "$(psql_admin -Atc "select count(*) from pg_roles where rolname = 'root'")" = 0 ]; then
    say "  creating role root (superuser, login)"
    psql_admin -c 'CREATE ROLE root LOGIN SUPERUSER'
  fi
  if [ "$(psql_admin -Atc "select count(*) from pg_database where datname = '$PG_DB'")" = 0 ]; then
    say "  creating database $PG_DB"
    psql_admin -c "CREATE DATABASE $PG_DB"
  fi
  if ! pg_users_connect; then
    # pg_hba.conf uses the first line that matches: ours go above every other rule.
    marker='# herald scripts/services.sh: the tests connect without a password'
    if ! as_root grep -qF "$marker" "$hba"; then
      say "  $hba: trust for users postgres and root from 127.0.0.1 and ::1"
      rules=$(printf '%s\n' "$marker" \
        'host    all    postgres    127.0.0.1/32    trust' \
        'host    all    root        127.0.0.1/32    trust' \
        'host    all    postgres    ::1/128         trust' \
        'host    all    root        ::1/128         trust')
      current=$(as_root cat "$hba")
      as_root cp -p "$hba" "$hba.before-herald"
      # Rewritten in place: the file keeps its owner and mode.
      printf '%s\n\n%s\n' "$rules" "$current" | as_root tee "$hba" >/dev/null
    fi
    psql_admin -Atc 'select pg_reload_conf()' >/dev/null
    sleep 1
  fi
  pg_users_connect || fail "users postgres and root still cannot connect to $PG_HOST:$PG_PORT/$PG_DB without a password: see $hba"
  say "PostgreSQL: users postgres and root connect to database $PG_DB without a password"
fi

say "PostgreSQL $PG_HOST:$PG_PORT, Redis $REDIS_HOST:$REDIS_PORT and RabbitMQ $AMQP_HOST:$AMQP_PORT are ready for npm test"
