#!/usr/bin/env bash
# One archive with everything needed to bring the system back: the database (pg_dump custom
# format), the audio store (already encrypted at rest) and the .env (which holds MASTER_KEY: without
# it the audio cannot be read). Keep archives somewhere safe: they contain transcripts and keys.
#
#   scripts/ops/backup.sh [options]
#     --out PATH            archive file, or a folder for cwn-backup-<UTC time>.tar (default ./backups)
#     --keep N              afterwards delete all but the newest N archives in that folder
#     --passphrase-file F   encrypt the archive with gpg (AES-256) using the passphrase in F (.tar.gpg)
#   Outside Docker (a local PostgreSQL and storage folder; used by the tests):
#     --database-url URL    pg_dump this database instead of the compose `postgres` service
#     --storage-dir DIR     archive this folder instead of the `audio_storage` volume
#     --env-file FILE       the .env to include (default ./.env in Docker mode; none otherwise)
# The same options can come from CWN_BACKUP_DATABASE_URL, CWN_BACKUP_STORAGE_DIR, CWN_BACKUP_ENV_FILE.
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

out="${CWN_BACKUP_OUT:-$CWN_ROOT/backups}"
keep=""
passphrase_file=""
database_url="${CWN_BACKUP_DATABASE_URL:-}"
storage_dir="${CWN_BACKUP_STORAGE_DIR:-}"
env_file="${CWN_BACKUP_ENV_FILE:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --passphrase-file) passphrase_file="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --storage-dir) storage_dir="$2"; shift 2 ;;
    --env-file) env_file="$2"; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

if [ -n "$database_url" ] || [ -n "$storage_dir" ]; then
  if [ -z "$database_url" ] || [ -z "$storage_dir" ]; then
    die "outside Docker give both --database-url and --storage-dir"
  fi
  mode=local
  need pg_dump tar sha256sum
  [ -d "$storage_dir" ] || die "storage folder $storage_dir does not exist"
else
  mode=docker
  [ -n "$env_file" ] || env_file="$CWN_ENV_FILE"
  [ -f "$env_file" ] || die "$env_file is missing: nothing to back up here"
fi
[ -z "$env_file" ] || [ -f "$env_file" ] || die "env file $env_file does not exist"
[ -z "$keep" ] || [[ "$keep" =~ ^[1-9][0-9]*$ ]] || die "--keep needs a positive number"
if [ -n "$passphrase_file" ]; then
  need gpg
  [ -s "$passphrase_file" ] || die "passphrase file $passphrase_file is missing or empty"
fi

umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
suffix=".tar"
[ -n "$passphrase_file" ] && suffix=".tar.gpg"
if [ -d "$out" ] || [[ "$out" != *.tar && "$out" != *.gpg ]]; then
  mkdir -p "$out"
  archive="$out/cwn-backup-$stamp$suffix"
  # two backups in the same second never overwrite each other
  [ ! -e "$archive" ] || archive="$out/cwn-backup-$stamp-$$$suffix"
else
  mkdir -p "$(dirname "$out")"
  archive="$out"
fi

work="$(mktemp -d)"
trap 'gpg_cleanup "$work/gnupg"; rm -rf "$work"; rm -f "$archive.part"' EXIT

log "dumping the database ($mode)"
if [ "$mode" = local ]; then
  pg_dump --format=custom --no-owner --no-privileges --dbname="$database_url" --file="$work/database.dump"
else
  # works with the stack stopped too: PostgreSQL alone is started for the dump
  compose up -d postgres >/dev/null
  for _ in $(seq 1 60); do
    compose exec -T postgres pg_isready -q -U cwn -d cwn && break
    sleep 2
  done
  compose exec -T postgres pg_dump --format=custom --no-owner --no-privileges -U cwn -d cwn >"$work/database.dump"
fi
[ -s "$work/database.dump" ] || die "pg_dump wrote nothing"

# After the dump: a recording uploaded meanwhile only adds a file no row points to, never the reverse.
log "archiving the audio store"
if [ "$mode" = local ]; then
  tar -C "$storage_dir" -cf "$work/audio.tar" .
else
  compose run --rm --no-deps -T --entrypoint tar server -C /data/audio -cf - . >"$work/audio.tar"
fi

files=(MANIFEST database.dump audio.tar)
if [ -n "$env_file" ]; then
  cp "$env_file" "$work/env"
  files+=(env)
else
  warn "no .env in this backup (outside Docker without --env-file): keep MASTER_KEY elsewhere"
fi

{
  echo "format=cwn-backup-1"
  echo "created=$stamp"
  echo "mode=$mode"
  echo "host=$(hostname)"
  echo "commit=$(git -C "$CWN_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "env=$([ -n "$env_file" ] && echo yes || echo no)"
} >"$work/MANIFEST"
(cd "$work" && sha256sum "${files[@]}" >SHA256SUMS)

log "writing $archive"
if [ -n "$passphrase_file" ]; then
  tar -C "$work" -cf - SHA256SUMS "${files[@]}" |
    gpg_private "$work/gnupg" --passphrase-file "$passphrase_file" \
      --symmetric --cipher-algo AES256 --output "$archive.part"
else
  tar -C "$work" -cf "$archive.part" SHA256SUMS "${files[@]}"
fi
mv "$archive.part" "$archive"
chmod 600 "$archive"

if [ -n "$keep" ]; then
  dir="$(dirname "$archive")"
  # shellcheck disable=SC2012 # our own file names: no spaces or newlines
  ls -1t "$dir"/cwn-backup-*.tar* 2>/dev/null | tail -n +"$((keep + 1))" | while read -r old; do
    log "removing old backup $old"
    rm -f -- "$old"
  done
fi

echo "$archive"
