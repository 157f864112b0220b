"""What every test module must leave as it found it (issue 26): the lab's state as facts that can
be compared, read with plain ldap3 as Administrator.

- every object under OU=Lab (the seed's and any a test made): its adminCount, whether its DACL is
  protected, its explicit ACEs, its group members and its device allow and block lists;
- what a reseed does not make again: the domain root's and AdminSDHolder's DACLs, the objects
  directly below the domain root, CN=Users, CN=Builtin and CN=ForeignSecurityPrincipals (their
  adminCount, protection and members) and below CN=Services in the Configuration NC, and
  dSHeuristics;
- the Exchange organization: its objects, the default access level, the admin recipients, the
  rules and the DACL of Mobile Mailbox Settings (where delegations are granted).

A SID of the domain (RID 1000 and up) is named by the DN of the object that holds it, so that a
reseed, which makes every object again with a new SID, gives the same facts; an ACE for a SID no
object holds any more is named "<no object: SID>"."""

import ldap3

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor

BASE = "DC=lab,DC=example,DC=test"
LAB_OU = "OU=Lab,%s" % BASE
CONFIG = "CN=Configuration,%s" % BASE
EXCHANGE = "CN=Microsoft Exchange,CN=Services,%s" % CONFIG
SETTINGS = "CN=Mobile Mailbox Settings,CN=Lab Org,%s" % EXCHANGE
ADMIN_SD_HOLDER = "CN=AdminSDHolder,CN=System,%s" % BASE
DIRECTORY_SERVICE = "CN=Directory Service,CN=Windows NT,CN=Services,%s" % CONFIG
SD_FLAGS_DACL = ("1.2.840.113556.1.4.801", True, b"\x30\x03\x02\x01\x04")
ATTRIBUTES = ["adminCount", "member", "msExchMobileAllowedDeviceIDs",
              "msExchMobileBlockedDeviceIDs", "nTSecurityDescriptor"]


class _Names(object):
    """The DN holding a SID of the domain, looked up once per state."""

    def __init__(self, conn, domain_sid):
        self.conn = conn
        self.prefix = domain_sid + "-"
        self.found = {}

    def __call__(self, sid):
        if not sid.startswith(self.prefix) or int(sid[len(self.prefix):]) < 1000:
            return sid
        if sid not in self.found:
            self.conn.search(BASE, "(objectSid=%s)" % sid, attributes=["1.1"])
            hits = [e["dn"].lower() for e in self.conn.response if e["type"] == "searchResEntry"]
            self.found[sid] = hits[0] if hits else "<no object: %s>" % sid
        return self.found[sid]


def _entries(conn, base, scope, attributes, search_filter="(objectClass=*)"):
    found = conn.extend.standard.paged_search(base, search_filter, search_scope=scope,
                                              attributes=attributes, controls=[SD_FLAGS_DACL],
                                              paged_size=500, generator=False)
    return [e for e in found if e["type"] == "searchResEntry"]


def _values(entry, name):
    value = entry["raw_attributes"].get(name) or []
    return sorted(v.decode("utf-8", "replace").lower() for v in value)


def _explicit_aces(raw, names):
    if not raw:
        return None, None
    sd = SecurityDescriptor.parse(raw[0])
    if sd.dacl is None:
        return sd.protected, None
    return sd.protected, tuple(sorted(
        (ace.type, ace.flags, ace.mask, names(ace.sid), ace.object_type or "",
         ace.inherited_object_type or "") for ace in sd.dacl.aces if not ace.inherited))


def _object_facts(entry, names):
    protected, aces = _explicit_aces(entry["raw_attributes"].get("nTSecurityDescriptor"), names)
    return dict(adminCount=_values(entry, "adminCount"), protected=protected, aces=aces,
                member=_values(entry, "member"),
                allowed=_values(entry, "msExchMobileAllowedDeviceIDs"),
                blocked=_values(entry, "msExchMobileBlockedDeviceIDs"))


def lab_state(conn):
    """{fact name: value}; equal dicts: nothing a module must put back differs."""
    conn.search(BASE, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["objectSid"])
    names = _Names(conn, sid_to_str(conn.response[0]["raw_attributes"]["objectSid"][0]))
    facts = {}
    places = [(LAB_OU, ldap3.SUBTREE), (BASE, ldap3.BASE), (ADMIN_SD_HOLDER, ldap3.BASE),
              (BASE, ldap3.LEVEL), ("CN=Users,%s" % BASE, ldap3.LEVEL),
              ("CN=Builtin,%s" % BASE, ldap3.LEVEL),
              ("CN=ForeignSecurityPrincipals,%s" % BASE, ldap3.LEVEL),
              ("CN=Services,%s" % CONFIG, ldap3.LEVEL), (EXCHANGE, ldap3.SUBTREE)]
    for base, scope in places:
        for entry in _entries(conn, base, scope, ATTRIBUTES):
            facts[entry["dn"].lower()] = _object_facts(entry, names)
    for entry in _entries(conn, EXCHANGE, ldap3.SUBTREE, [
            "msExchMobileAccessControl", "msExchMobileAdminRecipients",
            "msExchDeviceAccessRuleQueryString", "msExchDeviceAccessRuleCharacteristic"]):
        facts["settings: " + entry["dn"].lower()] = dict(
            (name, _values(entry, name)) for name in sorted(entry["raw_attributes"]))
    for entry in _entries(conn, DIRECTORY_SERVICE, ldap3.BASE, ["dSHeuristics"]):
        facts["dSHeuristics"] = _values(entry, "dSHeuristics")
    return facts


def changed_by(baseline, before, after):
    """The facts a module changed away from the baseline (the lab as the session found it,
    freshly seeded): those that were as in the baseline before the module and are not after it.
    A fact a module puts back to the baseline is not counted against it."""
    found = []
    for key in sorted(set(baseline) | set(after)):
        was, now = baseline.get(key), after.get(key)
        if before.get(key) == was and now != was:
            if was is None or now is None:
                found.append("%s %s" % (key, "added" if was is None else "deleted"))
            elif isinstance(was, dict):
                found.append("%s: %s" % (key, ", ".join(
                    "%s %s -> %s" % (name, _short(was.get(name)), _short(now.get(name)))
                    for name in sorted(set(was) | set(now)) if was.get(name) != now.get(name))))
            else:
                found.append("%s: %s -> %s" % (key, _short(was), _short(now)))
    return found


def _short(value, limit=300):
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "..."
