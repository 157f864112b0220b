#!/usr/bin/env bash
# One ansible-core of the support matrix: `tests/matrix.sh CORE PYTHON CHECK...` makes (once) a
# virtualenv build/matrix/core-CORE with that Python and ansible-core CORE.*, then runs each CHECK
# (sanity, units, integration) with it. Pythons come from pyenv (~/.pyenv/versions/X.Y.*) or the
# system (/usr/bin/pythonX.Y).
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
if [ ! -f "$venv/.stamp" ] || [ "$root/tests/matrix.sh" -nt "$venv/.stamp" ]; then
  rm -rf "$venv"
  "$interpreter" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q "ansible-core==$core.*" ldap3 jmespath cryptography pytest hypothesis \
    ansible-runner
  touch "$venv/.stamp"
fi
# The Kerberos integration tests need gssapi (a source build, about 75 s): only for integration.
case " $* " in
  *" integration "*) "$venv/bin/python" -c 'import gssapi' 2>/dev/null || "$venv/bin/pip" install -q gssapi ;;
esac
export PATH="$venv/bin:$(dirname "$interpreter"):$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections" ANSIBLE_PYTHON_INTERPRETER="$venv/bin/python"
echo "matrix: $("$venv/bin/ansible" --version | head -1) on Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())')"
cd "$root"
for check in "$@"; do
  case "$check" in
    sanity) ADREMEDY_SANITY_PYTHON=$python bash tests/sanity.sh ;;
    units) python -m pytest -q -p no:cacheprovider tests/unit ;;
    integration) python -m pytest -q -p no:cacheprovider tests/integration ;;
    *) echo "matrix: unknown check $check" >&2; exit 2 ;;
  esac
done
