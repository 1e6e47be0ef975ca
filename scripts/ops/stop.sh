#!/usr/bin/env bash
# Stops the stack. Workers get SIGTERM and up to stop_grace_period (150 s) to finish or hand back
# their job; queued jobs stay in Redis (AOF). Data volumes are never removed.
#   scripts/ops/stop.sh [SERVICE...]     stop (containers kept)
#   scripts/ops/stop.sh --down           stop and remove the containers (volumes kept)
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --down ]; then
  compose down --remove-orphans
else
  compose stop "$@"
fi
