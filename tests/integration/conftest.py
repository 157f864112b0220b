"""Integration tests run real modules through ansible-playbook against the lab's Samba AD DC."""

import json
import os
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LAB = ["/usr/bin/python3", os.path.join(ROOT, "tests", "lab", "lab.py")]
COLLECTIONS = os.path.join(ROOT, "build", "collections")


@pytest.fixture(scope="session")
def lab():
    """The lab's connection settings; brings the lab up when it is not running."""
    if subprocess.run(LAB + ["status"], stdout=subprocess.DEVNULL, check=False).returncode != 0:
        subprocess.check_call(LAB + ["up"], stdout=subprocess.DEVNULL)
    return json.loads(subprocess.check_output(LAB + ["env", "--json"]))


@pytest.fixture(scope="session")
def ldap_admin(lab):
    """A plain ldap3 connection as Administrator, for arranging and checking the directory."""
    import ssl
    import ldap3
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=lab["ca_cert"])
    server = ldap3.Server("127.0.0.1", port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, lab["bind_dn"], lab["password"], auto_bind=True)
    yield conn
    conn.unbind()


class Ansible(object):
    def __init__(self, lab, tmpdir):
        self.lab = lab
        self.tmpdir = tmpdir
        self.runs = 0

    def _path(self, suffix):
        self.runs += 1
        return os.path.join(self.tmpdir, "run%d%s" % (self.runs, suffix))

    def connection(self):
        return dict(server=[self.lab["server"]], ca_cert=self.lab["ca_cert"],
                    bind_dn=self.lab["bind_dn"], password=self.lab["password"])

    def run(self, module, args=None, check=False, diff=False, defaults=True, env=None):
        """Run one task of adremedy.directory.<module>; return its registered result."""
        out = self._path(".json")
        task = {"adremedy.directory.%s" % module: args or {}, "register": "result",
                "ignore_errors": True, "check_mode": check, "diff": diff}
        play = {"hosts": "localhost", "gather_facts": False,
                "vars": {"ansible_python_interpreter": sys.executable},
                "tasks": [task, {"ansible.builtin.copy": {
                    "content": "{{ result | to_json }}", "dest": out}, "check_mode": False}]}
        if defaults:
            play["module_defaults"] = {"group/adremedy.directory.ad": self.connection()}
        playbook = self._path(".yml")
        with open(playbook, "w") as fh:
            yaml.safe_dump([play], fh)
        environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
                       ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0",
                       ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        for key in list(environ):
            if key.startswith("ADREMEDY_"):
                del environ[key]
        environ.update(env or {})
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                               "-i", "localhost,", "-c", "local", playbook],
                              env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, check=False)
        if not os.path.exists(out):
            raise AssertionError("ansible-playbook did not run the task:\n" + proc.stdout)
        with open(out) as fh:
            return json.load(fh)


@pytest.fixture
def ansible(lab, tmp_path):
    return Ansible(lab, str(tmp_path))
