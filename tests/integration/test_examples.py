"""Examples that run (issue 22 item 7): every module's EXAMPLES, every role's example (its
README's and its argument_specs' `examples`) and the README's YAML snippets run against the lab,
so an example a user copies cannot break silently.

All of them run in ONE ansible-playbook: one play per example (a task list is wrapped in a play,
an example that is a play keeps its own), each on an inventory host of its own, so one broken
example fails its play and its test only (ansible-playbook stops at a play whose hosts all
failed: the examples after it then run in a second ansible-playbook). Plays run in the order
the examples are collected; the test's own OU is made before and removed after (so the suite
runs twice on one lab).

The substitution layer below is the whole of what the test changes in an example. It is generic:
nothing in it names an example. An example that cannot run through it is a bad example for users
and gets fixed, not special-cased here.

1. TEXT: the documentation's names become the lab's, in the example's text.
   `DC=example,DC=com` -> the test's OU (OU=Examples <unique>,OU=Lab,<base DN>), which holds the
   objects the examples name (PEOPLE, GROUPS, DEVICES below); `EXAMPLE\\` -> the lab's NetBIOS
   name; the documentation's SID -> the SID of a user the test made; site paths (PATHS) -> the
   same paths under a temporary directory. Mail addresses and UPNs (jdoe@example.com) are NOT
   changed: the test's users carry them.
2. CONNECTION: connection options an example writes itself (task arguments or module_defaults of
   group/adremedy.directory.ad) are replaced by the lab's; a Jinja expression is left as written
   and the variables it may name (VARIABLE_PATTERNS) are defined. An example that writes none
   gets the whole connection from the ADREMEDY_* environment variables, as from the AWX
   credential type.
   One that writes some gets only the lab's CA from there (a site's trust store would give it):
   its own bind credentials must be there, or it fails, as it would for a user who copies it.
3. CHECK_MODE: modules and roles whose writes are organization-wide (the configuration NC's rules
   and default access level) run in check mode; every other write runs for real, in the test's
   OU. Examples that set check_mode themselves keep it. device_rollout runs for real: its rule
   for a model nobody in the lab has is opened and closed in the same run. The organization's
   settings and rules are compared before and after: a rule left behind is removed, and any
   difference fails the test.
4. PREREQUISITES, made honestly before the examples run, found in the examples' own arguments:
   the journal an `inheritance_rollback` task restores (the `inheritance` module fixing a user of
   the test's OU), the CSV an `eas_device_cleanup` task reads (Exchange's statistics for the
   test's devices), the per-domain reports a `forest_summary` task combines (`compliance_info` on
   the test's OU), and the device access rule a `remove_rule` plan names (made when the lab has
   none, removed after).
"""

import ast
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import uuid

import ldap3
import pytest
import yaml

from conftest import COLLECTIONS, LAB_OU, ROOT
from made_here import add_user, sid_and_guid

# -- 1. the substitution layer (see the module docstring) ---------------------------------------

DOC_BASE = "DC=example,DC=com"
DOC_NETBIOS = "EXAMPLE\\"
DOC_SID = "S-1-5-21-1004336348-1177238915-682003330-1104"
PATHS = ("/var/log/adremedy/", "/var/lib/adremedy/", "/srv/", "/etc/pki/")
CONNECTION_KEYS = {  # option (and its documented aliases) -> the lab's setting
    "server": "server", "server_uri": "server", "domain_server": "server",
    "ca_cert": "ca_cert",
    "bind_dn": "bind_dn", "domain_username": "bind_dn",
    "password": "password", "bind_pw": "password", "domain_password": "password",
}
CONNECTION_GROUP = "group/adremedy.directory.ad"
VARIABLE_PATTERNS = {  # variables examples name -> the lab's value
    r"vault_\w*password\w*": "password",
    r"adremedy_connection": "connection",
}
CHECK_MODE = {  # organization-wide writes: rehearsed only
    "adremedy.directory.eas_access_rule": "rules and the default level are organization-wide",
    "adremedy.directory.default_access_change": "changes the organization's default level",
}

