#!/usr/bin/env bash
# Starts Tidemark on the embedded defaults (all roles, embedded bus, data in ./data) after
# installing what it needs: only Node packages (the Debian packages in ops/install-deps.sh are
# for the tests and benchmarks). Extra arguments go to `tidemark up`, e.g. --listen 127.0.0.1:9090.
set -euo pipefail
cd "$(dirname "$0")/.."
# `npm ci`: exactly the locked versions (the lock file lists every platform's optional bindings).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run -s build
# glibc: allocations of 512 KiB and more (query columns, shared memory) get mappings of their own,
# so what the process frees goes back to the system instead of staying in malloc's heap (README,
# "Resident memory and glibc"). One set in the environment already is kept.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-524288}"
exec node dist/ops/cli/main.js up "$@"
