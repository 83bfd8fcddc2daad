#!/usr/bin/env bash
# Builds the local test images with `docker import` (no registry is reachable):
#   autoserve/busybox:test    busybox-static + /www (index.html, healthz); default command runs
#                             `httpd -f -p 127.0.0.1:$PORT -h /www` (ENV PORT=8080) under a shell
#                             that stops it on SIGTERM (httpd as PID 1 would ignore it)
#   autoserve/node-http:test  the host's node binary + the libraries ldd lists + /app/server.js
#                             (scripts/test-app/server.js); CMD /usr/local/bin/node /app/server.js
# An image is rebuilt only when its inputs changed (label autoserve.hash). Uses DOCKER_HOST when
# set, otherwise starts the engine with scripts/docker-engine.sh up.
#   scripts/test-images.sh [--force]
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUSYBOX_IMAGE=autoserve/busybox:test
NODE_IMAGE=autoserve/node-http:test
FORCE=0
[[ "${1:-}" == --force ]] && FORCE=1

log() { echo "[test-images] $*" >&2; }
die() { log "error: $*"; exit 1; }
docker_cli() { if [[ -x /usr/bin/docker ]]; then /usr/bin/docker "$@"; else docker "$@"; fi; }

if [[ -z "${DOCKER_HOST:-}" ]]; then
  eval "$("$REPO/scripts/docker-engine.sh" up)"
  export DOCKER_HOST
fi

work="$(mktemp -d /tmp/autoserve-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

current_hash() { docker_cli image inspect -f '{{ index .Config.Labels "autoserve.hash" }}' "$1" 2>/dev/null || true; }

# import <image> <rootfs dir> <hash> <--change args...>
import_rootfs() {
  local image="$1" root="$2" hash="$3" start=$SECONDS old
  shift 3
  old="$(docker_cli image inspect -f '{{ .Id }}' "$image" 2>/dev/null || true)"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf - . |
    docker_cli import --change "LABEL autoserve.hash=$hash" "$@" - "$image" >/dev/null
  # Drop the replaced image (fails harmlessly while a container still uses it).
  [[ -z "$old" ]] || docker_cli rmi "$old" >/dev/null 2>&1 || true
  log "imported $image ($(docker_cli image inspect -f '{{ .Size }}' "$image" | awk '{ printf "%.1f MB", $1 / 1e6 }'), $((SECONDS - start)) s)"
}

build_busybox() {
  local bb=/bin/busybox hash root="$work/busybox"
  [[ -x "$bb" ]] && "$bb" --list >/dev/null 2>&1 || die "$bb missing: apt-get install busybox-static"
  hash="$( { sha256sum "$bb"; echo v2; } | sha256sum | cut -c1-16)"
  if ((FORCE == 0)) && [[ "$(current_hash "$BUSYBOX_IMAGE")" == "$hash" ]]; then
    log "$BUSYBOX_IMAGE up to date"
    return 0
  fi
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$bb" "$root/bin/busybox"
  local applet
  for applet in $("$bb" --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  printf '<!doctype html><title>autoserve</title><p>autoserve busybox test image</p>\n' >"$root/www/index.html"
  printf 'ok' >"$root/www/healthz"
  import_rootfs "$BUSYBOX_IMAGE" "$root" "$hash" \
    --change 'ENV PORT=8080' \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh", "-c", "trap \"kill \\$p; wait \\$p; exit 0\" TERM INT; httpd -f -p 127.0.0.1:${PORT} -h /www & p=$!; wait $p"]'
}

build_node() {
  local node hash root="$work/node" lib
  node="$(realpath "$(command -v node)")"
  [[ -x "$node" ]] || die "node not found"
  local app="$REPO/scripts/test-app/server.js"
  [[ -f "$app" ]] || die "$app missing"
  hash="$( { sha256sum "$node" "$app"; echo v1; } | sha256sum | cut -c1-16)"
  if ((FORCE == 0)) && [[ "$(current_hash "$NODE_IMAGE")" == "$hash" ]]; then
    log "$NODE_IMAGE up to date"
    return 0
  fi
  mkdir -p "$root/usr/local/bin" "$root/app" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$node" "$root/usr/local/bin/node"
  # Every library ldd lists (absolute paths, incl. the dynamic loader), copied as files at the
  # same paths.
  for lib in $(ldd "$node" | grep -oE '/[^ ]+' | sort -u); do
    cp -L --parents "$lib" "$root/"
  done
  cp "$app" "$root/app/server.js"
  printf '{ "type": "module", "private": true }\n' >"$root/app/package.json"
  echo 'root:x:0:0:root:/:/bin/false' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  import_rootfs "$NODE_IMAGE" "$root" "$hash" \
    --change 'ENV PORT=8080' \
    --change 'WORKDIR /app' \
    --change 'CMD ["/usr/local/bin/node", "/app/server.js"]'
}

build_busybox
build_node
