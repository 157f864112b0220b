#!/usr/bin/env bash
# The module and role reference: `lint` checks every plugin's and role's documentation with
# antsibull-docs (what docs.ansible.com builds from); `build` writes the reference as RST to
# build/docs. antsibull-docs needs the collection under ansible_collections/<ns>/<name>.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ansible_collections/adremedy/directory"
cd "$root"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - \
  | tar -xf - -C "$work/ansible_collections/adremedy/directory"
export ANSIBLE_COLLECTIONS_PATH="$work"
cd "$work/ansible_collections/adremedy/directory"
case "${1:-lint}" in
  lint) antsibull-docs lint-collection-docs --plugin-docs . && echo "docs lint: ok" ;;
  build)
    mkdir -p "$root/build/docs"
    antsibull-docs collection --use-current --dest-dir "$root/build/docs" \
      --output-format simplified-rst adremedy.directory
    echo "reference written to $root/build/docs/collections/adremedy/directory" ;;
  *) echo "usage: $0 [lint|build]" >&2; exit 2 ;;
esac
