#!/usr/bin/env bash
# Installs and starts a Docker engine with Compose v2 on a Debian 12 (bookworm) machine, using
# only the machine's own Debian mirror. Idempotent: every step is skipped when already done.
#
#   sudo deploy/offline/install-docker.sh          # install, start dockerd, wait for it
#
# - docker.io (dockerd 20.10) and debootstrap come from bookworm (deploy/offline/build-images.sh
#   needs debootstrap to make base images, as no registry can be reached).
# - Compose v2 is not in bookworm (its docker-compose is the Python v1): Debian trixie's
#   docker-compose 2.26.1 package depends only on libc6 >= 2.34 and installs cleanly on bookworm.
#   It is downloaded from the mirror the machine already uses (read from its apt sources, never
#   written down here) and installed with dpkg.
# - dockerd is not started by the package on a machine without systemd: it is started in the
#   background (log: $DOCKERD_LOG) and we wait for its socket. Stop it with: kill "$(cat /var/run/docker.pid)"
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
COMPOSE_DEB=pool/main/d/docker-compose/docker-compose_2.26.1-4_amd64.deb

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=deploy/offline/lib.sh
. "$here/lib.sh"

say() { printf 'install-docker: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts dockerd)"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
dpkg -s ca-certificates >/dev/null 2>&1 || missing+=(ca-certificates)
# iptables and friends are recommends of docker.io that dockerd's bridge networking needs.
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

if ! docker compose version >/dev/null 2>&1; then
  mirror=$(debian_mirror) || die "cannot download Compose without a Debian mirror"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "installing Compose v2 (trixie's docker-compose 2.26.1) from the machine's Debian mirror"
  curl -fsSL --retry 3 -o "$tmp/docker-compose.deb" "$mirror/$COMPOSE_DEB"
  dpkg -i "$tmp/docker-compose.deb" >/dev/null
  docker compose version >/dev/null 2>&1 || die "docker compose still missing after installing the package"
fi

if docker info >/dev/null 2>&1; then
  say "dockerd already running"
else
  if [ -S /var/run/docker.sock ] || [ -e /var/run/docker.pid ]; then
    pid=$(cat /var/run/docker.pid 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      say "dockerd (pid $pid) is starting; waiting for it"
    else
      rm -f /var/run/docker.sock /var/run/docker.pid
    fi
  fi
  if ! [ -e /var/run/docker.pid ]; then
    say "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid: dockerd must outlive this script and its caller's process group.
    setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || { tail -n 30 "$DOCKERD_LOG" >&2 || true; die "dockerd did not answer within 60 s"; }
fi

say "ready: $(docker version --format 'engine {{.Server.Version}}' 2>/dev/null), $(docker compose version --short 2>/dev/null | sed 's/^/compose /')"
