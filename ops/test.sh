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

# The static checks count as tests: the type check of everything (tests included) and the lint
# rules that keep the layers apart. Skipped when only part of the suite is asked for.
checks_passed=0
checks_failed=0
if [ $# -eq 0 ]; then
  for check in "typecheck" "lint -- --quiet"; do
    # shellcheck disable=SC2086 # the check's words are meant to split
    if npm run -s $check 2>&1 | tail -n 40; [ "${PIPESTATUS[0]}" -eq 0 ]; then
      checks_passed=$((checks_passed + 1))
    else
      echo "static check failed: npm run $check"
      checks_failed=$((checks_failed + 1))
    fi
  done
fi

results=$(mktemp -t tidemark-vitest-XXXXXX.json)
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@"
code=$?
VITEST_EXIT=$code CHECKS_PASSED=$checks_passed CHECKS_FAILED=$checks_failed node ops/test-summary.mjs "$results" || code=1
rm -f "$results"
exit $code
