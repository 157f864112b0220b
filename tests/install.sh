#!/usr/bin/env bash
# The README's install route, end to end: `make install` into a fresh collections directory, then
# what a user does next - ansible-galaxy lists it at galaxy.yml's version, ansible-doc reads a
# module, and a module runs from there (with no connection set it must fail with the line that
# says where the connection comes from, which proves the installed code ran).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bin="$root/.venv/bin"
fail() { echo "install-check: $*" >&2; exit 1; }
version=$(sed -n 's/^version: *//p' "$root/galaxy.yml")
grep -q '^make install' "$root/README.md" || fail "README.md no longer gives 'make install'"
make --no-print-directory -C "$root" install INSTALL_PATH="$work/collections" \
  PIP="$root/.venv/bin/pip" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "make install failed"; }
export ANSIBLE_COLLECTIONS_PATH="$work/collections"
listed=$( ("$bin/ansible-galaxy" collection list adremedy.directory 2>/dev/null || true) | awk '$1 == "adremedy.directory" {print $2}')
[ "$listed" = "$version" ] || fail "installed version '$listed', galaxy.yml says $version"
doc=$("$bin/ansible-doc" adremedy.directory.inheritance 2>&1 || true)
grep -q 'remove_explicit_duplicates' <<<"$doc" || fail "ansible-doc adremedy.directory.inheritance shows no options"
out=$(cd "$work" && env -u ADREMEDY_SERVER "$bin/ansible" localhost -m adremedy.directory.protected_accounts_info \
  -e ansible_python_interpreter="$root/.venv/bin/python" 2>&1 || true)
grep -q 'no domain controller to connect to' <<<"$out" || { echo "$out"; fail "the installed module did not run"; }
echo "install-check: make install put adremedy.directory $version in a fresh path; ansible-doc and a module run from it"
