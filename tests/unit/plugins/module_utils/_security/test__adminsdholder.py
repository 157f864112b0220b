"""AdminSDHolder audited (_adminsdholder): the default template, ACEs that differ from it,
Exchange's ACEs, risky rights for non-administrators, inheritance and owner findings, each
citing its public rule; an unreadable descriptor is reported, not an error. What Samba and
Windows hold on AdminSDHolder is checked on the lab (tests/integration/test_admins_phones.py)."""

import pytest

from fakes import DOMAIN_NC, DOMAIN_SID, FakeDirectory, make_sid, sd_bytes

from ansible_collections.adremedy.directory.plugins.module_utils._security import _adminsdholder as audit
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

HOLDER = "CN=AdminSDHolder,CN=System," + DOMAIN_NC
EXS = "%s-1120" % DOMAIN_SID      # Exchange Servers
ETS = "%s-1121" % DOMAIN_SID      # Exchange Trusted Subsystem
HELPDESK = "%s-1300" % DOMAIN_SID
DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
MEMBER = "bf9679c0-0de6-11d0-a285-00aa003049e2"
PERSONAL = "77b5b886-944a-11d1-aebd-0000f80367c1"
GROUP_TYPE = "9a9a021e-4a5b-11d1-a9c3-0000f80367c1"
EXCHANGE_2013 = "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES, USER, EXS)
RISKY_MEMBER = "(OA;;WP;%s;;%s)" % (MEMBER, HELPDESK)


class Directory(FakeDirectory):
    """The fake, reading the SD parts asked for (it keeps owner and DACL together)."""

    def __init__(self):
        super().__init__()
        self.sd_flags = []

    def read(self, dn, attributes, what=None, sd_flags=None):
        self.sd_flags.append((dn, sd_flags))
        return super().read(dn, attributes, what)


def domain(extra="", head="O:DAG:DAD:PAI", level="4"):
    directory = Directory()
    directory.add_entry("", domainFunctionality=level)
    _name, template = audit.template_for(int(level))
    directory.add_entry(HOLDER, objectClass=["top", "container"],
                        nTSecurityDescriptor=sd_bytes(head + template + extra))
    for sid, name in ((EXS, "Exchange Servers"), (ETS, "Exchange Trusted Subsystem"),
                      (HELPDESK, "Helpdesk")):
        rid = int(sid.rsplit("-", 1)[1])
        directory.add_entry("CN=%s,OU=Groups,%s" % (name, DOMAIN_NC), objectClass=["top", "group"],
                            objectSid=make_sid(rid), sAMAccountName=name)
    return directory


def kinds(result):
    return sorted((f["kind"], f["trustee"]) for f in result["findings"])


@pytest.mark.parametrize("level, name", [(0, "windows2000"), (2, "windows2003"),
                                         (3, "windows2008"), (7, "windows2008"),
                                         (None, "windows2008")])
def test_the_template_follows_the_domain_functional_level(level, name):
    assert audit.template_for(level)[0] == name


def test_windows_default_dacl_has_no_finding():
    directory = domain()
    result = audit.audit(directory)
    assert result["readable"] is True and result["error"] is None
    assert (HOLDER, 0x5) in directory.sd_flags  # owner and DACL, never the SACL
    assert result["owner"] == dict(sid=DOMAIN_SID + "-512", name="Domain Admins")
    assert result["dacl_protected"] is True
    assert (result["template"], result["domain_functionality"]) == ("windows2008", 4)
    assert result["not_in_template"] == [] and result["missing_from_template"] == []
    assert result["exchange"] == [] and result["findings"] == []
    assert "PingCastle" in result["template_source"]


def test_exchange_2013_inherit_only_ace_and_a_direct_risky_ace_are_named():
    result = audit.audit(domain(EXCHANGE_2013 + RISKY_MEMBER))
    assert [row["ace"] for row in result["not_in_template"]] == [
        "(OA;CIIO;CCDCLC;%s;%s;%s)" % (DEVICES, USER, EXS),
        "(OA;;WP;%s;;%s)" % (MEMBER, HELPDESK)]
    assert result["missing_from_template"] == []
    exchange = result["exchange"]
    assert len(exchange) == 1 and exchange[0]["trustee"] == "Exchange Servers"
    assert (exchange[0]["object_type"], exchange[0]["inherited_object_type"]) == (
        "msExchActiveSyncDevices", "user")
    assert exchange[0]["inherit_only"] is True
    assert kinds(result) == [("exchange", "Exchange Servers"), ("risky", "Helpdesk")]
    risky = [f for f in result["findings"] if f["kind"] == "risky"][0]
    assert risky["rights"] == ["write property on member"] and risky["sid"] == HELPDESK
    assert "add any account to every protected group, Domain Admins included" in risky["enables"]
    assert "every 60 minutes (MS-ADTS 3.1.1.6.1.3)" in risky["enables"]
    assert any("Rule in AdminSDHolder (modified or added)" in c for c in risky["cites"])
    ex = [f for f in result["findings"] if f["kind"] == "exchange"][0]
    assert ex["cites"] == [audit.RULE_EXCHANGE] and "P-ExchangeAdminSDHolder" in ex["cites"][0]


