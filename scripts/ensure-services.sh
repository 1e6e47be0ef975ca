#!/usr/bin/env bash
# Makes sure the PostgreSQL and Redis that the tests use are reachable, starting the machine's own
# services when they are installed but stopped. Fails with a message naming what is missing.
# Override the targets with TEST_DATABASE_ADMIN_URL / TEST_REDIS_URL (then nothing is started).
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_HOST=127.0.0.1 REDIS_PORT=6379
as_root() { [ "$(id -u)" = 0 ]; }

pg_up() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; }
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

if [ -z "${TEST_DATABASE_ADMIN_URL:-}" ]; then
  if ! command -v pg_isready >/dev/null; then
    echo "PostgreSQL client tools are missing: apt-get install -y postgresql" >&2
    exit 1
  fi
  if ! pg_up; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ] && as_root; then
      echo "starting PostgreSQL ..."
      # shellcheck disable=SC2012 # version folders: plain numbers
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
      for _ in $(seq 1 30); do pg_up && break; sleep 1; done
    fi
  fi
  pg_up || { echo "PostgreSQL is unreachable at $PG_HOST:$PG_PORT and could not be started (install it: apt-get install -y postgresql, or set TEST_DATABASE_ADMIN_URL)" >&2; exit 1; }
fi

if [ -z "${TEST_REDIS_URL:-}" ]; then
  if ! command -v redis-server >/dev/null; then
    if as_root; then
      apt-get install -y -q redis-server >/dev/null || { apt-get update -q && apt-get install -y -q redis-server; }
    else
      echo "Redis is not installed: sudo apt-get install -y redis-server (or set TEST_REDIS_URL)" >&2
      exit 1
    fi
  fi
  if ! redis_up; then
    echo "starting Redis ..."
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  fi
  redis_up || { echo "Redis is unreachable at $REDIS_HOST:$REDIS_PORT and could not be started (or set TEST_REDIS_URL)" >&2; exit 1; }
fi
echo "services: PostgreSQL and Redis reachable"
