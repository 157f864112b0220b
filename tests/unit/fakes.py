"""A directory in memory that stands in for LdapClient, for unit tests of the write engine and
of the modules' main() through the module base (fixtures in tests/unit/plugins/conftest.py). The real
behaviour of the DC is what the integration tests check against the lab."""

import json
import re
from types import SimpleNamespace

from ansible.module_utils import basic

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import (
    _schema as exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import escape_value
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE, MODIFY_REPLACE, Entry)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    sid_from_str, sid_to_str)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

try:
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=unused-import
except ImportError:  # ansible-core before 2.19
    from contextlib import contextmanager
    from unittest import mock

    @contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, "_ANSIBLE_ARGS",
                               json.dumps(dict(ANSIBLE_MODULE_ARGS=args)).encode()):
            yield

DOMAIN_NC = "DC=example,DC=com"
DOMAIN_SID = "S-1-5-21-1-2-3"
SDDL = Sddl(DOMAIN_SID)
# A user's DACL with inheritance off, and the same with inheritance on.
PROTECTED_SDDL = "O:DAG:DUD:PAI(A;;RPWP;;;%s-1120)" % DOMAIN_SID
INHERITING_SDDL = "O:DAG:DUD:AI(A;;RPWP;;;%s-1120)" % DOMAIN_SID
USER_FILTER = {"objectCategory": "person", "objectClass": ["top", "person", "user"]}


def sd_bytes(sddl):
    return SDDL.parse(sddl).to_bytes()


def _bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


_TOKEN = re.compile(r"\(|\)|[^()]+")


