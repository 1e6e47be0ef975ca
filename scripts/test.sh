#!/usr/bin/env bash
# `npm test`: installs what is missing, makes sure PostgreSQL and Redis are reachable, type-checks,
# checks formatting and Markdown links and lints every package, then runs every test of every
# package in one jest run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
bash scripts/ensure-services.sh
echo "type-checking ..."
npx tsc -b
# The checks after the build are single-threaded and independent: two lanes side by side keep both
# cores busy (about 3 min for both lanes against 6 min one after the other, on 2 cores). A lane's
# output is shown when it fails.
echo "type-checking the tests, the dashboard and e2e; checking formatting, links; linting ..."
lanes=$(mktemp -d)
trap 'rm -rf "$lanes"' EXIT
(
  set -e
  npx tsc -p tsconfig.tests.json
  npx prettier --check --log-level warn .
) >"$lanes/a.log" 2>&1 &
lane_a=$!
(
  set -e
  npm run typecheck --silent -w nuxt-dashboard
  npm run typecheck --silent -w e2e
  node scripts/check-links.mjs
  npx eslint .
) >"$lanes/b.log" 2>&1 &
lane_b=$!
failed=0
wait "$lane_a" || { cat "$lanes/a.log"; failed=1; }
wait "$lane_b" || { cat "$lanes/b.log"; failed=1; }
[ "$failed" = 0 ] || exit 1
# --forceExit: a leaked handle (seen once: a Redis reconnect after the "Redis unreachable" health
# test) must not hang CI after every test has reported; the leak itself is tracked in the notes.
npx jest --ci --forceExit "$@"
