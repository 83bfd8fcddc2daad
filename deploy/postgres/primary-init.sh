#!/usr/bin/env bash
# Runs once, when the primary's data directory is initialised (docker-entrypoint-initdb.d):
# a replication role for the replica's pg_basebackup and streaming, allowed by pg_hba.conf.
# The service roles (autoserve_scaler, autoserve_context) come from the migrations; the
# migrate job sets their passwords.
set -euo pipefail
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$REPLICATION_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'pw') \gexec
SQL

# The image's pg_hba.conf allows every database with a password but not replication.
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