# -- what the test's OU holds: the objects the examples name ------------------------------------

OUS = ["OU=Staff", "OU=Sales,OU=Staff", "OU=Admins", "OU=Groups", "OU=Legacy"]
PEOPLE = {  # key: (RDN under the test's OU, sAMAccountName, extra attributes)
    "jdoe": ("CN=John Doe,OU=Staff", "jdoe",
             {"userPrincipalName": "jdoe@example.com", "mail": "jdoe@example.com"}),
    "asmith": ("CN=Alex Smith,OU=Staff", "asmith", {"mail": "asmith@example.com"}),
    "kiosk01": ("CN=kiosk01,OU=Staff", "kiosk01", {}),
    "max": ("CN=Max Mustermann,OU=Staff", "mmustermann", {"mail": "max@example.com"}),
    "joerg": ("CN=Joerg Mueller,OU=Staff", "joerg.mueller",
              {"mail": "joerg.mueller@example.com",
               "proxyAddresses": ["SMTP:joerg.mueller@example.com"]}),
    "jane": ("CN=Jane Doe,OU=Sales,OU=Staff", "janedoe", {"mail": "jane.doe@example.com"}),
    # an orphan: left Domain Admins, adminCount=1 and inheritance off remain
    "former_admin": ("CN=former-admin,OU=Admins", "ex-former-admin", {"adminCount": "1"}),
    # inheritance off: the user the rollback journal is made on
    "legacy": ("CN=Pat Legacy,OU=Legacy", "plegacy", {}),
}
INHERITANCE_OFF = ("former_admin", "legacy")
SID_OF = "jane"  # whose SID stands for the documentation's
GROUPS = {  # RDN under the test's OU: (sAMAccountName, members)
    "CN=Pilot,OU=Groups": ("ex-pilot", ["jdoe"]),
    "CN=Mobile Users,OU=Groups": ("Mobile Users", ["jdoe", "asmith"]),
}
# (owner, type, ID, model, cached state, reason, on the owner's allow list, last sync days ago)
# The data is clean: every iPhone15,2 is on its owner's allow list, so removing that rule costs
# nobody access; the old phone is the one a default change lets go.
DEVICES = [
    ("jdoe", "iPhone", "ApplF17XK2ABCD12", "iPhone15,2", 1, 2, True, 1),       # Allowed, Individual
    ("max", "iPhone", "ApplDNPXQ9ZZ1234", "iPhone12,1", 3, 1, False, 3),      # Quarantined, Global
    ("asmith", "iPhone", "OLDPHONE0001", "iPhone9,3", 3, 1, False, 400),
    ("kiosk01", "Android", "KIOSK0000000001", "SM-T505", 1, 2, True, 0),
    ("jane", "iPhone", "ApplQ4RNT0000001", "iPhone16,1", 3, 1, False, 0),
]
RULE_CLASS = "msExchDeviceAccessRule"
CHARACTERISTICS = {"DeviceType": 0, "DeviceModel": 1, "DeviceOS": 2, "UserAgent": 3}


# -- the examples ---------------------------------------------------------------------------------

class Example(object):
    def __init__(self, ident, origin, text):
        self.ident = ident  # also its inventory host
        self.origin = origin
        self.text = text
        self.tasks = None  # how many tasks a task-list example has


def yaml_blocks(path):
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    return [textwrap.dedent(block)
            for block in re.findall(r"^```ya?ml\n(.*?)^```", text, re.M | re.S)]


