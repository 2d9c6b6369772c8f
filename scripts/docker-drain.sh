#!/usr/bin/env bash
# Restarts one node of the compose bundle without cutting its running transfers:
#
#   scripts/docker-drain.sh node2 [--env-file deploy/offline/images.env]
#
# Why: a draining node closes its SSH listener, HAProxy's banner check then marks it DOWN and
# `on-marked-down shutdown-sessions` resets its sessions within ~3 s, long before [cluster]
# DrainGrace ends. So HAProxy is told first, through its runtime API: the node's servers go to
# DRAIN (no new sessions, running ones kept) with health checks off (a failing check would mark
# them DOWN). Then the node gets SIGTERM and drains; once it is back and healthy, checks and
# traffic are restored. Needs socat in the HAProxy image (the offline image has it).
set -euo pipefail

node=${1:?usage: scripts/docker-drain.sh NODE [docker compose options...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
compose=(docker compose --project-directory "$root" -f "$root/compose.yaml" "$@")
socket=/var/lib/haproxy/admin.sock

say() { printf 'docker-drain: %s\n' "$*" >&2; }
lb() { "${compose[@]}" exec -T haproxy sh -c "printf '%s\n' \"\$1\" | socat - $socket" sh "$1"; }

backends=$(lb 'show stat' | awk -F, -v n="$node" '$2 == n && $1 ~ /^be_/ { print $1 }' | sort -u)
[ -n "$backends" ] || { say "no HAProxy server named $node"; exit 1; }

for b in $backends; do lb "set server $b/$node state drain" >/dev/null; lb "disable health $b/$node" >/dev/null; done
say "$node drained in HAProxy ($(echo $backends | tr '\n' ' ')); stopping it (running transfers finish first)"
start=$SECONDS
"${compose[@]}" stop "$node"
say "$node stopped after $((SECONDS - start)) s; starting it again"
"${compose[@]}" up -d --wait --no-deps "$node"
for b in $backends; do lb "enable health $b/$node" >/dev/null; lb "set server $b/$node state ready" >/dev/null; done
say "$node is back in HAProxy"
