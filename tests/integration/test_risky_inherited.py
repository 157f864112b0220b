"""inheritance's risky_inherited on the lab's DC (issue 24 item 5): inheritable risky ACEs for a
group that is no administrator, on an OU of the test's own and on an OU below it, are named in
check mode before anything is written, with where each is set and how many objects gain it;
an ACE for another class is not, nor a right an object re-enabled holds already (its inherited
ACEs converted to explicit ones when inheritance was turned off). Everything the test makes is removed in finally."""

from conftest import LAB_OU
from made_here import add_explicit_aces, add_user, protected, sid_and_guid

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

TOP = "OU=h9 Risky Inherited,%s" % LAB_OU
SUB = "OU=h9 Sub,%s" % TOP
HELPDESK = "CN=h9-helpdesk,%s" % TOP
BROKEN = "CN=h9-broken,%s" % SUB       # inheritance off: the run would turn it on
FINE = "CN=h9-fine,%s" % SUB           # inherits already: gains nothing from the run
CONVERTED = "CN=h9-converted,%s" % SUB  # inheritance off after the ACEs: it holds them already
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"
COMPUTER = "bf967a86-0de6-11d0-a285-00aa003049e2"
MEMBER = "bf9679c0-0de6-11d0-a285-00aa003049e2"


def test_check_mode_names_the_risky_aces_the_user_would_inherit(ansible, directory):
    conn = directory.conn
    directory.tree_delete(TOP)
    try:
        assert conn.add(TOP, ["top", "organizationalUnit"]), conn.result
        assert conn.add(SUB, ["top", "organizationalUnit"]), conn.result
        assert conn.add(HELPDESK, ["top", "group"], {"sAMAccountName": "h9-helpdesk",
                                                     "groupType": -2147483646}), conn.result
        helpdesk, _guid = sid_and_guid(conn, HELPDESK)
        add_user(conn, BROKEN, "h9-broken")
        add_user(conn, FINE, "h9-fine")
        sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(BROKEN)))
        directory.write_sd(BROKEN, sd.to_bytes())
        # after the user's inheritance is off: it does not hold them today
        add_explicit_aces(directory, TOP, ["OA;CI;WP;%s;;%s" % (MEMBER, helpdesk),
                                           "OA;CIIO;WD;;%s;%s" % (USER, helpdesk),
                                           "OA;CIIO;WD;;%s;%s" % (COMPUTER, helpdesk)])
        add_explicit_aces(directory, SUB, ["A;CIIO;GW;;;%s" % helpdesk])
        add_user(conn, CONVERTED, "h9-converted")
        sd, _changed = disable_inheritance(
            SecurityDescriptor.parse(directory.read_sd(CONVERTED)))  # inherited made explicit
        directory.write_sd(CONVERTED, sd.to_bytes())
        before = directory.read_sd(BROKEN)

        result = ansible.run("inheritance", dict(search_base=TOP), check=True)
        assert not result.get("failed"), result.get("msg")
        assert result["counts"]["changed"] == 2
        assert sorted(o["dn"] for o in result["objects"] if o["status"] == "changed") == \
            sorted([BROKEN, CONVERTED])
        assert directory.read_sd(BROKEN) == before and protected(directory, BROKEN)
        ours = sorted((r["trustee"], r["right"], r["set_on"], r["set_on_found"], r["objects"],
                       r["inherited_object_type"]) for r in result["risky_inherited"]
                      if r["sid"] == helpdesk)
        assert ours == [
            ("h9-helpdesk", "GENERIC_WRITE", SUB, True, 1, None),
            ("h9-helpdesk", "WRITE_DAC", TOP, True, 1, "user"),
            ("h9-helpdesk", "write property on member", TOP, True, 1, None)]
        member = next(r for r in result["risky_inherited"] if r["sid"] == helpdesk
                      and r["right"] == "write property on member")
        assert member["object_type"] == "member" and member["object_type_guid"] == MEMBER
        assert member["ace"] == "(OA;CI;WP;%s;;%s)" % (MEMBER, helpdesk)
        others = [(r["trustee"], r["right"], r["set_on"]) for r in result["risky_inherited"]
                  if r["sid"] != helpdesk]
        print("risky_inherited from above the test's OU: %s" % others)
    finally:
        directory.tree_delete(TOP)
