"""remove_explicit_duplicates never changes effective access: the DC's own access check decides.

An OU made here (not in the seed) carries an inheritable deny and an inheritable allow for
Exchange Servers' Create Child of msExchActiveSyncDevices; the user under it holds an explicit
copy of that allow, which comes first and so is what lets Exchange create the container. The
inherited copy is identical, but dropping the explicit one would let the inherited deny decide.
"""

import pytest

from conftest import BASE, LAB_OU, eas_sync

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

CREATE_DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
OU = "OU=D\u00e9dup\\, test,%s" % LAB_OU
USER = "CN=Dup \u00c9ric,%s" % OU


def exchange_servers_sid(directory):
    assert directory.conn.search(BASE, "(&(objectClass=group)(cn=Exchange Servers))",
                                 attributes=["objectSid"]), directory.conn.result
    return sid_to_str(directory.conn.response[0]["raw_attributes"]["objectSid"][0])


def add_explicit(directory, dn, sddl, aces):
    sd = SecurityDescriptor.parse(directory.read_sd(dn))
    sd.dacl.aces[0:0] = [sddl.parse_ace(text) for text in aces]
    directory.write_sd(dn, sd.to_bytes())


@pytest.fixture
def arranged(directory):
    exs = exchange_servers_sid(directory)
    sddl = Sddl()
    directory.tree_delete(OU)
    assert directory.conn.add(OU, ["top", "organizationalUnit"]), directory.conn.result
    try:
        add_explicit(directory, OU, sddl, [
            "OD;CI;CC;%s;;%s" % (CREATE_DEVICES, exs),
            "OA;CI;CC;%s;;%s" % (CREATE_DEVICES, exs),
            "A;CI;RC;;;S-1-5-32-548"])
        assert directory.conn.add(USER, ["top", "person", "organizationalPerson", "user"],
                                  {"sAMAccountName": "dup-eric"}), directory.conn.result
        add_explicit(directory, USER, sddl, ["OA;CI;CC;%s;;%s" % (CREATE_DEVICES, exs),
                                             "A;CI;RC;;;S-1-5-32-548"])
        yield exs
    finally:
        directory.tree_delete(OU)


def explicit(directory, dn):
    return sorted(Sddl().ace(a) for a in SecurityDescriptor.parse(directory.read_sd(dn)).dacl.aces
                  if not a.inherited)


def test_a_duplicate_that_decides_access_stays_and_exchange_still_gets_in(ansible, directory,
                                                                          arranged):
    exs = arranged
    args = {"dn": [USER], "remove_explicit_duplicates": True}
    checked = ansible.run("inheritance", args, check=True, diff=True)
    assert checked["changed"] is True and not checked.get("failed"), checked.get("msg")
    run = ansible.run("inheritance", args, diff=True)
    assert run["changed"] is True and not run.get("failed"), run.get("msg")
    for result in (checked, run):
        entry = result["objects"][0]
        assert entry["duplicates_removed"] == 1 and entry["duplicates_kept"] == 1
        assert exs in entry["note"] and "CC" in entry["note"]
    # the copy of the harmless allow went, the copy that decides Exchange's access stayed
    left = explicit(directory, USER)
    assert "(OA;CI;CC;%s;;%s)" % (CREATE_DEVICES, exs) in left
    assert "(A;CI;RC;;;AO)" not in left and "(A;CI;RC;;;S-1-5-32-548)" not in left
    assert ansible.run("inheritance", args)["changed"] is False
    # the DC agrees: Exchange Servers may still create the devices container
    assert eas_sync([USER])[USER]["code"] == 0
