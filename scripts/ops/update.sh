#!/usr/bin/env bash
# Updates the installation to the current code without losing a queued job:
#   1. a backup (backups/before-update), unless --no-backup;
#   2. git pull --ff-only, unless --no-pull (or not a git checkout);
#   3. pulls the third-party images (PostgreSQL, Redis, nginx) and rebuilds ours;
#   4. runs the database migrations once, before anything restarts;
#   5. recreates only the containers whose image or settings changed.
# Queued jobs live in Redis with AOF on (redis_data volume), so they survive any restart. A worker
# being replaced gets SIGTERM and up to 150 s (stop_grace_period) to finish its job, or hands it
# back to the queue (WORKER_SHUTDOWN_GRACE_MS); the new worker takes it.
#   scripts/ops/update.sh [--no-backup] [--no-pull]
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

backup=1 pull=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-backup) backup=""; shift ;;
    --no-pull) pull=""; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
[ -f "$CWN_ENV_FILE" ] || die "$CWN_ENV_FILE is missing: run scripts/install-server.sh first"

if [ -n "$backup" ]; then
  log "backup before the update"
  "$(dirname "$0")/backup.sh" --out "$CWN_ROOT/backups/before-update" --keep 3
fi

if [ -n "$pull" ] && git -C "$CWN_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  log "fetching the new code"
  before="$(git -C "$CWN_ROOT" rev-parse --short HEAD)"
  git -C "$CWN_ROOT" pull --ff-only
  log "code: $before -> $(git -C "$CWN_ROOT" rev-parse --short HEAD)"
fi

log "pulling base images and building ours"
compose pull --quiet postgres redis nginx
compose build --pull

log "running the database migrations"
compose up -d postgres redis
compose run --rm --no-deps -T server node server/dist/bin/migrate.js up

log "restarting what changed"
if compose_can_wait; then
  compose up -d --remove-orphans --wait
else
  compose up -d --remove-orphans
fi
compose ps
log "updated"
