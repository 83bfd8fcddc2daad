#!/usr/bin/env bash
# Runs before `npm test` and `npm start`, so each is a single command on a fresh machine:
# Debian packages and pgvector (scripts/install-deps.sh, fast when present), then the npm
# dependencies (the locked versions) when node_modules is missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  # npm ci: exactly the locked versions; a lock out of sync with package.json is an error.
  echo "[setup] npm ci" >&2
  npm ci --no-audit --no-fund
fi