class _Filter(object):
    """The RFC 4515 subset the collection sends: & | ! = and presence; the matching rule
    extensions (in-chain) never match here."""

    def __init__(self, text):
        self.tokens = _TOKEN.findall(text)
        self.pos = 0
        self.tree = self._node()

    def _node(self):
        assert self.tokens[self.pos] == "("
        self.pos += 1
        head = self.tokens[self.pos]
        if head in ("&", "|", "!"):
            self.pos += 1
            children = []
            while self.tokens[self.pos] == "(":
                children.append(self._node())
            node = (head, children)
        else:
            self.pos += 1
            node = ("=",) + tuple(head.split("=", 1))
        assert self.tokens[self.pos] == ")"
        self.pos += 1
        return node

    def matches(self, entry):
        return self._eval(self.tree, entry)

    def _eval(self, node, entry):
        if node[0] == "&":
            return all(self._eval(child, entry) for child in node[1])
        if node[0] == "|":
            return any(self._eval(child, entry) for child in node[1])
        if node[0] == "!":
            return not self._eval(node[1][0], entry)
        attribute, value = node[1], node[2]
        if ":" in attribute:
            return False
        name = attribute.lower()
        if name == "distinguishedname":
            stored = [entry.dn.encode("utf-8")]
        else:
            stored = entry.attrs.get(name) or []
        if value == "*":
            return bool(stored)
        wanted = re.sub(r"\\([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)
        if name in ("objectsid", "objectguid"):  # a SID string, or binary escapes as sent
            binary = wanted.encode("latin-1", "replace")
            return any(v == binary or (name == "objectsid" and sid_to_str(v) == wanted)
                       for v in stored)
        return any(v.decode("utf-8", "replace").lower() == wanted.lower() for v in stored)


class FakeDirectory(object):
    """LdapClient's interface over a dict. Faults: fail[dn] = LdapError raised by the modify
    of dn; lose_after = n: the DC goes away after n modifies (every later request fails, code 52);
    tamper[dn] = callable(attrs) run after a modify of dn (another writer, a DC rewriting)."""

    def __init__(self):
        self.entries = {}
        self.modifies = []
        self.fail = {}
        self.tamper = {}
        self.lose_after = None
        self.lost = False
        self.closed = False
        self.settings = None
        self.root_dse = SimpleNamespace(
            default_naming_context=DOMAIN_NC, root_domain_naming_context=DOMAIN_NC,
            configuration_naming_context="CN=Configuration," + DOMAIN_NC,
            schema_naming_context="CN=Schema,CN=Configuration," + DOMAIN_NC,
            dns_host_name="dc1.example.com", domain_sid=DOMAIN_SID, forest_root_sid=DOMAIN_SID,
            highest_committed_usn=None)  # no split reads: one search, as the fake serves it

    # -- building it -----------------------------------------------------------------------

    def add_entry(self, dn, **attrs):
        values = {}
        for name, value in attrs.items():
            items = value if isinstance(value, (list, tuple)) else [value]
            values[name.lower()] = [_bytes(v) for v in items]
        self.entries[dn.lower()] = Entry(dn, values)
        return dn

    def add_user(self, dn, sddl=PROTECTED_SDDL, **attrs):
        # an account's token always holds its primary group (Domain Users unless given)
        attrs.setdefault("tokenGroups", [sid_from_str("%s-513" % DOMAIN_SID)])
        return self.add_entry(dn, nTSecurityDescriptor=sd_bytes(sddl), **dict(USER_FILTER, **attrs))

    def sd(self, dn):
        return self.entries[dn.lower()].raw("nTSecurityDescriptor")

    # -- LdapClient ------------------------------------------------------------------------

    def __call__(self, settings):
        """Stands in for the LdapClient class: the module base calls LdapClient(settings)."""
        self.settings = settings
        return self

    def connect(self):
        return self

    def close(self):
        self.closed = True

    def _check_alive(self, dn, modify=False):
        if modify and self.lose_after is not None and len(self.modifies) >= self.lose_after:
            self.lost = True
        if self.lost:
            raise LdapError("modify %s failed: lost the connection to ldaps://dc1:636 and 3 "
                            "retries did not bring it back" % dn, code=52, name="unavailable",
                            dn=dn)

    @staticmethod
    def _view(entry, attributes):
        names = set(a.lower() for a in attributes or [])
        if "*" in names:
            return Entry(entry.dn, dict(entry.attrs))
        return Entry(entry.dn, dict((k, v) for k, v in entry.attrs.items() if k in names))

    def read(self, dn, attributes, what=None, sd_flags=None):
        self._check_alive(dn)
        entry = self.entries.get(dn.lower())
        return self._view(entry, attributes) if entry is not None else None

    def search(self, base, search_filter="(objectClass=*)", attributes=None, scope="subtree"):
        self._check_alive(base)
        test = _Filter(search_filter)
        base_key = base.lower()
        for key, entry in sorted(self.entries.items()):
            if scope == "base":
                inside = key == base_key
            elif scope == "onelevel":
                inside = re.split(r"(?<!\\),", key, maxsplit=1)[-1] == base_key and key != base_key
            else:
                inside = key == base_key or key.endswith("," + base_key)
            if inside and test.matches(entry):
                yield self._view(entry, attributes)

    def modify(self, dn, changes, permissive=False, settle=None):
        self._check_alive(dn, modify=True)
        if dn.lower() in self.fail:
            raise self.fail[dn.lower()]
        attrs = self.entries[dn.lower()].attrs
        for name, operations in changes.items():
            key = name.lower()
            for operation, values in operations:
                values = [_bytes(v) for v in values]
                if operation == MODIFY_REPLACE:
                    attrs[key] = values
                elif operation == MODIFY_ADD:
                    attrs[key] = attrs.get(key, []) + values
                elif operation == MODIFY_DELETE:
                    attrs[key] = [v for v in attrs.get(key, []) if values and v not in values]
                if not attrs[key]:
                    del attrs[key]
        self.modifies.append((dn, changes))
        if dn.lower() in self.tamper:
            self.tamper[dn.lower()](attrs)
        return {"result": 0}

    def add(self, dn, object_class, attributes=None):
        self._check_alive(dn)
        self.add_entry(dn, objectClass=object_class, **(attributes or {}))
        self.modifies.append((dn, "add"))

    def delete(self, dn, tree=False):
        self._check_alive(dn)
        del self.entries[dn.lower()]
        self.modifies.append((dn, "delete"))


class Exit(Exception):
    def __init__(self, result, failed):
        super(Exit, self).__init__(result.get("msg"))
        self.result = dict(result, failed=failed)


CONNECTION = dict(server=["ldaps://dc1.example.com"], bind_dn="CN=admin," + DOMAIN_NC,
                  password="secret")


def make_sid(rid):
    return sid_from_str("%s-%d" % (DOMAIN_SID, rid))


EXCHANGE = "CN=Microsoft Exchange,CN=Services,CN=Configuration," + DOMAIN_NC
ORG = "CN=Contoso,%s" % EXCHANGE
SETTINGS = "CN=Mobile Mailbox Settings,%s" % ORG
EXCHANGE_SERVERS = "CN=Exchange Servers,OU=Microsoft Exchange Security Groups," + DOMAIN_NC


def add_exchange_schema(directory, names):
    """Schema objects of these Exchange classes and attributes, named as the collection's one
    table has them (_exchange/_schema.py: CN=<cn>, lDAPDisplayName). No schemaIDGUID: a reader
    falls back to the documented one, as on a DC whose schema it cannot read."""
    schema = directory.root_dse.schema_naming_context
    for name in names:
        row = exchange_schema.find(name)
        directory.add_entry("CN=%s,%s" % (row.cn, schema), lDAPDisplayName=row.name)


def exchange_forest(directory, default_level=2, rules=()):
    """The Exchange schema names the modules check for (devices, the users' lists, the access
    policy: not the mobile mailbox policies' or msExchOmaAdminWirelessEnable, which tests add
    to see them missing), the Exchange Servers group, and one organization with its mobile
    mailbox settings and device access rules (name, characteristic number, query string,
    level number)."""
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
        EXCHANGE_SERVERS_WKGUID)
    add_exchange_schema(directory, sorted(set(
        exchange_schema.DEVICE_SCHEMA + exchange_schema.POLICY_SCHEMA
        + [exchange_schema.ALLOWED_DEVICE_IDS, exchange_schema.BLOCKED_DEVICE_IDS])))
    directory.add_entry(EXCHANGE_SERVERS, objectClass=["top", "group"], objectSid=make_sid(1120))
    directory.add_entry(EXCHANGE, objectClass=["top", exchange_schema.CONFIGURATION_CONTAINER],
                        otherWellKnownObjects="B:32:%s:%s" % (
                            EXCHANGE_SERVERS_WKGUID, EXCHANGE_SERVERS))
    directory.add_entry(ORG, objectClass=["top", exchange_schema.ORGANIZATION], cn="Contoso")
    directory.add_entry(SETTINGS, objectClass=["top", exchange_schema.MOBILE_SETTINGS],
                        **{exchange_schema.ACCESS_CONTROL: str(default_level)})
    for name, characteristic, query, level in rules:
        directory.add_entry("CN=%s,%s" % (escape_value(name), SETTINGS), cn=name,
                            objectClass=["top", exchange_schema.ACCESS_RULE],
                            **{exchange_schema.RULE_CHARACTERISTIC: str(characteristic),
                               exchange_schema.RULE_QUERY_STRING: query,
                               exchange_schema.ACCESS_CONTROL: str(level)})