def collect():
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py"))):
        name = os.path.basename(path)[:-3]
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        texts = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and getattr(node.targets[0], "id", None) == "EXAMPLES"]
        found.append(Example("module-" + name, os.path.relpath(path, ROOT),
                             texts[0] if texts else ""))
    for role_dir in sorted(glob.glob(os.path.join(ROOT, "roles", "*"))):
        role = os.path.basename(role_dir)
        readme = os.path.join(role_dir, "README.md")
        for n, block in enumerate(yaml_blocks(readme) if os.path.exists(readme) else [], 1):
            found.append(Example("role-%s-readme-%d" % (role, n),
                                 os.path.relpath(readme, ROOT), block))
        specs = os.path.join(role_dir, "meta", "argument_specs.yml")
        with open(specs, encoding="utf-8") as fh:
            entries = (yaml.safe_load(fh) or {}).get("argument_specs") or {}
        for entry, spec in sorted(entries.items()):
            if spec.get("examples"):
                found.append(Example("role-%s-%s-argspec" % (role, entry),
                                     os.path.relpath(specs, ROOT), spec["examples"]))
    readme = os.path.join(ROOT, "README.md")
    for n, block in enumerate(yaml_blocks(readme), 1):
        found.append(Example("readme-%d" % n, "README.md", block))
    return found


EXAMPLES = collect()


# -- building the playbook ------------------------------------------------------------------------

def substitute_text(text, names):
    text = text.replace(DOC_BASE, names["ou"]).replace(DOC_NETBIOS, names["netbios"] + "\\")
    text = text.replace(DOC_SID, names["sid"])
    for prefix in PATHS:
        text = text.replace(prefix, os.path.join(names["tmp"], prefix.lstrip("/")))
    return text


def is_template(value):
    return isinstance(value, str) and "{{" in value


def map_connection(options, lab):
    """Replace the connection options in a dict by the lab's; True when it had any."""
    had = False
    for key in list(options):
        if key in CONNECTION_KEYS:
            had = True
            if not is_template(options[key]):
                options[key] = lab_setting(lab, CONNECTION_KEYS[key])
    return had


def lab_setting(lab, name):
    return [lab["server"]] if name == "server" else lab[name]


def map_module_defaults(defaults, lab):
    had = False
    for entry in defaults if isinstance(defaults, list) else [defaults]:
        if is_template(entry):
            had = True
            continue
        for key, value in entry.items():
            if key == CONNECTION_GROUP or key.startswith("adremedy.directory."):
                had = (map_connection(value, lab) if isinstance(value, dict) else True) or had
    return had


def action_of(task):
    for key in task:
        if key.startswith("adremedy.directory.") or key.startswith("ansible.builtin."):
            return key
    return None


def walk_tasks(tasks):
    for task in tasks if isinstance(tasks, list) else []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in ("block", "rescue", "always"):
            yield from walk_tasks(task.get(key))


def role_names(play):
    names = [r if isinstance(r, str) else r.get("role") or r.get("name")
             for r in play.get("roles") or []]
    for task in walk_tasks(play.get("tasks")):
        for key in ("ansible.builtin.include_role", "ansible.builtin.import_role"):
            if isinstance(task.get(key), dict):
                names.append(task[key].get("name"))
    return names


def build_plays(example, lab, names):
    """The example as plays on its own host, through the substitution layer."""
    loaded = yaml.safe_load(substitute_text(example.text, names))
    assert isinstance(loaded, list) and loaded, \
        "%s: an example is a list of tasks or of plays" % example.origin
    if all("hosts" in item for item in loaded):
        plays = loaded
    else:
        assert not any("hosts" in item for item in loaded), example.origin
        plays = [{"name": example.ident, "hosts": "localhost", "gather_facts": False,
                  "tasks": loaded}]
        example.tasks = len(loaded)  # each must report ok (none skipped)
    for play in plays:
        play["hosts"] = example.ident
        sets_connection = map_module_defaults(play.get("module_defaults") or {}, lab)
        for task in walk_tasks(play.get("tasks")):
            sets_connection = map_module_defaults(task.get("module_defaults") or {}, lab) \
                or sets_connection
            action = action_of(task)
            if action and action.startswith("adremedy.directory.") \
                    and isinstance(task[action], dict):
                sets_connection = map_connection(task[action], lab) or sets_connection
            if action in CHECK_MODE:
                task["check_mode"] = True
        if any("adremedy.directory." + str(name).rsplit(".", maxsplit=1)[-1] in CHECK_MODE
               for name in role_names(play)):
            play["check_mode"] = True
        environment = {"ADREMEDY_CA_CERT": lab["ca_cert"]}
        if not sets_connection:
            environment.update(ADREMEDY_SERVER=lab["server"], ADREMEDY_BIND_DN=lab["bind_dn"],
                               ADREMEDY_PASSWORD=lab["password"])
        play["environment"] = dict(play.get("environment") or {}, **environment)
    return plays


