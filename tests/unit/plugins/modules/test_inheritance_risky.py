"""inheritance's risky_inherited: what the objects it re-enables would gain from their parents,
aggregated per ACE and where it is set (issue 24 item 5), against a directory in memory."""

from fakes import DOMAIN_NC, DOMAIN_SID, INHERITING_SDDL, make_sid, sd_bytes

from ansible_collections.adremedy.directory.plugins.modules import inheritance

STAFF = "OU=Staff," + DOMAIN_NC
JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC
FINE = "CN=Fine User,OU=Staff," + DOMAIN_NC
PC = "CN=PC1,OU=Staff," + DOMAIN_NC
HELPDESK = "%s-1105" % DOMAIN_SID
EWP = "%s-1121" % DOMAIN_SID
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
COMPUTER = "bf967a86-0de6-11d0-a285-00aa003049e2"
MEMBER = "bf9679c0-0de6-11d0-a285-00aa003049e2"
PERSONAL = "77b5b886-944a-11d1-aebd-0000f80367c1"
PHONE = "f0f8ffa6-1191-11d0-a060-00aa006c33ed"  # telephoneNumber: no risky right
# Exchange before the 2019 fix: WRITE_DAC on the domain object itself, passed to everything;
# after it: inherit-only, for user objects.
ROOT = ("O:DAG:DUD:AI(A;CI;WD;;;%s)(OA;CIIO;WD;;%s;%s)(A;CI;GA;;;DA)(A;CI;LC;;;AU)"
        % (EWP, USER, EWP))
OU = ("O:DAG:DUD:AI"
      "(OA;CI;WP;%s;;%s)"          # Helpdesk may write member: on every object below
      "(OA;CIIO;WP;%s;%s;%s)"      # Personal-Information, computers only
      "(A;OI;WD;;;%s)"             # object-inherit only: reaches containers inherit-only
      "(OA;CI;WP;%s;;%s)"          # telephoneNumber: not a risky right
      "(A;CI;GA;;;S-1-3-0)"        # CREATOR OWNER: the owner holds WRITE_DAC already
      "(A;CIID;WD;;;%s)(OA;CIIOID;WD;;%s;%s)(A;CIID;GA;;;DA)(A;CIID;LC;;;AU)"
      % (MEMBER, HELPDESK, PERSONAL, COMPUTER, HELPDESK, HELPDESK, PHONE, HELPDESK, EWP, USER,
         EWP))


def lab(directory):
    directory.add_entry(DOMAIN_NC, objectClass=["top", "domain", "domainDNS"],
                        nTSecurityDescriptor=sd_bytes(ROOT))
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"],
                        nTSecurityDescriptor=sd_bytes(OU))
    for dn in (JANE, JOHN):
        directory.add_user(dn)
    directory.add_user(FINE, INHERITING_SDDL)
    directory.add_user(PC, objectClass=["top", "person", "user", "computer"])
    directory.add_entry("CN=Helpdesk,OU=Groups," + DOMAIN_NC, objectClass=["top", "group"],
                        objectSid=make_sid(1105), sAMAccountName="Helpdesk")
    directory.add_entry("CN=Exchange Windows Permissions,OU=Microsoft Exchange Security Groups,"
                        + DOMAIN_NC, objectClass=["top", "group"], objectSid=make_sid(1121),
                        sAMAccountName="Exchange Windows Permissions")


def rows(result):
    return sorted((r["trustee"], r["right"], r["set_on"], r["objects"], r["object_type"],
                   r["inherited_object_type"]) for r in result["risky_inherited"])


