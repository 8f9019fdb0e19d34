#!/usr/bin/env bash
# Starts Tidemark on the embedded defaults (all roles, embedded bus, data in ./data) after
# installing what it needs. Extra arguments go to `tidemark up`, e.g. --listen 127.0.0.1:9090.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ops/install-deps.sh
# `npm install` (not `npm ci`): npm 11 leaves other platforms' optional native bindings out of
# the lock file, which `npm ci` then rejects as out of sync; install still honours the locked versions.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi
npm run -s build
exec node dist/ops/cli/main.js up "$@"