def lab_connection(lab):
    return {"server": [lab["server"]], "ca_cert": lab["ca_cert"], "bind_dn": lab["bind_dn"],
            "password": lab["password"]}


def variables(lab):
    values = {"password": lab["password"], "connection": lab_connection(lab)}
    found = {}
    for example in EXAMPLES:
        for pattern, value in VARIABLE_PATTERNS.items():
            for name in re.findall(r"\b(%s)\b" % pattern, example.text):
                found[name] = values[value]
    return found


def task_args(plays, module):
    for play in plays:
        for task in walk_tasks(play.get("tasks")):
            args = task.get("adremedy.directory." + module)
            if isinstance(args, dict):
                yield args


# -- 4. prerequisites ------------------------------------------------------------------------------

def prerequisite_tasks(plays, tree):
    """Tasks that make what the examples rely on: rollback journals and per-domain reports.
    (An example missing the argument gets nothing made, and fails as it would for a user.)"""
    tasks, journals = [], []
    for args in task_args(plays, "inheritance_rollback"):
        journal = args.get("journal")
        if isinstance(journal, str) and journal not in journals:
            journals.append(journal)
            tasks.append({"name": "the journal %s" % journal, "adremedy.directory.inheritance": {
                "dn": [tree.dn("legacy")], "journal": journal}})
    for args in task_args(plays, "forest_summary"):
        domains = args.get("domains")
        for domain in domains if isinstance(domains, list) and args.get("dir") else []:
            tasks.append({"name": "the report of %s" % domain,
                          "adremedy.directory.compliance_info": {
                              "search_base": tree.ou,
                              "report_dir": os.path.join(args["dir"], domain)}})
    return tasks


