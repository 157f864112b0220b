#!/usr/bin/env bash
# The collection's documentation with antsibull-docs (what docs.ansible.com builds from), on a copy
# of the tree with the extra docs made from their sources (tests/docsite.py: the Markdown guides
# of docs/ converted with pandoc, the playbooks page from the playbooks' header comments):
#   lint   every plugin's and role's documentation, the extra docs (docs/docsite/extra-docs.yml,
#          links.yml) and every reference in them (--check-extra-docs-refs); offline.
#   build  the docs site (antsibull-docs sphinx-init, then Sphinx with warnings as errors) in
#          build/docsite/build/html; offline (no intersphinx inventories are fetched).
#   rst    only the extra docs, into docs/docsite/rst/ of this tree (git-ignored: `make build`
#          puts them in the tarball, for Galaxy and docs.ansible.com).
# antsibull-docs needs the collection under ansible_collections/<ns>/<name>.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-lint}"
command -v pandoc >/dev/null || { echo "docs: pandoc missing (apt-get install pandoc; make prereqs does)" >&2; exit 1; }
if [ "$mode" = rst ]; then
  rm -rf "$root/docs/docsite/rst"
  exec python "$root/tests/docsite.py" "$root"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
coll="$work/ansible_collections/adremedy/directory"
mkdir -p "$coll"
cd "$root"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$coll"
python "$root/tests/docsite.py" "$coll"
export ANSIBLE_COLLECTIONS_PATH="$work"
cd "$coll"
case "$mode" in
  lint)
    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
      --validate-collection-refs all --disallow-unknown-collection-refs . && echo "docs lint: ok" ;;
  build)
    site="$root/build/docsite"
    rm -rf "$site"
    mkdir -m 700 -p "$site"
    antsibull-docs sphinx-init --use-current --fail-on-error --dest-dir "$site" --title adremedy.directory \
      --project adremedy.directory --html-short-title adremedy.directory adremedy.directory >/dev/null
    # Offline: no intersphinx inventories (sphinx-init's conf.py would fetch Ansible's and Python's
    # from the web); the few labels of Ansible's own docs that the generated plugin pages use get
    # a local page that links to them there.
    printf '\nintersphinx_mapping = {}\n' >>"$site/conf.py"
    mkdir -m 700 -p "$site/rst"
    antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --use-current \
      --fail-on-error --dest-dir "$site/rst" adremedy.directory
    python - "$site/rst/ansible-docs.rst" <<'PY'
import sys
base = "https://docs.ansible.com/projects/ansible/latest/"
labels = {"common_return_values": ("Return values common to all modules",
                                   "reference_appendices/common_return_values.html"),
          "ansible_configuration_settings": ("Ansible configuration settings",
                                             "reference_appendices/config.html")}
out = [":orphan:", "", "Ansible's own documentation", "===========================", ""]
for label, (title, path) in labels.items():
    out += [".. _%s:" % label, "", title, "-" * len(title), "", "See `%s <%s%s>`__." % (title, base, path), ""]
open(sys.argv[1], "w").write("\n".join(out))
PY
    # -W: any warning (an unknown label, a broken reference, bad RST) fails the build.
    sphinx-build -q -b html -W --keep-going -c "$site" "$site/rst" "$site/build/html"
    echo "docs site: $site/build/html/index.html" ;;
  *) echo "usage: $0 [lint|build|rst]" >&2; exit 2 ;;
esac
