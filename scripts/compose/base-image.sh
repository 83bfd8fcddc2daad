#!/usr/bin/env bash
# Makes sure the Debian bookworm base image the Dockerfiles start FROM exists in the engine
# ($DOCKER_HOST). Where a registry answers it is pulled; where none does (offline machines, this
# CI) a minimal bookworm root filesystem is built with debootstrap and imported under the same
# tag, so the Dockerfiles never change. The rootfs tarball is cached under .data/cache so a
# purged engine re-imports in seconds instead of re-running debootstrap (~2 min).
#
#   scripts/compose/base-image.sh            ensure BASE_IMAGE exists (default debian:bookworm-slim)
#
# Env: BASE_IMAGE, COMPOSE_BASE_PULL (1 = try docker pull first; default 1),
#      DEBIAN_MIRROR (default: the first deb.debian.org-style URI in apt's sources, else
#      http://deb.debian.org/debian), COMPOSE_CACHE_DIR (default <repo>/.data/cache).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE_IMAGE="${BASE_IMAGE:-debian:bookworm-slim}"
CACHE="${COMPOSE_CACHE_DIR:-$REPO/.data/cache}"
TARBALL="$CACHE/bookworm-minbase.tar"

log() { echo "[base-image] $*" >&2; }
die() { log "error: $*"; exit 1; }

docker_cli() { if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

mirror() {
  if [[ -n "${DEBIAN_MIRROR:-}" ]]; then echo "$DEBIAN_MIRROR"; return; fi
  local uri
  uri="$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?' | head -n1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

if docker_cli image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "$BASE_IMAGE present"
  exit 0
fi

if [[ "${COMPOSE_BASE_PULL:-1}" == 1 ]] && timeout 60 docker_cli pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  log "pulled $BASE_IMAGE"
  exit 0
fi

if [[ ! -s "$TARBALL" ]]; then
  command -v debootstrap >/dev/null 2>&1 || die "no registry answers and debootstrap is missing: run scripts/install-deps.sh (as root)"
  [[ $(id -u) -eq 0 ]] || die "debootstrap needs root"
  mkdir -p "$CACHE"
  root="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  start=$SECONDS
  log "no registry: debootstrap --variant=minbase bookworm from $(mirror) (~2 min)"
  out="$CACHE/debootstrap.log"
  if ! debootstrap --variant=minbase bookworm "$root" "$(mirror)" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    die "debootstrap failed (log $out)"
  fi
  # What the slim image also does: no caches or docs in the layer, apt lists fetched on demand.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*
  tar -C "$root" -c . >"$TARBALL.tmp"
  mv "$TARBALL.tmp" "$TARBALL"
  log "root filesystem built in $((SECONDS - start)) s ($TARBALL)"
fi
start=$SECONDS
docker_cli import -c 'CMD ["bash"]' "$TARBALL" "$BASE_IMAGE" >/dev/null
log "imported $BASE_IMAGE in $((SECONDS - start)) s"
