#!/usr/bin/env bash
# Installs what the project needs on a new machine, and nothing when it is already there:
# Debian packages the tests use (espeak-ng and sox make real speech, chromium runs the browser
# tests) and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each entry is "command:Debian package". Tests: espeak-ng and sox make real speech; Chromium runs the
# browser tests (playwright-core never downloads a browser); ffmpeg is the extension bench's native
# baseline; the deployment checks (scripts/test/deploy.test.ts) use docker-compose (config
# validation), the shellcheck linter, nginx -t, gpg and pg_dump.
NEEDED=("espeak-ng:espeak-ng" "sox:sox" "chromium:chromium" "ffmpeg:ffmpeg"
  "docker-compose:docker-compose" "shellcheck:shellcheck" "nginx:nginx" "gpg:gnupg" "pg_dump:postgresql-client")
DEBS=()
missing=()
for cmd_pkg in "${NEEDED[@]}"; do
  DEBS+=("${cmd_pkg##*:}")
  command -v "${cmd_pkg%%:*}" >/dev/null || missing+=("${cmd_pkg##*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages: sudo apt-get install -y ${DEBS[*]}" >&2
    exit 1
  fi
fi


# npm ci when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi
