#!/usr/bin/env bash
# Stop at once, with what is missing, when this machine cannot run the lab.
set -euo pipefail
missing=()
[ "$(id -u)" = 0 ] || missing+=("root (the lab runs a Samba AD DC on ports 389/636; run as root)")
command -v apt-get >/dev/null || missing+=("apt-get (the lab installs Debian/Ubuntu packages)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "cannot set up adremedy.directory here; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
# The lab's own script runs on Debian's python3 with Samba's bindings; install them if missing.
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import samba, ldap3' 2>/dev/null \
   || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  echo "installing the lab's Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get install -y -qq --no-install-recommends python3 python3-venv python3-pip samba-ad-dc samba-ad-provision ldb-tools \
    ldap-utils openssl python3-samba python3-ldap3 >/dev/null
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
# Install Debian packages when a command is missing: first from the package lists as they are,
# then once more after refreshing them (a fresh image has none). `need WHY COMMAND... -- PACKAGE...`
need() {
  local why=$1 commands=() missing_one=0
  shift
  while [ "$1" != "--" ]; do commands+=("$1"); shift; done
  shift
  for command in "${commands[@]}"; do command -v "$command" >/dev/null || missing_one=1; done
  [ $missing_one = 1 ] || return 0
  echo "installing $* ($why)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
# Kerberos: the gssapi pip package (requirements-dev.txt) builds against MIT krb5's headers
# (libkrb5-dev, krb5-config); the Kerberos tests get tickets with kinit (krb5-user).
need "the Kerberos client and the gssapi build" krb5-config kinit gcc -- libkrb5-dev krb5-user gcc
# The compliance report's HTML is checked in a real browser: Debian's headless Chromium.
need "the HTML report test renders the page headless" chromium -- chromium
# The docs site and its lint convert the Markdown guides to RST with pandoc (make docs, docs-lint).
need "the docs site converts the Markdown guides" pandoc -- pandoc
# The sealed-bind tests prove on the wire that nothing is sent in clear: tcpdump captures port 389.
need "the sealed-bind tests capture the LDAP traffic" tcpdump -- tcpdump
exit 0
