#!/usr/bin/env bash
# A real image registry on loopback for tests and the demo: Debian's docker-registry (Docker
# Distribution 2.8) with a config of a few lines, on 127.0.0.1 only, storing under its own dir.
#
#   scripts/registry.sh up | down [--purge] | status
#
# Env: REGISTRY_PORT (required), REGISTRY_DIR (default <repo>/.data/registry-<port>),
#      REGISTRY_USER + REGISTRY_PASSWORD: require basic auth (htpasswd, bcrypt; the password is
#      read from the environment and handed to htpasswd on stdin, never on a command line).
# `up` prints on stdout exactly one line: REGISTRY=127.0.0.1:<port>. The registry logs every
# request to <dir>/registry.log (tests count pulls there). The engine of scripts/docker-engine.sh
# pushes to and pulls from it without TLS: loopback registries are insecure-allowed by default.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${REGISTRY_PORT:?REGISTRY_PORT is required}"
[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT >= 1024 && PORT <= 65535)) || { echo "REGISTRY_PORT: 1024..65535" >&2; exit 2; }
D="$(realpath -m "${REGISTRY_DIR:-$REPO/.data/registry-$PORT}")"
PIDFILE="$D/pid"
LOGFILE="$D/registry.log"
ADDR="127.0.0.1:$PORT"

log() { echo "[registry] $*" >&2; }
die() { log "error: $*"; exit 1; }

pid_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Any HTTP answer on /v2/ (200, or 401 with auth) means it serves.
answering() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ADDR/v2/" 2>/dev/null || true)"
  [[ "$code" == 200 || "$code" == 401 ]]
}

ensure_packages() {
  local need=()
  command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
  command -v curl >/dev/null 2>&1 || need+=(curl)
  ((${#need[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || die "need root to install ${need[*]}"
  log "installing ${need[*]}"
  local out
  out="$(mktemp /tmp/registry-apt.XXXXXX.log)"
  if ! { apt-get update >"$out" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >>"$out" 2>&1; }; then
    tail -n 40 "$out" >&2; rm -f "$out"; die "apt-get install ${need[*]} failed"
  fi
  rm -f "$out"
}

up() {
  ensure_packages
  local pid
  pid="$(head -n1 "$PIDFILE" 2>/dev/null || true)"
  if pid_alive "$pid" && answering; then
    log "already serving on $ADDR (pid $pid)"
    echo "REGISTRY=$ADDR"
    return 0
  fi
  mkdir -p "$D/data"
  local auth=""
  if [[ -n "${REGISTRY_USER:-}" ]]; then
    [[ -n "${REGISTRY_PASSWORD:-}" ]] || die "REGISTRY_USER needs REGISTRY_PASSWORD"
    printf '%s' "$REGISTRY_PASSWORD" | htpasswd -iBc "$D/htpasswd" "$REGISTRY_USER" 2>/dev/null
    auth="auth:
  htpasswd:
    realm: autoserve-test
    path: $D/htpasswd"
  else
    rm -f "$D/htpasswd"
  fi
  cat >"$D/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $D/data
  delete:
    enabled: true
http:
  addr: $ADDR
$auth
YAML
  log "starting docker-registry on $ADDR (dir $D, log $LOGFILE${auth:+, basic auth})"
  # setsid: the registry outlives the calling shell / test runner's process group.
  setsid docker-registry serve "$D/config.yml" </dev/null >>"$LOGFILE" 2>&1 &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local deadline=$((SECONDS + 20))
  until answering; do
    pid_alive "$pid" || { tail -n 20 "$LOGFILE" >&2; die "docker-registry exited; see $LOGFILE"; }
    ((SECONDS < deadline)) || { kill "$pid" 2>/dev/null || true; die "no answer on $ADDR within 20 s"; }
    sleep 0.1
  done
  echo "REGISTRY=$ADDR"
}

down() {
  local pid i
  pid="$(head -n1 "$PIDFILE" 2>/dev/null || true)"
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
  if [[ "${1:-}" == --purge ]]; then rm -rf "$D"; fi
}

status() {
  if answering; then echo "registry: serving on $ADDR"; else echo "registry: not answering on $ADDR"; return 1; fi
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  *) echo "usage: REGISTRY_PORT=<port> scripts/registry.sh up | down [--purge] | status" >&2; exit 2 ;;
esac
