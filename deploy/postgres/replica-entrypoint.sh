#!/usr/bin/env bash
# Entrypoint of the streaming replica: on first start (empty data directory) it clones the
# primary with pg_basebackup (-R writes standby.signal and primary_conninfo), then runs
# postgres as a hot standby. Later starts reuse the data directory and resume streaming.
set -euo pipefail
: "${PRIMARY_HOST:?PRIMARY_HOST is required}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
PRIMARY_PORT="${PRIMARY_PORT:-5432}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"

mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  echo "[replica] cloning $PRIMARY_HOST:$PRIMARY_PORT with pg_basebackup" >&2
  conninfo="host=$PRIMARY_HOST port=$PRIMARY_PORT user=replicator password=$REPLICATION_PASSWORD application_name=replica"
  for attempt in $(seq 1 30); do
    if gosu postgres pg_basebackup -d "$conninfo" -D "$PGDATA" -R -X stream -c fast; then
      break
    fi
    ((attempt < 30)) || { echo "[replica] pg_basebackup failed" >&2; exit 1; }
    echo "[replica] primary not ready (attempt $attempt), retrying in 2 s" >&2
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
fi

exec gosu postgres postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on
