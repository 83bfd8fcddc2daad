#!/usr/bin/env bash
# Local PostgreSQL 15 primary + streaming hot-standby replica on loopback, for tests and benchmarks.
#
#   scripts/pg.sh up | down [--purge] | status | urls
#   scripts/pg.sh up-primary | up-replica | stop-primary [fast|immediate] | stop-replica [fast|immediate]
#
# Env: PG_DIR (default <repo>/.data/pg), PG_PRIMARY_PORT (55432), PG_REPLICA_PORT (55433).
# Every cluster is self-contained in PG_DIR (data dirs, logs, unix sockets), so tests can run
# private clusters next to the shared one. `up` and `urls` print on stdout exactly:
#   PG_PRIMARY_URL=postgres://postgres@127.0.0.1:<port>/postgres
#   PG_REPLICA_URL=postgres://postgres@127.0.0.1:<port>/postgres
# Progress goes to stderr. Servers run as the `postgres` OS user (postgres refuses root).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR="${PG_DIR:-$REPO/.data/pg}"
PG_DIR="$(realpath -m "$PG_DIR")"
PRIMARY_PORT="${PG_PRIMARY_PORT:-55432}"
REPLICA_PORT="${PG_REPLICA_PORT:-55433}"
PRIMARY_DIR="$PG_DIR/primary"
REPLICA_DIR="$PG_DIR/replica"
SOCK_DIR="$PG_DIR/sock"
# A unix socket path must fit in 107 bytes ("<dir>/.s.PGSQL.<port>"): fall back to /tmp for deep paths.
if ((${#SOCK_DIR} > 80)); then
  SOCK_DIR="/tmp/autoserve-pg-$(printf '%s' "$PG_DIR" | md5sum | cut -c1-12)"
fi
CATCHUP_TIMEOUT="${PG_CATCHUP_TIMEOUT:-60}"

log() { echo "[pg] $*" >&2; }
die() { log "error: $*"; exit 1; }
# fd 9 holds the PG_DIR lock: never let a server inherit it.
# Runs from / so the postgres user never trips over an unreadable working directory.
as_pg() { (cd / && runuser -u postgres -- "$@" 9>&-); }
psql_at() { # port sql
  "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

usage() {
  cat >&2 <<'USAGE'
usage: scripts/pg.sh up | down [--purge] | status | urls
       scripts/pg.sh up-primary | up-replica | stop-primary [fast|immediate] | stop-replica [fast|immediate]
env:   PG_DIR (default <repo>/.data/pg), PG_PRIMARY_PORT (55432), PG_REPLICA_PORT (55433)
USAGE
  exit 2
}

print_urls() {
  echo "PG_PRIMARY_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/postgres"
  echo "PG_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/postgres"
}

ensure_user() {
  if ! id -u postgres >/dev/null 2>&1; then
    log "creating OS user postgres"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# The postgres user must be able to reach PG_DIR: add o+x to any ancestor it cannot traverse.
ensure_traversable() {
  local d="$PG_DIR"
  while [[ "$d" != "/" ]]; do
    d="$(dirname "$d")"
    if ! as_pg test -x "$d"; then
      log "chmod o+x $d (so the postgres user can reach $PG_DIR)"
      chmod o+x "$d"
    fi
  done
}

prepare_dirs() {
  [[ $(id -u) -eq 0 ]] || die "run as root (servers are started as the postgres user via runuser)"
  ensure_user
  mkdir -p "$PG_DIR" "$SOCK_DIR"
  chown postgres:postgres "$PG_DIR" "$SOCK_DIR"
  chmod 700 "$SOCK_DIR"
  ensure_traversable
}

postmaster_pid() { head -n1 "$1/postmaster.pid" 2>/dev/null || true; }

# True when the postmaster named in postmaster.pid is alive. Checked through /proc rather than
# pg_ctl status: a kill -9'd postmaster can linger as a zombie (this sandbox's init reaps late),
# and kill(pid, 0) still succeeds on a zombie.
is_running() { # datadir
  pid_alive "$(postmaster_pid "$1")"
}

pid_alive() { # pid: a live (non-zombie) postgres process
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres
}

# Settings owned by this script, rewritten on every start so env overrides (ports) apply.
write_conf() { # datadir port role
  local dir="$1" port="$2" role="$3" preload=""
  [[ -f "$PG_BIN/../lib/pg_stat_statements.so" ]] && preload="pg_stat_statements"
  if ! grep -q "^include_if_exists = 'autoserve.conf'" "$dir/postgresql.conf"; then
    echo "include_if_exists = 'autoserve.conf'" >>"$dir/postgresql.conf"
  fi
  cat >"$dir/autoserve.conf" <<CONF
# Written by scripts/pg.sh; edits are overwritten on the next start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SOCK_DIR'
max_connections = 200
shared_buffers = 256MB
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = 512MB
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
wal_retrieve_retry_interval = 1s
fsync = on
synchronous_commit = on
full_page_writes = on
shared_preload_libraries = '$preload'
log_destination = 'stderr'
logging_collector = off
log_line_prefix = '%m [%p] $role %q%u@%d '
log_min_messages = warning
CONF
  if [[ "$role" == replica ]]; then
    # primary_conninfo is managed here (not in postgresql.auto.conf, which would win) so the
    # replica follows PG_PRIMARY_PORT.
    sed -i '/^primary_conninfo/d' "$dir/postgresql.auto.conf" 2>/dev/null || true
    echo "primary_conninfo = 'host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=replica'" >>"$dir/autoserve.conf"
    touch "$dir/standby.signal"
  fi
  chown postgres:postgres "$dir/autoserve.conf" "$dir/postgresql.conf"
}

write_hba() { # datadir
  cat >"$1/pg_hba.conf" <<'HBA'
# Written by scripts/pg.sh: trust on loopback only (test harness).
local   all          all                    trust
local   replication  all                    trust
host    all          all   127.0.0.1/32     trust
host    replication  all   127.0.0.1/32     trust
HBA
  chown postgres:postgres "$1/pg_hba.conf"
}

start_server() { # datadir port role
  local dir="$1" port="$2" role="$3" logf="$PG_DIR/$3.log" i
  if is_running "$dir"; then
    log "$role already running (port $port)"
    return 0
  fi
  write_conf "$dir" "$port" "$role"
  if [[ -f "$dir/postmaster.pid" ]]; then
    log "removing stale postmaster.pid of $role (pid $(postmaster_pid "$dir") is gone)"
    rm -f "$dir/postmaster.pid"
  fi
  local sock="$SOCK_DIR/.s.PGSQL.$port"
  if [[ -f "$sock.lock" ]] && ! pid_alive "$(head -n1 "$sock.lock" 2>/dev/null || true)"; then
    log "removing stale socket lock $sock.lock"
    rm -f "$sock.lock" "$sock"
  fi
  touch "$logf" && chown postgres:postgres "$logf"
  log "starting $role on 127.0.0.1:$port"
  # After a kill -9 of the postmaster its orphaned backends hold shared memory for a moment:
  # retry a few times before giving up.
  for i in 1 2 3 4 5 6; do
    if as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$logf" -w -t 120 -s start >&2; then
      return 0
    fi
    is_running "$dir" && return 0
    log "$role did not start (try $i), retrying; see $logf"
    sleep 2
  done
  tail -n 20 "$logf" >&2
  die "$role failed to start"
}

stop_server() { # datadir role mode
  local dir="$1" role="$2" mode="${3:-fast}"
  case "$mode" in fast | immediate | smart) ;; *) die "bad stop mode: $mode" ;; esac
  if is_running "$dir"; then
    log "stopping $role ($mode)"
    as_pg "$PG_BIN/pg_ctl" -D "$dir" -m "$mode" -w -t 60 -s stop >&2
  else
    log "$role not running"
  fi
}

up_primary() {
  prepare_dirs
  "$REPO/scripts/install-pgvector.sh" # exits at once when vector.control is present
  if [[ ! -f "$PRIMARY_DIR/PG_VERSION" ]]; then
    log "initdb $PRIMARY_DIR"
    rm -rf "$PRIMARY_DIR"
    as_pg "$PG_BIN/initdb" -D "$PRIMARY_DIR" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth=trust --no-sync >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    write_hba "$PRIMARY_DIR"
  fi
  start_server "$PRIMARY_DIR" "$PRIMARY_PORT" primary
}

up_replica() {
  prepare_dirs
  if [[ ! -f "$REPLICA_DIR/PG_VERSION" ]]; then
    is_running "$PRIMARY_DIR" || die "primary must run to create the replica (scripts/pg.sh up-primary)"
    log "pg_basebackup from 127.0.0.1:$PRIMARY_PORT into $REPLICA_DIR"
    rm -rf "$REPLICA_DIR"
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DIR" \
      -R -X stream -c fast --no-sync >&2 || { rm -rf "$REPLICA_DIR"; die "pg_basebackup failed"; }
  fi
  start_server "$REPLICA_DIR" "$REPLICA_PORT" replica
  wait_replica
}

# Waits until the replica is a hot standby that has replayed everything the primary has written.
wait_replica() {
  local deadline=$((SECONDS + CATCHUP_TIMEOUT)) target="" rec ok
  while ((SECONDS < deadline)); do
    rec="$(psql_at "$REPLICA_PORT" "select pg_is_in_recovery()" 2>/dev/null || true)"
    if [[ "$rec" == f ]]; then
      die "server on port $REPLICA_PORT is not in recovery (promoted?); purge it: scripts/pg.sh down --purge"
    fi
    if [[ "$rec" == t ]]; then
      if ! is_running "$PRIMARY_DIR"; then
        log "replica is a hot standby (primary not running: not waiting for catch-up)"
        return 0
      fi
      [[ -n "$target" ]] || target="$(psql_at "$PRIMARY_PORT" "select pg_current_wal_lsn()" 2>/dev/null || true)"
      if [[ -n "$target" ]]; then
        ok="$(psql_at "$REPLICA_PORT" "select coalesce(pg_last_wal_replay_lsn() >= '$target'::pg_lsn, false)" 2>/dev/null || true)"
        if [[ "$ok" == t ]]; then
          log "replica caught up (primary lsn $target)"
          return 0
        fi
      fi
    fi
    sleep 0.2
  done
  tail -n 20 "$PG_DIR/replica.log" >&2 || true
  die "replica did not catch up within ${CATCHUP_TIMEOUT}s"
}

status() {
  local rc=0 role dir port
  for role in primary replica; do
    if [[ $role == primary ]]; then dir="$PRIMARY_DIR" port="$PRIMARY_PORT"; else dir="$REPLICA_DIR" port="$REPLICA_PORT"; fi
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      echo "$role: not initialised ($dir)"; rc=1
    elif is_running "$dir"; then
      echo "$role: running (pid $(postmaster_pid "$dir"), 127.0.0.1:$port)"
    else
      echo "$role: stopped ($dir)"; rc=1
    fi
  done
  return "$rc"
}

# Serialise concurrent invocations on the same PG_DIR (e.g. parallel test workers).
lock() {
  mkdir -p "$PG_DIR"
  exec 9>"$PG_DIR/.lock"
  flock -w 300 9 || die "timed out waiting for the lock on $PG_DIR"
}

cmd="${1:-}"
[[ -n "$cmd" ]] || usage
shift
case "$cmd" in
  up)
    lock
    up_primary
    up_replica
    print_urls
    ;;
  up-primary) lock; up_primary ;;
  up-replica) lock; up_replica ;;
  stop-primary) lock; stop_server "$PRIMARY_DIR" primary "${1:-fast}" ;;
  stop-replica) lock; stop_server "$REPLICA_DIR" replica "${1:-fast}" ;;
  down)
    if [[ ! -d "$PG_DIR" ]]; then log "nothing at $PG_DIR"; exit 0; fi
    lock
    stop_server "$REPLICA_DIR" replica fast
    stop_server "$PRIMARY_DIR" primary fast
    if [[ "${1:-}" == --purge ]]; then
      log "removing $PG_DIR"
      rm -rf "$PG_DIR"
      [[ "$SOCK_DIR" == "$PG_DIR/sock" ]] || rm -rf "$SOCK_DIR"
    fi
    ;;
  status) status ;;
  urls) print_urls ;;
  *) usage ;;
esac
