# shellcheck shell=bash disable=SC2034
# Sourced by the checks that run on the built collection (tests/ee.sh, tests/galaxy.sh):
#   . "$(dirname "$0")/tarball.sh" NAME
# sets root (the checkout), tarball (build/adremedy-directory-<galaxy.yml version>.tar.gz, which
# must exist: make build), work (a temporary directory removed on exit) and fail() (one line on
# stderr prefixed with NAME, exit 1).
name=$1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "$name: $*" >&2; exit 1; }
version=$(python -c 'import yaml,sys; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$root/galaxy.yml")
tarball="$root/build/adremedy-directory-$version.tar.gz"
[ -f "$tarball" ] || fail "$tarball missing (make build)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