def write_sync_csvs(plays, tree):
    """Exchange's Get-MobileDeviceStatistics export, for the test's devices."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for args in task_args(plays, "eas_device_cleanup"):
        if isinstance(args.get("last_sync_csv"), str):
            os.makedirs(os.path.dirname(args["last_sync_csv"]), exist_ok=True)
            with open(args["last_sync_csv"], "w", encoding="utf-8") as fh:
                fh.write('#TYPE Microsoft.Exchange.Data.Mapi.MobileDeviceStatistics\n'
                         '"DeviceId","DeviceModel","LastSuccessSync"\n')
                for _owner, _dtype, device_id, model, _s, _r, _l, days in DEVICES:
                    synced = now - datetime.timedelta(days=days)
                    fh.write('"%s","%s","%s"\n' % (device_id, model,
                                                   synced.strftime("%m/%d/%Y %I:%M:%S %p")))


def rules_named(plays):
    """(characteristic, query string) of every rule a remove_rule plan names."""
    for args in task_args(plays, "eas_access_plan"):
        for change in args.get("changes") or []:
            if isinstance(change, dict) and change.get("action") == "remove_rule":
                named = re.match(r"(.*) \((\w+)\)$", str(change.get("name")))
                characteristic, query = (named.group(2), named.group(1)) if named else (
                    change.get("characteristic"), change.get("query_string"))
                if characteristic in CHARACTERISTICS and isinstance(query, str):
                    yield characteristic, query


# -- the test's OU ---------------------------------------------------------------------------------

class Tree(object):
    def __init__(self, ou):
        self.ou = ou

    def dn(self, key):
        return "%s,%s" % (PEOPLE[key][0], self.ou)


def purge_leftovers(directory):
    """Examples OUs a killed run left (their sAMAccountNames would clash)."""
    for dn in directory.dns(LAB_OU, "(&(objectClass=organizationalUnit)(ou=Examples *))"):
        directory.tree_delete(dn)


def make_tree(directory, lab, ou):
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        SecurityDescriptor)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
        disable_inheritance)
    conn = directory.conn
    tree = Tree(ou)
    for rdn in [""] + OUS:
        dn = ",".join(filter(None, [rdn, ou]))
        assert conn.add(dn, ["top", "organizationalUnit"]), conn.result
    password = ('"%s"' % lab["user_password"]).encode("utf-16-le")
    for key, (_rdn, sam, attrs) in PEOPLE.items():
        dn = tree.dn(key)
        add_user(conn, dn, sam, **attrs)
        assert conn.modify(dn, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [password])]}), conn.result
        assert conn.modify(dn, {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])]}), \
            conn.result
    for rdn, (sam, members) in GROUPS.items():
        assert conn.add("%s,%s" % (rdn, ou), ["top", "group"], {
            "sAMAccountName": sam, "member": [tree.dn(key) for key in members]}), conn.result
    for owner, dtype, device_id, model, state, reason, listed, _days in DEVICES:
        container = "CN=ExchangeActiveSyncDevices,%s" % tree.dn(owner)
        conn.search(container, "(objectClass=*)", search_scope="BASE", attributes=["1.1"])
        if not conn.response:
            assert conn.add(container, ["top", "msExchActiveSyncDevices"]), conn.result
        assert conn.add("CN=%s\u00a7%s,%s" % (dtype, device_id, container),
                        ["top", "msExchActiveSyncDevice"], {
                            "msExchDeviceID": device_id, "msExchDeviceType": dtype,
                            "msExchDeviceModel": model, "msExchDeviceAccessState": str(state),
                            "msExchDeviceAccessStateReason": str(reason)}), conn.result
        if listed:
            assert conn.modify(tree.dn(owner), {"msExchMobileAllowedDeviceIDs": [
                (ldap3.MODIFY_ADD, [device_id])]}), conn.result
    for key in INHERITANCE_OFF:
        dn = tree.dn(key)
        sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)))
        directory.write_sd(dn, sd.to_bytes())
    tree.sid = sid_and_guid(conn, tree.dn(SID_OF))[0]
    return tree


class Organization(object):
    """The Exchange organization's mobile settings and device access rules (configuration NC)."""

    def __init__(self, directory, lab):
        self.conn = directory.conn
        config = "CN=Configuration,%s" % lab["base_dn"]
        self.conn.search(config, "(objectClass=msExchMobileMailboxSettings)", attributes=["1.1"])
        [self.mobile] = [item["dn"] for item in self.conn.response
                         if item["type"] == "searchResEntry"]
        self.made = []

    def state(self):
        """{DN: attributes} of the settings object and every rule under it."""
        self.conn.search(self.mobile, "(|(objectClass=%s)(objectClass=msExchMobileMailboxSettings))"
                         % RULE_CLASS, attributes=[
                             "msExchMobileAccessControl", "msExchMobileAdminRecipients",
                             "msExchDeviceAccessRuleCharacteristic",
                             "msExchDeviceAccessRuleQueryString"])
        return dict((item["dn"], dict((k, sorted(str(x) for x in v) if isinstance(v, list)
                                       else str(v)) for k, v in item["attributes"].items()))
                    for item in self.conn.response if item["type"] == "searchResEntry")

    def ensure_rules(self, wanted):
        """The device access rules the examples' plans remove, made where the lab has none."""
        for characteristic, query in sorted(set(wanted)):
            number = CHARACTERISTICS[characteristic]
            self.conn.search(self.mobile, "(&(objectClass=%s)(msExchDeviceAccessRuleCharacteristic"
                             "=%d)(msExchDeviceAccessRuleQueryString=%s))" % (
                                 RULE_CLASS, number, ldap3.utils.conv.escape_filter_chars(query)),
                             attributes=["1.1"])
            if [item for item in self.conn.response if item["type"] == "searchResEntry"]:
                continue
            dn = "CN=%s (%s),%s" % (query.replace(",", "\\,"), characteristic, self.mobile)
            assert self.conn.add(dn, ["top", RULE_CLASS], {
                "msExchDeviceAccessRuleCharacteristic": str(number),
                "msExchDeviceAccessRuleQueryString": query, "msExchMobileAccessControl": "0"}), \
                self.conn.result
            self.made.append(dn)

    def restore(self, before):
        """Remove the rules that were not there before (the test's own and any left behind);
        put the settings' attributes back. The differences found, for the test to fail on."""
        after = self.state()
        drift = []
        for dn in sorted(set(after) - set(before), key=len, reverse=True):
            if dn not in self.made:
                drift.append("rule left behind: %s" % dn)
            assert self.conn.delete(dn), (dn, self.conn.result)
        for dn, attributes in before.items():
            if dn not in after:
                drift.append("removed: %s" % dn)
            elif after[dn] != attributes:
                drift.append("changed: %s %s -> %s" % (dn, attributes, after[dn]))
                assert self.conn.modify(dn, dict(
                    (k, [(ldap3.MODIFY_REPLACE, v if isinstance(v, list) else [v])])
                    for k, v in attributes.items())), (dn, self.conn.result)
        return drift


