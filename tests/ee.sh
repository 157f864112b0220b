#!/usr/bin/env bash
# The execution environment: `ansible-builder create` writes the build context of both shipped
# definitions (no container runtime needed), and ansible-builder's introspection of the collection,
# installed from the built tarball, finds its Python and system requirements the way the image
# build will (through meta/execution-environment.yml).
set -euo pipefail
. "$(dirname "$0")/tarball.sh" ee

for def in "$root"/meta/ee/execution-environment*.yml; do
  ctx="$work/$(basename "$def" .yml)"
  ansible-builder create -f "$def" -c "$ctx" --output-filename Containerfile >"$work/create.log" 2>&1 \
    || { cat "$work/create.log"; fail "ansible-builder create -f $def failed"; }
  grep -q 'ansible-galaxy collection install .*-r requirements.yml' "$ctx/Containerfile" \
    || fail "$def: the Containerfile installs no collections"
  grep -q 'adremedy.directory' "$ctx/_build/requirements.yml" || fail "$def: adremedy.directory not in requirements.yml"
  echo "ee: ansible-builder create -f meta/ee/$(basename "$def"): ok"
done
grep -qx 'gssapi>=1.8' "$work/execution-environment-kerberos/_build/requirements.txt" \
  || fail "the Kerberos definition does not install gssapi"

ansible-galaxy collection install --force -p "$work/collections" "$tarball" >/dev/null 2>&1
ansible-builder introspect --sanitize "$work/collections" | sed -n '/^---$/,$p' >"$work/introspect.yml"
python - "$work/introspect.yml" <<'PY'
import sys, yaml
data = yaml.safe_load(open(sys.argv[1]))
ours = {k: [e.split("#")[0].strip() for e in v if e.endswith("# from collection adremedy.directory")]
        for k, v in data.items()}
want = {"python": ["ldap3>=2.9", "jmespath>=1.0", "cryptography"],
        "system": ["libkrb5-dev [platform:dpkg compile]", "krb5-devel [platform:rpm compile]",
                   "krb5-user [platform:dpkg]", "krb5-workstation [platform:rpm]"]}
missing = {k: sorted(set(v) - set(ours.get(k, []))) for k, v in want.items()}
if any(missing.values()):
    sys.exit(f"ee: introspection of the installed collection misses {missing}: {ours}")
PY
echo "ee: introspection of the installed collection finds its Python and system requirements"
