#!/usr/bin/env bash
# Entrypoint of the compose Postgres image (runs as the postgres user, never root).
#
#   autoserve-postgres primary   first start: initdb (scram-sha-256, superuser password from
#                                POSTGRES_PASSWORD), a `replicator` role (REPLICATION_PASSWORD)
#                                and the `autoserve` database; then postgres as a WAL sender.
#   autoserve-postgres replica   first start: pg_basebackup of PRIMARY_HOST:PRIMARY_PORT (-R:
#                                standby.signal + primary_conninfo); then a hot standby.
#
# Later starts reuse the data directory. Env: PGPORT (5432), PG_LISTEN_ADDRESSES (*; 127.0.0.1
# with host networking), extra postgres options as arguments after the role.
set -euo pipefail
role="${1:-primary}"
shift || true
: "${PGDATA:?}"
PGPORT="${PGPORT:-5432}"
LISTEN="${PG_LISTEN_ADDRESSES:-*}"
export PGPORT

log() { echo "[autoserve-postgres $role] $*" >&2; }

common=(-c "listen_addresses=$LISTEN" -c "port=$PGPORT" -c unix_socket_directories=/var/run/postgresql
  -c wal_level=replica -c max_wal_senders=10 -c wal_keep_size=512MB -c hot_standby=on
  -c hot_standby_feedback=on -c shared_preload_libraries=pg_stat_statements)

case "$role" in
  primary)
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
    : "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
      log "initdb $PGDATA"
      pwfile="$(mktemp)"
      printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
      initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
      rm -f "$pwfile"
      # Any address may connect with a password (the network decides who can reach the port).
      printf '%s\n' 'host all all all scram-sha-256' \
        'host replication replicator all scram-sha-256' >>"$PGDATA/pg_hba.conf"
      # Socket-only while the roles are created: nothing can connect half-initialised.
      pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -c port=$PGPORT -c unix_socket_directories=/var/run/postgresql" start
      psql -v ON_ERROR_STOP=1 -q -U postgres -d postgres -v pw="$REPLICATION_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'pw') \gexec
CREATE DATABASE autoserve;
SQL
      pg_ctl -D "$PGDATA" -w -s -m fast stop
      log "initialised"
    fi
    exec postgres -D "$PGDATA" "${common[@]}" "$@"
    ;;
  replica)
    : "${PRIMARY_HOST:?PRIMARY_HOST is required}"
    : "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD is required}"
    PRIMARY_PORT="${PRIMARY_PORT:-5432}"
    # It is written into primary_conninfo between single quotes below.
    [[ "$REPLICATION_PASSWORD" != *[\'\\]* ]] || { log "REPLICATION_PASSWORD must not contain ' or \\"; exit 1; }
    if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
      log "cloning $PRIMARY_HOST:$PRIMARY_PORT with pg_basebackup"
      for attempt in $(seq 1 30); do
        if PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
          -U replicator -D "$PGDATA" -R -X stream -c fast -d "application_name=replica"; then
          break
        fi
        ((attempt < 30)) || { log "pg_basebackup failed"; exit 1; }
        log "primary not ready (attempt $attempt), retrying in 2 s"
        find "$PGDATA" -mindepth 1 -delete
        sleep 2
      done
      # -R wrote primary_conninfo without the password (it came from PGPASSWORD): add it.
      echo "primary_conninfo = 'host=$PRIMARY_HOST port=$PRIMARY_PORT user=replicator password=$REPLICATION_PASSWORD application_name=replica'" \
        >>"$PGDATA/postgresql.auto.conf"
    fi
    exec postgres -D "$PGDATA" "${common[@]}" "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
