#!/usr/bin/env bash
# A private Docker engine for tests: dockerd with its own data/exec roots and socket, no bridge,
# no iptables (containers use the host network), vfs storage.
#
#   scripts/docker-engine.sh up | down [--purge] | status | env
#
# Env: DOCKER_DIR (default <repo>/.data/docker), DOCKERD_START_TIMEOUT (60),
#      DOCKER_STORAGE_DRIVER (vfs; overlay2 is faster for big images where the kernel allows it).
# `up` and `env` print on stdout exactly one line: DOCKER_HOST=unix://<socket>
# Progress goes to stderr. Never creates Docker networks.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
D="$(realpath -m "${DOCKER_DIR:-$REPO/.data/docker}")"
HASH="$(printf '%s' "$D" | md5sum | cut -c1-10)"
SOCK="$D/docker.sock"
# unix socket paths must fit in 107 bytes
((${#SOCK} <= 100)) || SOCK="/tmp/autoserve-docker-$HASH/docker.sock"
# containerd and libnetwork put sockets under exec-root: keep it short.
EXEC_ROOT="$D/exec"
((${#EXEC_ROOT} <= 40)) || EXEC_ROOT="/tmp/autoserve-docker-$HASH/exec"
PIDFILE="$D/pid"
LOGFILE="$D/dockerd.log"
TIMEOUT="${DOCKERD_START_TIMEOUT:-60}"
STORAGE_DRIVER="${DOCKER_STORAGE_DRIVER:-vfs}"
export DOCKER_HOST="unix://$SOCK"

log() { echo "[docker-engine] $*" >&2; }
die() { log "error: $*"; exit 1; }

docker_cli() {
  # Prefer the Debian client that matches dockerd; any docker client works with API negotiation.
  if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi
}

answering() { docker_cli -H "unix://$SOCK" info >/dev/null 2>&1; }

pid_alive() { # a live (non-zombie) process
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

dockerd_pid() { head -n1 "$PIDFILE" 2>/dev/null || true; }

apt_install() {
  log "installing $*"
  local out
  out="$(mktemp /tmp/docker-engine-apt.XXXXXX.log)"
  if ! { apt-get update >"$out" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$out" 2>&1; }; then
    tail -n 40 "$out" >&2; rm -f "$out"; die "apt-get install $* failed"
  fi
  rm -f "$out"
}

ensure_packages() {
  local need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need+=(busybox-static)
  if ((${#need[@]})); then
    [[ $(id -u) -eq 0 ]] || die "need root to install ${need[*]}"
    apt_install "${need[@]}"
  fi
}

up() {
  ensure_packages
  if answering; then
    log "dockerd already answering on $SOCK"
    echo "DOCKER_HOST=unix://$SOCK"
    return 0
  fi
  mkdir -p "$D/data" "$EXEC_ROOT" "$(dirname "$SOCK")"
  local pid
  pid="$(dockerd_pid)"
  if pid_alive "$pid"; then
    log "dockerd (pid $pid) runs but does not answer yet; waiting"
  else
    [[ -z "$pid" ]] || { log "removing stale pidfile (pid $pid is gone)"; rm -f "$PIDFILE"; }
    # After a kill -9 of dockerd its containerd dies too (parent-death signal) but can linger as
    # a zombie, which dockerd takes for a running containerd and then waits for in vain.
    local cpidf="$EXEC_ROOT/containerd/containerd.pid"
    if [[ -f "$cpidf" ]] && ! pid_alive "$(head -n1 "$cpidf" 2>/dev/null || true)"; then
      rm -f "$cpidf"
    fi
    rm -f "$SOCK"
    log "starting dockerd (data $D/data, log $LOGFILE)"
    # setsid: dockerd must outlive the calling shell / test runner's process group.
    setsid dockerd \
      --data-root "$D/data" --exec-root "$EXEC_ROOT" --pidfile "$PIDFILE" \
      -H "unix://$SOCK" --storage-driver="$STORAGE_DRIVER" --bridge=none --iptables=false --ip6tables=false \
      </dev/null >>"$LOGFILE" 2>&1 &
    pid=$!
  fi
  local deadline=$((SECONDS + TIMEOUT))
  while ! answering; do
    [[ -s "$PIDFILE" ]] && pid="$(dockerd_pid)"
    if ! pid_alive "$pid"; then
      tail -n 30 "$LOGFILE" >&2
      die "dockerd exited; see $LOGFILE"
    fi
    ((SECONDS < deadline)) || { tail -n 30 "$LOGFILE" >&2; die "dockerd did not answer within ${TIMEOUT}s"; }
    sleep 0.2
  done
  log "dockerd up (pid $pid)"
  echo "DOCKER_HOST=unix://$SOCK"
}

down() {
  local pid i cpid
  pid="$(dockerd_pid)"
  # dockerd's own containerd: stop it too if dockerd dies without taking it down.
  cpid="$(head -n1 "$EXEC_ROOT/containerd/containerd.pid" 2>/dev/null || true)"
  if ! pid_alive "$pid"; then
    log "dockerd not running"
  else
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      pid_alive "$pid" || break
      sleep 0.2
    done
    if pid_alive "$pid"; then
      log "dockerd still running after 30 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  if pid_alive "$cpid" && tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q containerd; then
    log "stopping leftover containerd (pid $cpid)"
    kill -TERM "$cpid" 2>/dev/null || true
    sleep 1
    pid_alive "$cpid" && kill -KILL "$cpid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
  unmount_leftovers
  if [[ "${1:-}" == --purge ]]; then
    log "removing $D"
    rm -rf "$D" "/tmp/autoserve-docker-$HASH"
  fi
}

# dockerd leaves mounts behind (exec-root/netns/default, the data-root bind mount): unmount them
# once it is gone so the directories can be removed.
unmount_leftovers() {
  local m
  awk -v d="$D" -v e="$EXEC_ROOT" '
    $5 == d || index($5, d "/") == 1 || index($5, e "/") == 1 { print $5 }' /proc/self/mountinfo |
    sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
    done
}

status() {
  if answering; then
    echo "dockerd: running (pid $(dockerd_pid), DOCKER_HOST=unix://$SOCK)"
  else
    echo "dockerd: not answering on $SOCK"
    return 1
  fi
}

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  env) echo "DOCKER_HOST=unix://$SOCK" ;;
  *)
    echo "usage: scripts/docker-engine.sh up | down [--purge] | status | env   (env: DOCKER_DIR)" >&2
    exit 2
    ;;
esac
