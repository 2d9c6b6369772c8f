#!/bin/sh
# As the official haproxy image's entrypoint: options only -> haproxy with them; plain `haproxy`
# runs in the foreground as master-worker (-W -db) so it stays PID 1 and reloads on SIGUSR2.
set -e
if [ "${1#-}" != "$1" ]; then set -- haproxy "$@"; fi
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
