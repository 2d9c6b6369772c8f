#!/bin/sh
# The subset of the official mariadb image's healthcheck.sh the compose file uses:
# --connect (a TCP login works) and --innodb_initialized (InnoDB answers). Any flag = both.
set -e
# Not initialised yet (the entrypoint writes the file last): unhealthy, quietly.
[ -r /var/lib/mysql/.my-healthcheck.cnf ] || exit 1
exec mariadb --defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf --connect-timeout=2 -N -B \
  -e "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT')" \
  | grep -qx 1
