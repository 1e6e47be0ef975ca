#!/usr/bin/env bash
# Starts the production stack (or the named services) and waits until it is healthy.
#   scripts/ops/start.sh [SERVICE...]
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

[ -f "$CWN_ENV_FILE" ] || die "$CWN_ENV_FILE is missing: run scripts/install-server.sh first"
if compose_can_wait; then
  compose up -d --wait "$@"
else
  compose up -d "$@"
fi
compose ps
