#!/usr/bin/env bash
# Installs the pgvector extension into the local PostgreSQL 15 (Debian bookworm).
# pgvector is not packaged for bookworm; its source package is in trixie, so we add a
# trixie *deb-src* source only (no binary indexes, so apt never installs trixie binaries),
# download the source and build it against postgresql-server-dev-15. Idempotent.
set -euo pipefail

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
CONTROL="$("$PG_CONFIG" --sharedir 2>/dev/null || echo /usr/share/postgresql/15)/extension/vector.control"
SRC_LIST=/etc/apt/sources.list.d/autoserve-trixie-src.sources

log() { echo "[install-pgvector] $*" >&2; }
# Run a noisy command with its output in a log file; show the log only when it fails.
quiet() {
  local out
  out="$(mktemp /tmp/install-pgvector.XXXXXX.log)"
  if ! "$@" >"$out" 2>&1; then
    log "failed: $*"; tail -n 40 "$out" >&2; rm -f "$out"; return 1
  fi
  rm -f "$out"
}

if [[ -f "$CONTROL" ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  log "must run as root to install pgvector"; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$SECONDS

if [[ ! -f "$SRC_LIST" ]]; then
  log "adding deb-src source for trixie ($SRC_LIST)"
  cat >"$SRC_LIST" <<'SRC'
# Source packages only (pgvector is built from trixie's source package). No binaries from trixie.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

log "apt-get update"
quiet apt-get update

need=()
dpkg-query -W -f='${Status}' postgresql-server-dev-15 2>/dev/null | grep -q 'ok installed' || need+=(postgresql-server-dev-15)
dpkg-query -W -f='${Status}' build-essential 2>/dev/null | grep -q 'ok installed' || need+=(build-essential)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  quiet apt-get install -y --no-install-recommends "${need[@]}"
fi

work="$(mktemp -d /tmp/pgvector-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # lets apt's _apt user download into it (no "unsandboxed" warning)
cd "$work"
log "downloading pgvector source"
quiet apt-get source --download-only pgvector
orig="$(ls pgvector_*.orig.tar.* | head -n1)"
tar xf "$orig"
srcdir="$(find . -mindepth 1 -maxdepth 1 -type d -name 'pgvector*' | head -n1)"
[[ -n "$srcdir" ]] || { log "no source dir in $orig"; exit 1; }
cd "$srcdir"
log "building $(basename "$srcdir")"
quiet make -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
quiet make install PG_CONFIG="$PG_CONFIG"

if [[ ! -f "$CONTROL" ]]; then
  log "vector.control missing after install"; exit 1
fi
log "installed pgvector $(grep default_version "$CONTROL" | cut -d"'" -f2) in $((SECONDS - start)) s"
