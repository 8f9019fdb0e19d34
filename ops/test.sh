#!/usr/bin/env bash
# Runs the whole test suite from a clean checkout: system packages, npm packages, build, tests.
# Ends with a line "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash ops/install-deps.sh || { echo "installing system packages failed"; echo "0 passed, 1 failed"; exit 1; }
# `npm ci`: exactly the locked versions (the lock file lists every platform's optional bindings).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || { echo "npm install failed"; echo "0 passed, 1 failed"; exit 1; }
fi
npm run -s build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -t tidemark-vitest-XXXXXX.json)
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
code=$?
node ops/test-summary.mjs "$results" || code=1
rm -f "$results"
exit $code