def test_exchange_trusted_subsystem_writing_personal_information_is_risky_and_exchange():
    result = audit.audit(domain("(OA;CI;WP;%s;;%s)(OA;CI;WP;%s;;%s)" % (
        PERSONAL, ETS, GROUP_TYPE, EXS)))
    risky = dict((f["trustee"], f) for f in result["findings"] if f["kind"] == "risky")
    assert risky["Exchange Trusted Subsystem"]["rights"] == [
        "write property on Personal-Information"]
    assert risky["Exchange Servers"]["rights"] == ["write property on groupType"]
    assert all(audit.RULE_EXCHANGE in f["cites"] for f in risky.values())
    assert len(result["exchange"]) == 2


def test_inheritance_and_a_foreign_owner_are_findings():
    result = audit.audit(domain(head="O:%sG:DAD:AI" % HELPDESK))
    assert result["dacl_protected"] is False
    assert kinds(result) == [("inheritance", None), ("owner", "Helpdesk")]
    inheritance = [f for f in result["findings"] if f["kind"] == "inheritance"][0]
    assert "SI000106" in inheritance["cites"][0]


def test_administrators_are_no_risk_and_everyone_or_a_deleted_sid_cite_their_rules():
    result = audit.audit(domain("(A;;GA;;;EA)(A;;WD;;;WD)(A;;GW;;;%s-4242)(D;;WO;;;%s)"
                                % (DOMAIN_SID, HELPDESK)))
    assert len(result["not_in_template"]) == 4  # the admin's ACE differs from the template too
    risky = dict((f["sid"], f) for f in result["findings"] if f["kind"] == "risky")
    assert sorted(risky) == sorted(["S-1-1-0", DOMAIN_SID + "-4242"])  # no EA, no deny
    assert risky["S-1-1-0"]["trustee"] == "Everyone"
    assert risky["S-1-1-0"]["rights"] == ["WRITE_DAC"]
    assert any("P-DelegationEveryone" in c for c in risky["S-1-1-0"]["cites"])
    assert risky[DOMAIN_SID + "-4242"]["trustee"] is None
    assert any("P-UnkownDelegation" in c for c in risky[DOMAIN_SID + "-4242"]["cites"])


def test_missing_template_aces_are_listed():
    directory = domain()
    template = audit.TEMPLATES["windows2008"].replace("(A;;LCRPLORC;;;AU)", "")
    directory.entries[HOLDER.lower()].attrs["ntsecuritydescriptor"] = [
        sd_bytes("O:DAG:DAD:PAI" + template)]
    result = audit.audit(directory)
    assert [row["ace"] for row in result["missing_from_template"]] == ["(A;;RPLCLORC;;;AU)"]
    assert result["findings"] == []


@pytest.mark.parametrize("ace, rights", [
    ("(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;%s)" % HELPDESK, ["GENERIC_ALL"]),  # full control
    ("(A;;GA;;;%s)" % HELPDESK, ["GENERIC_ALL"]),
    ("(A;;GW;;;%s)" % HELPDESK, ["GENERIC_WRITE"]),
    ("(A;;WDWO;;;%s)" % HELPDESK, ["WRITE_DAC", "WRITE_OWNER"]),
    ("(A;;WP;;;%s)" % HELPDESK, ["write property (all properties)"]),
    ("(OA;;WP;%s;;%s)" % (GROUP_TYPE, HELPDESK), ["write property on groupType"]),
    # telephoneNumber on its own, a read, a deny: not risky by this rule
    ("(OA;;WP;bf967a49-0de6-11d0-a285-00aa003049e2;;%s)" % HELPDESK, []),
    ("(OA;;RP;%s;;%s)" % (MEMBER, HELPDESK), []),
    ("(OD;;WP;%s;;%s)" % (MEMBER, HELPDESK), []),
])
def test_risky_rights(ace, rights):
    parsed = Sddl(DOMAIN_SID).parse_ace(ace[1:-1])
    assert [right for right, _what in audit.risky_rights(parsed)] == rights


def test_an_unreadable_descriptor_is_reported_not_raised():
    directory = domain()
    directory.entries[HOLDER.lower()].attrs.pop("ntsecuritydescriptor")
    result = audit.audit(directory)
    assert result["readable"] is False and "may not read it (READ_CONTROL)" in result["error"]
    assert result["findings"] == [] and result["owner"] is None

    def refuse(dn, attributes, what=None, sd_flags=None):
        if dn == HOLDER:
            raise LdapError("read %s failed: insufficientAccessRights (50)" % dn, code=50)
        return FakeDirectory.read(directory, dn, attributes, what)
    directory.read = refuse
    refused = audit.audit(directory)
    assert refused["readable"] is False and "insufficientAccessRights (50)" in refused["error"]
