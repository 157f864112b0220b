#!/usr/bin/env bash
# One ansible-core of the support matrix: `tests/matrix.sh CORE PYTHON CHECK...` makes (once) a
# virtualenv build/matrix/core-CORE with that Python and ansible-core CORE.*, then runs each CHECK
# (sanity, units, integration) with it. Pythons come from pyenv (~/.pyenv/versions/X.Y.*) or the
# system (/usr/bin/pythonX.Y). With no CHECK it only makes the virtualenv: the install phase,
# which needs the package index, so the checks can run later where there is no network (the lab's
# network namespace); a check never installs (sanity's own virtualenvs aside: run it outside).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
core=$1 python=$2
shift 2
interpreter=""
for candidate in "$HOME"/.pyenv/versions/"$python".*/bin/python"$python" /usr/bin/python"$python"; do
  [ -x "$candidate" ] && "$candidate" -c 'import venv, ssl' 2>/dev/null && { interpreter=$candidate; break; }
done
[ -n "$interpreter" ] || { echo "matrix: no Python $python here (pyenv or /usr/bin)" >&2; exit 1; }
venv="$root/build/matrix/core-$core"
# gssapi (a source build, about 75 s) is for the Kerberos integration tests; it is installed here,
# with the rest, because the checks may run where there is no package index.
packages="ansible-core==$core.* ldap3 jmespath cryptography pytest hypothesis ansible-runner gssapi pyspnego>=0.9,<1.0 markdown-it-py"
if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$interpreter $packages" ]; then
  [ $# -eq 0 ] || { echo "matrix: $venv is missing or stale: run 'tests/matrix.sh $core $python' first (it installs)" >&2; exit 1; }
  rm -rf "$venv"
  "$interpreter" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  # shellcheck disable=SC2086  # one word a package
  "$venv/bin/pip" install -q $packages
  echo "$interpreter $packages" >"$venv/.stamp"
fi
export PATH="$venv/bin:$(dirname "$interpreter"):$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections" ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python"
echo "matrix: $("$venv/bin/ansible" --version | sed -n 1p) on Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
cd "$root"
for check in "$@"; do
  case "$check" in
    sanity) ADREMEDY_SANITY_PYTHON=$python bash tests/sanity.sh ;;
    units) python -m pytest -q -p no:cacheprovider tests/unit ;;
    integration) python -m pytest -q -p no:cacheprovider tests/integration ;;
    *) echo "matrix: unknown check $check" >&2; exit 2 ;;
  esac
done