def test_check_mode_names_what_the_re_enabled_objects_would_gain(run_module, directory):
    lab(directory)
    reads = []
    plain_read = directory.read
    directory.read = lambda dn, attributes, *a, **k: (
        reads.append(dn) if "nTSecurityDescriptor" in attributes else None) or plain_read(
            dn, attributes, *a, **k)
    check = run_module(inheritance, dict(search_base=STAFF), check_mode=True)
    assert directory.modifies == [] and check["counts"]["changed"] == 3
    assert rows(check) == [
        ("Exchange Windows Permissions", "WRITE_DAC", DOMAIN_NC, 2, None, "user"),
        ("Exchange Windows Permissions", "WRITE_DAC", DOMAIN_NC, 3, None, None),
        ("Helpdesk", "write property on Personal-Information", STAFF, 1, "Personal-Information",
         "computer"),
        ("Helpdesk", "write property on member", STAFF, 3, "member", None)]
    by_right = dict(((r["trustee"], r["inherited_object_type"]), r)
                    for r in check["risky_inherited"])
    old = by_right[("Exchange Windows Permissions", None)]
    assert old["sid"] == EWP and old["set_on_found"] is True
    assert old["ace"] == "(A;CI;WD;;;%s)" % EWP  # as set on the domain, not the OU's copy
    assert len(old["cites"]) == 1 and "P-ExchangePrivEsc" in old["cites"][0]
    assert "2019" in old["cites"][0]
    assert by_right[("Exchange Windows Permissions", "user")]["cites"] == []  # after the fix
    member = by_right[("Helpdesk", None)]
    assert member["object_type_guid"] == MEMBER and "add any account" in member["enables"]
    # descriptors read: the parent and the domain above it, each once; no object's
    assert sorted(reads) == sorted([STAFF, DOMAIN_NC])
    real = run_module(inheritance, dict(search_base=STAFF))
    assert real["risky_inherited"] == check["risky_inherited"]
    # what is written does not depend on it: the DC adds the inherited ACEs, not the module
    again = run_module(inheritance, dict(search_base=STAFF), check_mode=True)
    assert again["risky_inherited"] == [] and again["changed"] is False


def test_nothing_re_enabled_nothing_named(run_module, directory):
    lab(directory)
    result = run_module(inheritance, dict(dn=[FINE]), check_mode=True)
    assert result["risky_inherited"] == [] and result["counts"]["unchanged"] == 1
    disable = run_module(inheritance, dict(dn=[FINE], state="disabled"), check_mode=True)
    assert disable["counts"]["changed"] == 1 and disable["risky_inherited"] == []


def test_the_max_changes_failure_names_them_too(run_module, directory):
    lab(directory)
    result = run_module(inheritance, dict(search_base=STAFF, max_changes=1))
    assert result["failed"] and directory.modifies == []
    assert ("Helpdesk", "write property on member", STAFF, 3, "member", None) in rows(result)


def test_a_parent_not_readable_is_a_warning_not_a_guess(run_module, directory, monkeypatch):
    from ansible.module_utils import basic
    lab(directory)
    del directory.entries[STAFF.lower()].attrs["ntsecuritydescriptor"]
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
    result = run_module(inheritance, dict(search_base=STAFF), check_mode=True)
    assert result["risky_inherited"] == []
    assert warnings == ["the DACL of %s could not be read (READ_CONTROL), so what 3 object(s) "
                        "under it would inherit is not in risky_inherited" % STAFF]


def test_a_right_the_object_holds_already_is_not_gained(run_module, directory):
    """Inheritance turned off with 'convert' left the parent's ACEs explicit: re-enabling gives
    those trustees nothing new."""
    lab(directory)
    converted = "CN=Converted User,OU=Staff," + DOMAIN_NC
    directory.add_user(converted, "O:DAG:DUD:PAI(OA;CI;WP;%s;;%s)(A;CI;WD;;;%s)"
                       % (MEMBER, HELPDESK, EWP))
    result = run_module(inheritance, dict(search_base=STAFF), check_mode=True)
    assert result["counts"]["changed"] == 4
    assert ("Helpdesk", "write property on member", STAFF, 3, "member", None) in rows(result)
    # its WRITE_DAC for Exchange Windows Permissions is held already, from either ACE
    assert ("Exchange Windows Permissions", "WRITE_DAC", DOMAIN_NC, 3, None, None) in rows(result)
    assert ("Exchange Windows Permissions", "WRITE_DAC", DOMAIN_NC, 2, None, "user") \
        in rows(result)
