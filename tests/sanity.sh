#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection: ansible-test needs the tree at
# .../ansible_collections/adremedy/directory and resolves symlinks, so a link will not do.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Outside the repository: inside it, ansible-test lists files with git and build/ is ignored.
work=${TMPDIR:-/tmp}/adremedy-sanity/ansible_collections/adremedy/directory
pip_version=$(python -c 'import ansible_test._internal.python_requirements as p, inspect, re; print(re.search(r"pip=.(\d+\.\d+)", inspect.getsource(p.get_venv_packages)).group(1))')
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
cp "$root/tests/sanity/get_pip.py" "$cache/get_pip_${pip_version//./_}.py"
rm -rf "$work"
mkdir -p "$work"
cd "$root"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$work"
cd "$work"
ansible-test sanity --python "${ADREMEDY_SANITY_PYTHON:-3.11}" --venv --color no "$@"
