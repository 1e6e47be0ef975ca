#!/usr/bin/env bash
# Brings back a backup made by backup.sh: checks every part against its checksum first, then
# restores the database, the audio store and the .env. Nothing is deleted: a replaced .env or
# storage folder is kept beside it as *.before-restore-<time>, and in Docker mode a safety backup of
# the current state is taken first.
#
#   scripts/ops/restore.sh ARCHIVE [options]
#     --yes                 replace existing data (without it, restoring over data is refused)
#     --passphrase-file F   for an encrypted archive (.tar.gpg)
#     --no-safety-backup    Docker mode: skip the backup of the current state
#   Outside Docker (a local PostgreSQL and storage folder; used by the tests):
#     --database-url URL    restore into this existing database instead of the compose `postgres`
#     --storage-dir DIR     restore the audio into this folder instead of the `audio_storage` volume
#     --env-file FILE       where to write the archived .env (default ./.env in Docker mode)
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

archive=""
yes=""
passphrase_file=""
safety_backup=1
database_url="${CWN_RESTORE_DATABASE_URL:-}"
storage_dir="${CWN_RESTORE_STORAGE_DIR:-}"
env_file="${CWN_RESTORE_ENV_FILE:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --yes) yes=1; shift ;;
    --passphrase-file) passphrase_file="$2"; shift 2 ;;
    --no-safety-backup) safety_backup=""; shift ;;
    --database-url) database_url="$2"; shift 2 ;;
    --storage-dir) storage_dir="$2"; shift 2 ;;
    --env-file) env_file="$2"; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) [ -z "$archive" ] || die "one archive only"; archive="$1"; shift ;;
  esac
done
[ -n "$archive" ] || die "usage: restore.sh ARCHIVE [--yes] (see --help)"
[ -f "$archive" ] || die "archive $archive does not exist"

if [ -n "$database_url" ] || [ -n "$storage_dir" ]; then
  if [ -z "$database_url" ] || [ -z "$storage_dir" ]; then
    die "outside Docker give both --database-url and --storage-dir"
  fi
  mode=local
  need pg_restore psql tar sha256sum
else
  mode=docker
  [ -n "$env_file" ] || env_file="$CWN_ENV_FILE"
fi

umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
work="$(mktemp -d)"
trap 'gpg_cleanup "$work/gnupg"; rm -rf "$work"' EXIT

log "unpacking $archive"
if [[ "$archive" == *.gpg ]]; then
  need gpg
  [ -s "$passphrase_file" ] || die "$archive is encrypted: give --passphrase-file"
  mkdir "$work/parts"
  gpg_private "$work/gnupg" --passphrase-file "$passphrase_file" --decrypt "$archive" |
    tar -C "$work/parts" -xf - || die "cannot decrypt or unpack $archive (wrong passphrase?)"
else
  mkdir "$work/parts"
  tar -C "$work/parts" -xf "$archive" || die "cannot unpack $archive (not a backup.sh archive?)"
fi
parts="$work/parts"
if [ ! -f "$parts/MANIFEST" ] || [ ! -f "$parts/SHA256SUMS" ]; then
  die "$archive is not a backup.sh archive"
fi
grep -qx 'format=cwn-backup-1' "$parts/MANIFEST" || die "unknown backup format in $archive"
(cd "$parts" && sha256sum --quiet -c SHA256SUMS) >&2 ||
  die "$archive is damaged: a part does not match its checksum; nothing was restored"
for part in database.dump audio.tar; do
  [ -f "$parts/$part" ] || die "$archive lacks $part; nothing was restored"
done
log "archive is intact ($(grep '^created=' "$parts/MANIFEST" | cut -d= -f2), $(grep '^commit=' "$parts/MANIFEST"))"

restore_env() {
  [ -f "$parts/env" ] || { warn "the archive holds no .env: keep the current MASTER_KEY"; return 0; }
  [ -n "$env_file" ] || return 0
  if [ -f "$env_file" ]; then
    if cmp -s "$parts/env" "$env_file"; then return 0; fi
    cp -p "$env_file" "$env_file.before-restore-$stamp"
    log "kept the previous $env_file as $env_file.before-restore-$stamp"
  fi
  cp "$parts/env" "$env_file"
  chmod 600 "$env_file"
}

if [ "$mode" = local ]; then
  tables="$(psql -X -q -t -A -d "$database_url" -c \
    "select count(*) from pg_tables where schemaname not in ('pg_catalog','information_schema')")" ||
    die "cannot reach the target database (create it first: createdb NAME)"
  if [ "$tables" != 0 ] && [ -z "$yes" ]; then
    die "the target database already has $tables tables: pass --yes to replace them"
  fi
  if [ -d "$storage_dir" ] && [ -n "$(ls -A "$storage_dir")" ] && [ -z "$yes" ]; then
    die "$storage_dir is not empty: pass --yes to replace it (the old one is kept beside it)"
  fi

  log "restoring the database"
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error \
    --dbname="$database_url" "$parts/database.dump"

  log "restoring the audio store into $storage_dir"
  incoming="$storage_dir.restore-$stamp"
  mkdir -p "$incoming"
  tar -C "$incoming" -xf "$parts/audio.tar"
  if [ -d "$storage_dir" ]; then
    if [ -n "$(ls -A "$storage_dir")" ]; then
      mv "$storage_dir" "$storage_dir.before-restore-$stamp"
      log "kept the previous audio store as $storage_dir.before-restore-$stamp"
    else
      rmdir "$storage_dir"
    fi
  fi
  mv "$incoming" "$storage_dir"
  restore_env
  log "restored"
  exit 0
fi

# ---- Docker mode ----
[ -n "$yes" ] || die "this replaces the database, the audio and .env of this installation: pass --yes"
if [ -n "$safety_backup" ] && [ -f "$env_file" ] && compose ps --services --filter status=running 2>/dev/null | grep -qx postgres; then
  log "safety backup of the current state first"
  "$(dirname "$0")/backup.sh" --out "$CWN_ROOT/backups/before-restore"
fi

db_password="$(env_get "$parts/env" POSTGRES_PASSWORD)"
if [ -f "$parts/env" ] && ! [[ "$db_password" =~ ^[A-Za-z0-9]+$ ]]; then
  die "POSTGRES_PASSWORD in the archived .env must be letters and digits; nothing was restored"
fi

log "stopping the server and the workers"
compose stop nginx nuxt-dashboard server "$(worker_service)" || true
restore_env
# The postgres volume keeps the password it was created with; make it the restored .env's.
db_password="$(env_get "$env_file" POSTGRES_PASSWORD)"
[ -n "$db_password" ] || die "no POSTGRES_PASSWORD in $env_file: run scripts/install-server.sh --env-only, then restore again"
compose up -d postgres redis
for _ in $(seq 1 60); do
  compose exec -T postgres pg_isready -q -U cwn -d cwn && break
  sleep 2
done

log "restoring the database"
compose exec -T postgres pg_restore --clean --if-exists --no-owner --no-privileges \
  --single-transaction --exit-on-error -U cwn -d cwn <"$parts/database.dump"
compose exec -T postgres psql -X -q -U cwn -d cwn -c "ALTER USER cwn PASSWORD '$db_password'" >/dev/null

log "restoring the audio store"
compose run --rm --no-deps -T --entrypoint sh server -c \
  'set -e; find /data/audio -mindepth 1 -delete; tar -C /data/audio -xf -' <"$parts/audio.tar"

log "starting the stack"
"$(dirname "$0")/start.sh"
log "restored"
