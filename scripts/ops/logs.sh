#!/usr/bin/env bash
# Follows the logs of the stack or of the named services.
#   scripts/ops/logs.sh                       every service, last 200 lines, then follow
#   scripts/ops/logs.sh server worker-gpu     only those
#   TAIL=1000 SINCE=2h scripts/ops/logs.sh    more history; NO_FOLLOW=1 prints and exits
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/lib.sh"

args=(logs --timestamps --tail "${TAIL:-200}")
[ -n "${SINCE:-}" ] && args+=(--since "$SINCE")
[ -z "${NO_FOLLOW:-}" ] && args+=(--follow)
compose "${args[@]}" "$@"