POLICIES = "CN=Mobile Mailbox Policies," + ORG
LEGACY_POLICY = "CN=Legacy Devices," + POLICIES


def mobile_policies(directory, schema=True, **default):
    """Two mobile device mailbox policies in the organization's container: Default (password
    required 0x2, alphanumeric 0x4, IsDefault 0x1000; encryption required, additional 0x4 on
    Exchange's default word; every number within the CIS items) and Legacy Devices (no
    password, non-provisionable devices 0x20000, simple passwords 0x40000), with the schema
    names eas_policy_info checks for unless schema is False. default: more attributes of
    Default (whenChanged, ...)."""
    if schema:
        add_exchange_schema(directory, exchange_schema.MOBILE_POLICY_SCHEMA)
    directory.add_entry(POLICIES, objectClass=["top", "container"])
    directory.add_entry("CN=Default," + POLICIES,
                        objectClass=["top", exchange_schema.MOBILE_POLICY], cn="Default",
                        msExchMobileFlags=str(0x2 | 0x4 | 0x40 | 0x1000),
                        msExchMobileAdditionalFlags=str(7314395 | 0x4),
                        msExchMobileMinDevicePasswordLength="6",
                        msExchMobileMaxDevicePasswordFailedAttempts="10",
                        msExchMobileDevicePasswordExpiration=str(90 * 86400),
                        msExchMobileDeviceNumberOfPreviousPasswordsDisallowed="5",
                        msExchMobileMaxInactivityTimeDeviceLock="900",
                        msExchMobileDevicePolicyRefreshInterval="3600", **default)
    directory.add_entry(LEGACY_POLICY, objectClass=["top", exchange_schema.MOBILE_POLICY],
                        cn="Legacy Devices", msExchMobileFlags=str(0x40 | 0x20000 | 0x40000),
                        msExchMobileMinDevicePasswordLength="4")


