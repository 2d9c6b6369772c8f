#!/bin/sh
# Entrypoint of the partner image: creates the SFTP user, installs the host key and the
# authorized keys from /etc/partner (copied, so their mode is right whatever the mount's), writes
# the SFTP subsystem (rate cap and request log) and the sshd configuration, then runs the command
# (sshd in the foreground, logging to stderr).
set -eu

user=${PARTNER_USER:-partner}
uid=${PARTNER_UID:-1000}
rate=${PARTNER_RATE:-}

if ! id "$user" >/dev/null 2>&1; then
  useradd --uid "$uid" --home-dir /data --no-create-home --shell /bin/sh "$user"
fi
# A locked account (no password at all) may not log in even with a key: an unusable one instead.
usermod -p '*' "$user"
chown "$user" /data
touch /var/log/partner/sftp.log
chown "$user" /var/log/partner/sftp.log

if [ -r /etc/partner/ssh_host_ed25519_key ]; then
  install -m 0600 /etc/partner/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
  ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key >/etc/ssh/ssh_host_ed25519_key.pub
elif [ ! -e /etc/ssh/ssh_host_ed25519_key ]; then
  ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi
printf 'partner host key: %s\n' "$(cat /etc/ssh/ssh_host_ed25519_key.pub)"

mkdir -p /etc/ssh/authorized_keys
if [ -r /etc/partner/authorized_keys ]; then
  install -m 0644 /etc/partner/authorized_keys "/etc/ssh/authorized_keys/$user"
fi

# The SFTP subsystem: OpenSSH's sftp-server, logging every request, behind pv when capped
# (pv throttles what the client sends; the answers go back directly).
{
  echo '#!/bin/sh'
  if [ -n "$rate" ]; then
    echo "pv -q -L '$rate' | /usr/lib/openssh/sftp-server -e -l INFO 2>>/var/log/partner/sftp.log"
  else
    echo 'exec /usr/lib/openssh/sftp-server -e -l INFO 2>>/var/log/partner/sftp.log'
  fi
} >/usr/local/bin/partner-sftp-server
chmod 0755 /usr/local/bin/partner-sftp-server

cat >/etc/ssh/sshd_config <<CONF
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/authorized_keys/%u
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
UsePAM no
AllowUsers $user
Subsystem sftp /usr/local/bin/partner-sftp-server
LogLevel INFO
# OpenSSH's default (10:30:100) drops connections beyond 10 in the middle of their handshake:
# three gateway nodes starting planned transfers together open more than that at once.
MaxStartups 200
CONF

exec "$@"
