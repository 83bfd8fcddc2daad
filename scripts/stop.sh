#!/usr/bin/env bash
# `npm run stop`: stops a running `npm start` (SIGTERM to the pid in its state file; it stops
# both services) and then the local Postgres primary + replica. Data stays in .data/pg;
# `scripts/pg.sh down --purge` removes it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${AUTOSERVE_STATE_FILE:-$REPO/.data/start.json}"

if [[ -f "$STATE" ]]; then
  pid="$(sed -n 's/^ *"pid": *\([0-9]*\).*/\1/p' "$STATE")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q start.ts "/proc/$pid/cmdline" 2>/dev/null; then
    echo "[stop] stopping npm start (pid $pid)" >&2
    kill -TERM "$pid"
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { echo "[stop] pid $pid still running after 20 s" >&2; exit 1; }
  fi
  rm -f "$STATE"
fi
"$REPO/scripts/pg.sh" down
