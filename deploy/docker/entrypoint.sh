#!/bin/sh
# Entrypoint of the waarp-gateway image. The daemon's commands get the image's configuration file:
#   server  ->  waarp-gatewayd server -c $WAARP_GATEWAY_CONFIG [-i $WAARP_GATEWAY_NODE_ID]
#   import -s FILE, export, restore-history, export-history, migrate, version
#     ->  waarp-gatewayd COMMAND -c $WAARP_GATEWAY_CONFIG ...
# Anything else runs as given (e.g. `waarp-gateway ...` or `sh`).
# exec: the daemon is PID 1 and receives SIGTERM itself, to drain.
set -eu
config=${WAARP_GATEWAY_CONFIG:-/etc/waarp-gateway/gatewayd.ini}
[ "$#" -gt 0 ] || set -- server

# has_opt SHORT LONG ARGS...: whether ARGS already give that option.
has_opt() {
  short=$1 long=$2
  shift 2
  for arg in "$@"; do
    case "$arg" in "$short" | "$short"?* | "$long" | "$long"=*) return 0 ;; esac
  done
  return 1
}

case "$1" in
  server)
    shift
    if ! has_opt -c --config "$@"; then set -- -c "$config" "$@"; fi
    if [ -n "${WAARP_GATEWAY_NODE_ID:-}" ] && ! has_opt -i --instance "$@"; then
      set -- "$@" -i "$WAARP_GATEWAY_NODE_ID"
    fi
    exec waarp-gatewayd server "$@"
    ;;
  import | migrate | export | restore-history | export-history)
    cmd=$1
    shift
    if ! has_opt -c --config "$@"; then set -- -c "$config" "$@"; fi
    exec waarp-gatewayd "$cmd" "$@"
    ;;
  version | --version)
    exec waarp-gatewayd version
    ;;
  *)
    exec "$@"
    ;;
esac
