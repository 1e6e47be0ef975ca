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
npx tsc -p tsconfig.tests.json
npm run typecheck --silent -w nuxt-dashboard
npm run typecheck --silent -w e2e
echo "checking formatting ..."
npx prettier --check --log-level warn .
node scripts/check-links.mjs
echo "linting ..."
npx eslint .
# --forceExit: a leaked handle (seen once: a Redis reconnect after the "Redis unreachable" health
# test) must not hang CI after every test has reported; the leak itself is tracked in the notes.
npx jest --ci --forceExit "$@"