def add_device(directory, owner, device_id, model, state=3, reason=3):
    """A partnership under owner's ExchangeActiveSyncDevices container."""
    container = "CN=ExchangeActiveSyncDevices," + owner
    if container.lower() not in directory.entries:
        directory.add_entry(container, objectClass=["top", exchange_schema.DEVICES_CONTAINER])
    return directory.add_entry(
        "CN=%s,%s" % (escape_value("%s\u00a7%s" % (model, device_id)), container),
        objectClass=["top", exchange_schema.DEVICE],
        **{exchange_schema.DEVICE_ID: device_id, exchange_schema.DEVICE_MODEL: model,
           exchange_schema.DEVICE_TYPE: "iPhone", exchange_schema.ACCESS_STATE: str(state),
           exchange_schema.ACCESS_STATE_REASON: str(reason)})


# A device record as eas_access_plan returns it, for the filters the workflow roles use.
OWNER = "CN=Jane Doe,OU=Staff,DC=example,DC=com"


def device_record(dn, device_id, now, after, owner=OWNER, sam="jdoe", **extra):
    record = dict(dn=dn, device_id=device_id, device_model="Pixel 8", owner_dn=owner,
                  owner_sam_account_name=sam, now=now, after=after)
    record.update(extra)
    return record


# Rollout users and their devices in two OUs, for the device_rollout filters: an escaped comma
# and non-ASCII in a DN, U+00A7 in device CNs (as Exchange names them).
ROLLOUT_DOMAIN = "DC=lab,DC=example,DC=test"
ROLLOUT_ENG = "OU=Engineering,OU=Staff,OU=Lab," + ROLLOUT_DOMAIN
ROLLOUT_SALES = "OU=Sales,OU=Staff,OU=Lab," + ROLLOUT_DOMAIN
ROLLOUT_A = "CN=User 00001," + ROLLOUT_ENG
ROLLOUT_B = "CN=D\u00fcrst\\, Anna," + ROLLOUT_SALES
ROLLOUT_DEV_A = "CN=iPhone\u00a7PILOT0001,CN=ExchangeActiveSyncDevices," + ROLLOUT_A
ROLLOUT_DEV_B = "CN=iPhone\u00a7PILOT0002,CN=ExchangeActiveSyncDevices," + ROLLOUT_B


