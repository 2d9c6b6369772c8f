# Shared by install-docker.sh and build-images.sh (sourced, not run).

# The URI of the main Debian archive in this machine's apt sources (deb822 or one-line format).
# Read at run time: no mirror or registry name is ever written in the repository.
debian_mirror() {
  local uri=''
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '
      /^URIs:/ { u = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) s = 1 }
      /^[[:space:]]*$/ { if (u != "" && s) { print u; exit } u = ""; s = 0 }
      END { if (u != "" && s) print u }' /etc/apt/sources.list.d/debian.sources | head -n1)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }' \
      /etc/apt/sources.list | head -n1)
  fi
  if [ -z "$uri" ]; then
    printf 'no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list\n' >&2
    return 1
  fi
  printf '%s\n' "${uri%/}"
}
