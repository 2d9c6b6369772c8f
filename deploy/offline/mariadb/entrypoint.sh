#!/bin/bash
# Entrypoint of the offline MariaDB image: on an empty data directory, initialise it from the
# official image's variables, then run mariadbd (as user mysql) as PID 1.
set -euo pipefail

log() { printf '%s [Entrypoint]: %s\n' "$(date -u +%FT%TZ)" "$*"; }
die() { log "error: $*" >&2; exit 1; }

# MARIADB_X, else MYSQL_X, else the default; MARIADB_X_FILE or MYSQL_X_FILE name a file holding
# the value (Docker secrets), as in the official image.
var() {
  local m="MARIADB_$1" y="MYSQL_$1" mf="MARIADB_$1_FILE" yf="MYSQL_$1_FILE"
  local file="${!mf:-${!yf:-}}"
  if [ -n "$file" ]; then
    [ -r "$file" ] || die "$mf/$yf: cannot read $file"
    cat "$file"
    return
  fi
  printf '%s' "${!m:-${!y:-${2:-}}}"
}

# SQL string literal.
sql_quote() { printf "'%s'" "$(printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/''/g")"; }

if [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
if [ "$1" != mariadbd ] && [ "$1" != mysqld ]; then exec "$@"; fi
shift

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$datadir"

if [ ! -d "$datadir/mysql" ]; then
  root_password=$(var ROOT_PASSWORD)
  if [ -z "$root_password" ]; then
    if [ -n "$(var RANDOM_ROOT_PASSWORD)" ]; then
      root_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
      log "GENERATED ROOT PASSWORD: $root_password"
    elif [ -z "$(var ALLOW_EMPTY_ROOT_PASSWORD)" ]; then
      die 'database is uninitialized and no root password option is given: set MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD or MARIADB_RANDOM_ROOT_PASSWORD'
    fi
  fi
  database=$(var DATABASE)
  user=$(var USER)
  password=$(var PASSWORD)
  if [ -n "$user" ] && [ -z "$password" ]; then die 'MARIADB_USER needs MARIADB_PASSWORD'; fi
  if [ "$user" = root ]; then die 'MARIADB_USER=root is not allowed: use MARIADB_ROOT_PASSWORD'; fi

  log 'initializing the database'
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket="$socket" &
  pid=$!
  for _ in $(seq 1 60); do
    if mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1; then break; fi
    kill -0 "$pid" 2>/dev/null || die 'the temporary server died during initialization'
    sleep 0.5
  done

  health_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.user WHERE user NOT IN ('mysql.sys', 'mariadb.sys', 'root', 'mysql') OR host NOT IN ('localhost');"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_quote "$root_password");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_quote "$root_password");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "CREATE USER 'healthcheck'@'127.0.0.1' IDENTIFIED BY $(sql_quote "$health_password");"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY $(sql_quote "$health_password");"
    if [ -n "$database" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"
    fi
    if [ -n "$user" ]; then
      echo "CREATE USER $(sql_quote "$user")@'%' IDENTIFIED BY $(sql_quote "$password");"
      if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO $(sql_quote "$user")@'%';"; fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot
  printf '[mariadb-client]\nuser=healthcheck\npassword=%s\nprotocol=tcp\nhost=127.0.0.1\nport=3306\n' \
    "$health_password" >"$datadir/.my-healthcheck.cnf"
  chown mysql:mysql "$datadir/.my-healthcheck.cnf"
  chmod 0600 "$datadir/.my-healthcheck.cnf"

  # SIGTERM is mariadbd's clean shutdown (no root password to pass around).
  kill "$pid"
  wait "$pid" || true
  log 'initialization done'
fi

exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" "$@"