class FakeDc(object):
    """One domain controller for LdapClient's own logic (connecting, retrying, deciding a write
    whose answer was lost), where FakeDirectory stands in for the whole client: ldap3
    connections to `directory` (its database; two DCs with two directories are two replicas
    that do not replicate). Faults, counted down per request kind ('modify', 'add', 'delete',
    'search'): lose_answer[kind] = n, the next n such requests are applied and then the
    connection drops before the answer (what a DC going away mid-request looks like);
    drop_request[kind] = n, the connection drops before the request reaches the DC;
    on_drop(kind, dn): run when either happens, after the DC applied a request whose answer is
    lost (another writer at that moment).
    up = False refuses connections. opened: how often a client connected; requests: what it
    applied, in order."""

    def __init__(self, uri, directory=None):
        self.uri = uri
        self.directory = directory if directory is not None else FakeDirectory()
        self.up = True
        self.lose_answer = {}
        self.drop_request = {}
        self.on_drop = None
        self.opened = 0
        self.requests = []

    def open(self):
        from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import _Unreachable
        if not self.up:
            raise _Unreachable("%s (connection refused)" % self.uri)
        self.opened += 1
        return _FakeDcConnection(self), self.uri

    def fault(self, kind, dn):
        """'lose' (apply, then no answer), 'drop' (not applied) or None for this request."""
        for which, name in ((self.drop_request, "drop"), (self.lose_answer, "lose")):
            if which.get(kind):
                which[kind] -= 1
                return name
        return None


def connect_to(monkeypatch, client, *dcs):
    """Make LdapClient `client` connect to the FakeDcs (its `server` list names their URIs)."""
    by_uri = dict((dc.uri, dc) for dc in dcs)
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _settings
    monkeypatch.setattr(_ldap, "RETRY_DELAYS", (0, 0, 0))
    monkeypatch.setattr(client, "_open", lambda scheme, host, port: by_uri[
        _settings.server_uri(scheme, host, port)].open())
    return client.connect()


class _FakeDcConnection(object):
    """The part of an ldap3 Connection LdapClient uses, over a FakeDc."""

    def __init__(self, dc):
        self.dc = dc
        self.result = None
        self.response = None
        self.closed = False

    def _request(self, kind, dn, apply):
        from ldap3.core.exceptions import LDAPSessionTerminatedByServerError
        if self.closed:
            raise LDAPSessionTerminatedByServerError("session terminated by server")
        fault = self.dc.fault(kind, dn)
        if fault == "drop":
            self.closed = True
            if self.dc.on_drop is not None:
                self.dc.on_drop(kind, dn)
            raise LDAPSessionTerminatedByServerError("session terminated by server")
        code = apply()
        self.result = dict(result=code, description={
            0: "success", 32: "noSuchObject", 68: "entryAlreadyExists"}.get(code, "error"))
        if code == 0 and kind != "search":
            self.dc.requests.append((kind, dn))
        if fault == "lose":
            self.closed = True
            if self.dc.on_drop is not None:
                self.dc.on_drop(kind, dn)
            raise LDAPSessionTerminatedByServerError("session terminated by server")
        return code == 0

    def search(self, base, search_filter, search_scope="SUBTREE", attributes=None,
               controls=None, **_paging):
        directory = self.dc.directory

        def apply():
            scope = dict(BASE="base", LEVEL="onelevel").get(search_scope, "subtree")
            if base and base.lower() not in directory.entries:
                self.response = []
                return 32
            self.response = [dict(type="searchResEntry", dn=e.dn, raw_attributes=e.attrs)
                             for e in directory.search(base, search_filter, attributes, scope)]
            return 0
        return self._request("search", base, apply)

    def modify(self, dn, changes, controls=None):
        directory = self.dc.directory

        def apply():
            if dn.lower() not in directory.entries:
                return 32
            directory.modify(dn, changes)
            return 0
        return self._request("modify", dn, apply)

    def add(self, dn, object_class, attributes=None):
        directory = self.dc.directory

        def apply():
            if dn.lower() in directory.entries:
                return 68
            directory.add(dn, object_class, attributes)
            return 0
        return self._request("add", dn, apply)

    def delete(self, dn, controls=None):
        directory = self.dc.directory

        def apply():
            if dn.lower() not in directory.entries:
                return 32
            directory.delete(dn)
            return 0
        return self._request("delete", dn, apply)

    def unbind(self):
        self.closed = True
