"""remove_explicit_duplicates and property sets, judged by the DC itself (issue 20 item 3).

The DC checks a write of telephoneNumber against an object type list: the user class, the
Personal-Information property set, telephoneNumber. A deny on the property set denies the
property. Made here, under OU=Lab: a farther OU passes down a deny of Write Property on
Personal-Information for a delegated group, a closer OU an allow of Write Property on
telephoneNumber for the same group. The user under both inherits the allow first (closer
parent), then the deny, so a member of the group may write the user's telephone number. An
explicit copy of the inherited deny in front takes that away. Dropping that copy because it
"duplicates" an inherited ACE would give the write back: the module must keep it, and a
member of the group, bound with its own password, must still be refused after the run.
"""

import ssl

import ldap3
import pytest

from conftest import LAB_OU
from made_here import add_user, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

PERSONAL_INFORMATION = "77b5b886-944a-11d1-aebd-0000f80367c1"
TELEPHONE_NUMBER = "bf967a49-0de6-11d0-a285-00aa003049e2"
FAR = "OU=Propriétés\\, loin,%s" % LAB_OU
NEAR = "OU=Proche,%s" % FAR
TARGET = "CN=Télé Cible,%s" % NEAR
GROUP = "CN=Délégués Téléphone,%s" % FAR
MEMBER = "CN=Membre Délégué,%s" % FAR
PASSWORD = "Ps-Dup-Passw0rd!"  # lab only; the lab listens on loopback


def add_explicit(directory, dn, aces):
    """Explicit ACEs added after the object's own explicit ones, before the inherited ones."""
    sd = SecurityDescriptor.parse(directory.read_sd(dn))
    at = next((i for i, ace in enumerate(sd.dacl.aces) if ace.inherited), len(sd.dacl.aces))
    sd.dacl.aces[at:at] = [Sddl().parse_ace(text) for text in aces]
    directory.write_sd(dn, sd.to_bytes())
    return [Sddl().ace(ace) for ace in SecurityDescriptor.parse(directory.read_sd(dn)).dacl.aces]


def may_write_phone(lab, number):
    """Bound as the group's member (its own password): does the DC let it write the target's
    telephoneNumber? False on insufficientAccessRights (50); anything else is a failure."""
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=lab["ca_cert"])
    server = ldap3.Server("127.0.0.1", port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE)
    conn = ldap3.Connection(server, MEMBER, PASSWORD)
    try:
        assert conn.bind(), conn.result
        done = conn.modify(TARGET, {"telephoneNumber": [(ldap3.MODIFY_REPLACE, [number])]})
        if not done:
            assert conn.result["result"] == 50, conn.result
        return done
    finally:
        conn.unbind()


@pytest.fixture
def arranged(lab, directory):
    conn = directory.conn
    directory.tree_delete(FAR)
    try:
        for ou in (FAR, NEAR):
            assert conn.add(ou, ["top", "organizationalUnit"]), conn.result
        add_user(conn, MEMBER, "ps-dup-member")
        assert conn.modify(MEMBER, {"unicodePwd": [(ldap3.MODIFY_REPLACE, [
            ('"%s"' % PASSWORD).encode("utf-16-le")])]}), conn.result
        assert conn.modify(MEMBER, {"userAccountControl": [(ldap3.MODIFY_REPLACE, ["512"])]}), \
            conn.result
        assert conn.add(GROUP, ["top", "group"], {"sAMAccountName": "ps-dup-delegates",
                                                  "member": [MEMBER]}), conn.result
        group_sid = sid_and_guid(conn, GROUP)[0]
        deny = "OD;CI;WP;%s;;%s" % (PERSONAL_INFORMATION, group_sid)
        # the farther parent denies the property set, the closer one allows the property;
        # both also pass down a harmless read right whose explicit copy may go
        add_explicit(directory, FAR, [deny, "A;CI;RC;;;S-1-5-32-548"])
        add_explicit(directory, NEAR, ["OA;CI;WP;%s;;%s" % (TELEPHONE_NUMBER, group_sid)])
        add_user(conn, TARGET, "ps-dup-target")
        # as inherited: the closer allow decides before the farther deny
        assert may_write_phone(lab, "+41 1") is True
        # the copy goes after the user's own explicit ACEs, so the only answer it decides is
        # the one on telephoneNumber (SELF's allow on Personal-Information, from the user
        # class's default descriptor, still comes before it)
        stored = add_explicit(directory, TARGET, [deny, "A;CI;RC;;;S-1-5-32-548"])
        self_allow = next((i for i, text in enumerate(stored)
                           if PERSONAL_INFORMATION in text and text.endswith(";PS)")), None)
        assert self_allow is not None and self_allow < stored.index("(%s)" % deny), stored
        assert may_write_phone(lab, "+41 2") is False  # the explicit copy decides
        yield dict(group_sid=group_sid, deny=deny)
    finally:
        directory.tree_delete(FAR)


def explicit(directory, dn):
    return sorted(Sddl().ace(a) for a in SecurityDescriptor.parse(directory.read_sd(dn)).dacl.aces
                  if not a.inherited)


def test_the_copy_of_a_property_set_deny_stays_and_the_member_still_cannot_write(
        ansible, directory, lab, arranged):
    args = {"dn": [TARGET], "remove_explicit_duplicates": True}
    checked = ansible.run("inheritance", args, check=True, diff=True)
    assert not checked.get("failed"), checked.get("msg")
    run = ansible.run("inheritance", args, diff=True)
    assert not run.get("failed"), run.get("msg")
    # the DC decides: a member of the delegated group still may not write the telephone number
    assert may_write_phone(lab, "+41 3") is False
    assert "(%s)" % arranged["deny"] in explicit(directory, TARGET)
    for result in (checked, run):
        assert result["changed"] is True
        entry = result["objects"][0]
        assert entry["duplicates_removed"] == 1 and entry["duplicates_kept"] == 1
        assert arranged["group_sid"] in entry["note"] and "WP" in entry["note"]
        assert "of telephoneNumber (%s) in property set Personal-Information" \
            % TELEPHONE_NUMBER in entry["note"]
    # the harmless copy went; a second run has nothing left to do
    assert "(A;CI;RC;;;S-1-5-32-548)" not in explicit(directory, TARGET)
    assert ansible.run("inheritance", args)["changed"] is False
    assert may_write_phone(lab, "+41 4") is False
