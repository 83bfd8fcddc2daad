#!/usr/bin/env bash
# Installs the Debian packages that tests and benchmarks need (only the missing ones; apt-get
# update only when something must be installed), then pgvector. Idempotent; run as root.
#   nghttp2-client (h2load), docker.io (dockerd), busybox-static (test image), curl, procps,
#   docker-compose (runs docker-compose.yml), docker-registry (a real image registry on loopback,
#   scripts/registry.sh), apache2-utils (its htpasswd, for the basic-auth registry) and debootstrap
#   (builds the compose base image where no registry can be pulled from: scripts/compose/base-image.sh)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PACKAGES=(nghttp2-client docker.io busybox-static curl procps docker-compose docker-registry apache2-utils debootstrap)
export DEBIAN_FRONTEND=noninteractive

log() { echo "[install-deps] $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || { log "need root to install: ${missing[*]}"; exit 1; }
  out="$(mktemp /tmp/install-deps.XXXXXX.log)"
  start=$SECONDS
  log "installing ${missing[*]}"
  if ! { apt-get update >"$out" 2>&1 && apt-get install -y --no-install-recommends "${missing[@]}" >>"$out" 2>&1; }; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    log "apt-get failed"
    exit 1
  fi
  rm -f "$out"
  log "installed in $((SECONDS - start)) s"
else
  log "Debian packages present"
fi

"$REPO/scripts/install-pgvector.sh"
