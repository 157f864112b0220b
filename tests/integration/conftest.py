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
sys.path.insert(0, COLLECTIONS)  # tests build descriptors with the collection's own codec
# the tests' own ldap3 connections to ldaps://127.0.0.1 check the address as the modules do (Python 3.12+)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._tls import patch_ldap3  # noqa: E402  pylint: disable=wrong-import-position

patch_ldap3()

from lab_state import changed_by, lab_state  # noqa: E402  pylint: disable=wrong-import-position


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
        self.prefix = []  # a command ansible-playbook runs under (e.g. its own /etc/hosts)

    def _path(self, suffix):
        self.runs += 1
        return os.path.join(self.tmpdir, "run%d%s" % (self.runs, suffix))

    def connection(self):
        return dict(server=[self.lab["server"]], ca_cert=self.lab["ca_cert"],
                    bind_dn=self.lab["bind_dn"], password=self.lab["password"])

    def run(self, module, args=None, check=False, diff=False, defaults=True, env=None):
        """Run one task of adremedy.directory.<module>; return its registered result."""
        return self.wait(self.start(module, args, check, diff, defaults, env))

    def start(self, module, args=None, check=False, diff=False, defaults=True, env=None):
        """Start ansible-playbook with one task in the background; wait() gives its result."""
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
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                   "-i", "localhost,", "-c", "local", playbook]
        proc = subprocess.Popen(self.prefix + command, env=environ, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return proc, out

    @staticmethod
    def wait(started):
        proc, out = started
        output = proc.communicate()[0]
        if not os.path.exists(out):
            raise AssertionError("ansible-playbook did not run the task:\n" + output)
        with open(out) as fh:
            return json.load(fh)


@pytest.fixture
def ansible(lab, tmp_path):
    return Ansible(lab, str(tmp_path))


# -- helpers for tests that write to the lab ------------------------------------------------------

BASE = "DC=lab,DC=example,DC=test"
LAB_OU = "OU=Lab,%s" % BASE
STAFF = "OU=Staff,%s" % LAB_OU
ADMINS = "OU=Admins,%s" % LAB_OU
USER_FILTER = "(&(objectCategory=person)(objectClass=user))"


def user_dn(number):
    """The seed's naming: user i lives in Sales, Engineering or Support by i % 3."""
    ou = ("Sales", "Engineering", "Support")[number % 3]
    return "CN=User %05d,OU=%s,%s" % (number, ou, STAFF)


def lab_cli(*args, **kwargs):
    proc = subprocess.run(LAB + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)
    if kwargs.get("check", True) and proc.returncode != 0:
        raise AssertionError("lab.py %s failed (%d):\n%s"
                             % (" ".join(args), proc.returncode, proc.stdout[-3000:]))
    return proc.stdout


def eas_sync(dns, device_id="ADREMEDYTEST0001", model=None):
    """The lab's EAS sync stand-in (bound as the Exchange server) for each DN: {dn: result}."""
    args = ["eas-sync", "--device-id", device_id] + (["--model", model] if model else [])
    for dn in dns:
        args += ["--user", dn]
    out = lab_cli(*args, check=False)
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(results) == len(dns), out
    return dict(zip(dns, results))


@pytest.fixture(scope="module")
def reseeded(lab):
    """Fresh seed data before a module of writing tests, and again after it."""
    lab_cli("seed")
    yield lab
    lab_cli("seed")


class Directory(object):
    """Arranging and checking the lab as Administrator with plain ldap3 (not our code)."""

    def __init__(self, conn):
        self.conn = conn

    def reconnect(self):
        """After the lab restarted (a big seed or a test stops it), bind again."""
        try:
            self.conn.unbind()
        except Exception:
            pass
        self.conn.open()
        assert self.conn.bind(), self.conn.result

    def _sd_control(self):
        from ldap3.protocol.microsoft import security_descriptor_control
        return security_descriptor_control(sdflags=4)

    def read_sd(self, dn):
        assert self.conn.search(dn, "(objectClass=*)", search_scope="BASE",
                                attributes=["nTSecurityDescriptor"],
                                controls=self._sd_control()), self.conn.result
        return self.conn.response[0]["raw_attributes"]["nTSecurityDescriptor"][0]

    def write_sd(self, dn, blob):
        import ldap3
        assert self.conn.modify(dn, {"nTSecurityDescriptor": [(ldap3.MODIFY_REPLACE, [blob])]},
                                controls=self._sd_control()), self.conn.result

    def attribute(self, dn, name):
        assert self.conn.search(dn, "(objectClass=*)", search_scope="BASE", attributes=[name])
        return self.conn.response[0]["attributes"].get(name)

    def dns(self, base, search_filter=USER_FILTER):
        self.conn.search(base, search_filter, attributes=["1.1"])
        return sorted(item["dn"] for item in self.conn.response if item["type"] == "searchResEntry")

    def snapshot(self, dns):
        return dict((dn, self.read_sd(dn)) for dn in dns)

    def tree_delete(self, dn):
        self.conn.delete(dn, controls=[("1.2.840.113556.1.4.805", True, None)])
        assert self.conn.result["result"] in (0, 32), self.conn.result


@pytest.fixture(scope="session")
def directory(ldap_admin):
    return Directory(ldap_admin)


@pytest.fixture(scope="session")
def lab_baseline(lab, directory):
    """The lab as the session starts it: freshly seeded. What every module must leave it as."""
    lab_cli("seed")
    return lab_state(directory.conn)


@pytest.fixture(scope="module", autouse=True)
def leaves_the_lab_as_found(request):
    """Every module that uses the lab leaves it as it found it (issue 26): what it changed away
    from the fresh seed the session started with (lab_state.py says what is compared) fails its
    last test's teardown, naming it. A module that reseeds may change the seed's objects freely:
    the reseed after it puts them back."""
    if not any("lab" in item.fixturenames for item in request.session.items
               if getattr(item, "module", None) is request.module):
        yield
        return
    directory = request.getfixturevalue("directory")
    baseline = request.getfixturevalue("lab_baseline")
    before = lab_state(directory.conn)
    yield
    changed = changed_by(baseline, before, lab_state(directory.conn))
    if changed:
        pytest.fail("%s left the lab changed: %d facts are not as the fresh seed had them and as "
                    "the module found them: %s" % (request.module.__name__, len(changed),
                                                   "; ".join(changed[:10])), pytrace=False)


# -- the playbooks users run -----------------------------------------------------------------------

class PlaybookRun(object):
    def __init__(self, rc, output):
        self.rc = rc
        self.output = output

    def recap(self):
        """{'ok': n, 'changed': n, 'failed': n, ...} from PLAY RECAP."""
        line = [l for l in self.output.splitlines() if l.startswith("localhost") and "ok=" in l][-1]
        return dict((k, int(v)) for k, v in (part.split("=") for part in line.split()[2:]))


_THIS_LAB = []


def this_lab():
    """The connection settings of the lab the tests run against (lab.py env: ADREMEDY_LAB_DIR's
    lab, or the default one)."""
    if not _THIS_LAB:
        _THIS_LAB.append(json.loads(subprocess.check_output(LAB + ["env", "--json"])))
    return _THIS_LAB[0]


def run_playbook(name, extra_vars, check=False, tags=None, when_task=None, inventory=None):
    """ansible-playbook playbooks/<name>.yml with the lab inventory (demo/inventory.yml).
    when_task=(name, action): run action() once, as soon as the task of that name starts."""
    if inventory is None:
        # demo/inventory.yml reads the default lab's lab.json (tests/lab/.state): the lab these
        # tests run against (ADREMEDY_LAB_DIR) is given instead
        extra_vars = dict(extra_vars, adremedy_lab=this_lab())
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
           "-i", inventory or os.path.join(ROOT, "demo", "inventory.yml"),
           os.path.join(ROOT, "playbooks", name + ".yml"), "-e", json.dumps(extra_vars)]
    if check:
        cmd.append("--check")
    if tags:
        cmd += ["--tags", tags]
    environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                   ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.Popen(cmd, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if when_task and line.startswith("TASK [") and when_task[0] in line:
            when_task[1]()
            when_task = None
    return PlaybookRun(proc.wait(), "".join(lines))


def staged_playbook(tmp_path_factory, name, dir_var, **base):
    """playbooks/<name>.yml run again and again on one state directory, as a staged workflow
    is: run(check, tags, **extra vars); run.dir; run.state() reads its state.json."""
    directory = tmp_path_factory.mktemp(name)

    def run(check=False, tags=None, when_task=None, **extra):
        args = dict(base, **{dir_var: str(directory)})
        args.update(extra)
        return run_playbook(name, args, check=check, tags=tags, when_task=when_task)
    run.dir = directory
    run.state = lambda: json.loads((directory / "state.json").read_text())
    return run
