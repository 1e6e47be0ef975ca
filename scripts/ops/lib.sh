#!/usr/bin/env bash
# Shared helpers for scripts/ops/*.sh and scripts/install-server.sh. Sourced, not run.
# shellcheck shell=bash

CWN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CWN_ENV_FILE="${CWN_ENV_FILE:-$CWN_ROOT/.env}"

log() {
  if [ -t 2 ]; then printf '\033[1m==>\033[0m %s\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

need() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is not installed"
  done
}

# env_get FILE KEY: the value of KEY in a KEY=VALUE file (last one wins), empty when absent.
env_get() {
  [ -f "$1" ] || return 0
  sed -n "s/^$2=//p" "$1" | tail -n 1
}

# env_has FILE KEY: whether the file defines KEY (even as empty).
env_has() {
  [ -f "$1" ] && grep -q "^$2=" "$1"
}

# The compose command: the v2 plugin (`docker compose`) when present, else docker-compose v1.
compose() {
  local profiles
  profiles="$(env_get "$CWN_ENV_FILE" COMPOSE_PROFILES)"
  if docker compose version >/dev/null 2>&1; then
    (cd "$CWN_ROOT" && COMPOSE_PROFILES="${profiles:-gpu}" docker compose --env-file "$CWN_ENV_FILE" "$@")
  elif command -v docker-compose >/dev/null 2>&1; then
    (cd "$CWN_ROOT" && COMPOSE_PROFILES="${profiles:-gpu}" docker-compose --env-file "$CWN_ENV_FILE" "$@")
  else
    die "Docker Compose is not installed (run scripts/install-server.sh)"
  fi
}

# Whether `up` can wait for healthchecks (compose v2 only).
compose_can_wait() {
  docker compose version >/dev/null 2>&1
}

# The worker service of this installation: worker-gpu (COMPOSE_PROFILES=gpu) or worker-cpu.
worker_service() {
  if [ "$(env_get "$CWN_ENV_FILE" COMPOSE_PROFILES)" = cpu ]; then echo worker-cpu; else echo worker-gpu; fi
}

# sha256 of a file, hex only.
sha256_of() {
  sha256sum "$1" | cut -d' ' -f1
}

# gpg with a throw-away home under $1 (no keyring of the operator is touched) and no agent left
# running afterwards: call gpg_cleanup DIR when done.
gpg_private() {
  local home="$1"
  shift
  mkdir -p "$home" && chmod 700 "$home"
  GNUPGHOME="$home" gpg --batch --yes --quiet --pinentry-mode loopback --no-symkey-cache "$@"
}
gpg_cleanup() {
  if [ -d "$1" ]; then GNUPGHOME="$1" gpgconf --kill gpg-agent 2>/dev/null || true; fi
}