# -- running them ----------------------------------------------------------------------------------

def parse_recap(output):
    """{host: {'ok': n, 'failed': n, ...}} from PLAY RECAP."""
    recap, in_recap = {}, False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
        elif in_recap and " : " in line and "ok=" in line:
            host, counts = line.split(" : ", 1)
            recap[host.strip()] = dict((k, int(v)) for k, v in
                                       (part.split("=") for part in counts.split()))
    return recap


class Runs(object):
    """The examples' plays in as few ansible-playbook runs as they allow: ansible-playbook ends
    the whole playbook when every host of a play failed, so after a failed example the plays
    not reached yet run again in a new ansible-playbook (one run when every example passes)."""

    def __init__(self, tmp, lab):
        self.tmp = tmp
        self.recap = {}
        self.outputs = {}  # host -> the output of the run it was in
        self.count = 0
        extra = os.path.join(tmp, "vars.json")
        with open(extra, "w") as fh:
            json.dump(variables(lab), fh)
        self.environ = dict((k, v) for k, v in os.environ.items()
                            if not k.startswith("ADREMEDY_"))
        self.environ.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                            ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_RETRY_FILES_ENABLED="0",
                            ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PIPELINING="1")
        self.extra = extra

    def playbook(self, plays_by_host):
        """Run [(host, plays)] in order until each has run; the hosts' recaps."""
        pending = list(plays_by_host)
        while pending:
            output = self._run(pending)
            recap = parse_recap(output)
            ran = [host for host, _plays in pending if host in recap]
            if not ran:  # nothing ran (a playbook ansible refused): the first one alone
                output = self._run(pending[:1])
                recap = parse_recap(output)
                ran = [pending[0][0]]
            for host in ran:
                self.recap[host] = recap.get(host) or {"failed": 1, "ok": 0, "unreachable": 0}
                self.outputs[host] = output
            pending = [item for item in pending if item[0] not in self.recap]

    def _run(self, plays_by_host):
        self.count += 1
        playbook = os.path.join(self.tmp, "examples-%d.yml" % self.count)
        with open(playbook, "w") as fh:
            yaml.safe_dump([play for _host, plays in plays_by_host for play in plays], fh,
                           sort_keys=False, allow_unicode=True)
        inventory = os.path.join(self.tmp, "inventory-%d.yml" % self.count)
        with open(inventory, "w") as fh:
            yaml.safe_dump({"all": {"hosts": dict(
                (host, {"ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable})
                for host, _plays in plays_by_host)}}, fh)
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                   "-i", inventory, "-e", "@" + self.extra, playbook]
        # relative output directories (the roles' defaults) land in the temporary directory
        proc = subprocess.Popen(command, cwd=self.tmp, env=self.environ, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        lines, started = [], time.monotonic()
        with open(playbook[:-4] + ".out", "w") as fh:  # each line with its second, to see where
            for line in proc.stdout:                  # the time goes
                lines.append(line)
                fh.write("%7.1f %s" % (time.monotonic() - started, line))
        proc.wait(timeout=60)
        return "".join(lines)

    def failures(self, host):
        """What ansible-playbook printed about this host's failures."""
        lines, keep = [], False
        for line in self.outputs.get(host, "").splitlines():
            if re.match(r"(fatal|failed): \[%s\]" % re.escape(host), line) or \
                    line.startswith(("ERROR!", "[ERROR]")):
                keep = True
            elif keep and (not line.strip() or line.startswith(
                    ("TASK [", "PLAY ", "ok: ", "changed: ", "skipping: "))):
                keep = False
            if keep:
                lines.append(line)
        return "\n".join(lines) or self.outputs.get(host, "")[-3000:]


@pytest.fixture(scope="module")
def examples_run(lab, directory, tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("examples"))
    for prefix in PATHS:
        os.makedirs(os.path.join(tmp, prefix.lstrip("/")), exist_ok=True)
    ou = "OU=Examples %s,%s" % (uuid.uuid4().hex[:8], LAB_OU)
    organization = Organization(directory, lab)
    before = organization.state()
    purge_leftovers(directory)
    try:
        tree = make_tree(directory, lab, ou)
        names = {"ou": ou, "netbios": lab["domain"], "sid": tree.sid, "tmp": tmp}
        plays_by_host, unbuilt = [], {}
        for example in EXAMPLES:
            try:
                plays_by_host.append((example.ident, build_plays(example, lab, names)))
            except Exception as exc:  # noqa: BLE001 - not YAML, not a list of plays or tasks
                unbuilt[example.ident] = "%s: %r" % (example.origin, exc)
        plays = [play for _host, host_plays in plays_by_host for play in host_plays]
        write_sync_csvs(plays, tree)
        organization.ensure_rules(rules_named(plays))
        prerequisites = {"name": "prerequisites", "hosts": "prerequisites", "gather_facts": False,
                         "any_errors_fatal": True,
                         "module_defaults": {CONNECTION_GROUP: lab_connection(lab)},
                         "tasks": prerequisite_tasks(plays, tree)}
        runs = Runs(tmp, lab)
        runs.unbuilt = unbuilt
        runs.playbook([("prerequisites", [prerequisites])] + plays_by_host)
        prereq = runs.recap["prerequisites"]
        assert prereq["ok"] == len(prerequisites["tasks"]) and not prereq["failed"], \
            "the prerequisites failed:\n" + runs.failures("prerequisites")
        runs.organization_drift = organization.restore(before)
        yield runs
    finally:
        try:
            organization.restore(before)
        finally:
            directory.tree_delete(ou)


def test_the_organization_is_as_it_was(examples_run):
    """Organization-wide settings ran in check mode; a rule a run opened, it closed."""
    assert examples_run.organization_drift == []


def test_every_role_has_an_example():
    roles = sorted(os.path.basename(d) for d in glob.glob(os.path.join(ROOT, "roles", "*")))
    with_examples = set(e.ident.split("-")[1] for e in EXAMPLES if e.ident.startswith("role-"))
    assert [r for r in roles if r not in with_examples] == []
    assert all(e.text.strip() for e in EXAMPLES), \
        [e.origin for e in EXAMPLES if not e.text.strip()]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.ident for e in EXAMPLES])
def test_example_runs_against_the_lab(examples_run, example):
    assert example.ident not in examples_run.unbuilt, examples_run.unbuilt[example.ident]
    counts = examples_run.recap[example.ident]
    assert counts["failed"] == 0 and counts["unreachable"] == 0 and counts["ok"] > 0, \
        "%s (%s) failed: %s\n%s" % (example.ident, example.origin, counts,
                                    examples_run.failures(example.ident))
    if example.tasks is not None:
        assert counts["ok"] == example.tasks, "%s: %d of its %d tasks ran: %s" % (
            example.ident, counts["ok"], example.tasks, counts)
