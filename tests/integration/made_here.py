"""Objects the tests make for themselves (not the seed): OUs and users whose names need
escapes or are not ASCII, optionally with inheritance off the way the field has it."""


def protected(directory, dn):
    """True when the object's DACL is protected (inheritance off)."""
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        SecurityDescriptor)
    return SecurityDescriptor.parse(directory.read_sd(dn)).protected


def add_user(conn, dn, sam, **attributes):
    attrs = dict(sAMAccountName=sam, userPrincipalName="%s@lab.example.test" % sam)
    attrs.update(attributes)
    assert conn.add(dn, ["top", "person", "organizationalPerson", "user"], attrs), conn.result


def make_tree(directory, ous, users, broken=False):
    """OUs (parents first, the first removed with its subtree beforehand) and users
    {dn: sAMAccountName}; broken=True turns their inheritance off (inherited ACEs converted)."""
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        SecurityDescriptor)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
        disable_inheritance)
    directory.tree_delete(ous[0])
    try:
        for ou in ous:
            assert directory.conn.add(ou, ["top", "organizationalUnit"]), directory.conn.result
        for dn, sam in users.items():
            add_user(directory.conn, dn, sam)
            if broken:
                sd, _changed = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)))
                directory.write_sd(dn, sd.to_bytes())
    except BaseException:  # half a tree is not left behind (its fixture's teardown never runs)
        directory.tree_delete(ous[0])
        raise


def domain_sid(directory, base):
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
    directory.conn.search(base, "(objectClass=*)", search_scope="BASE", attributes=["objectSid"])
    return sid_to_str(directory.conn.response[0]["raw_attributes"]["objectSid"][0])


def sid_and_guid(conn, dn):
    """(objectSid, objectGUID) of an object, in their string forms."""
    import uuid
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
    assert conn.search(dn, "(objectClass=*)", search_scope="BASE",
                       attributes=["objectSid", "objectGUID"]), conn.result
    raw = conn.response[0]["raw_attributes"]
    return sid_to_str(raw["objectSid"][0]), str(uuid.UUID(bytes_le=raw["objectGUID"][0]))


def put_back(directory, dn, blob):
    """Write dn's DACL back as it was read (a test's finally): once more on a new connection
    when the first try fails (a DC that struggled with the test's write may have dropped ours)."""
    try:
        directory.write_sd(dn, blob)
    except Exception:  # noqa: BLE001 - AssertionError from the DC's answer, or the socket's
        directory.reconnect()
        directory.write_sd(dn, blob)


def undo_all(*steps):
    """Run every clean-up step (callables) even when one fails; then raise the first failure."""
    failures = []
    for step in steps:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - the next step still runs
            failures.append(exc)
    if failures:
        raise failures[0]


def protect_like_sdprop(directory, dn, base):
    """What SDProp does to a member of a protected group, for this one object only (`lab.py
    sdprop` would mark every member, the seed's adm-unmarked included): AdminSDHolder's ACEs as
    its own, its DACL protected, adminCount=1."""
    import ldap3
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        INHERITED_ACE, SE_DACL_PROTECTED, Ace, Acl, SecurityDescriptor)
    holder = SecurityDescriptor.parse(directory.read_sd("CN=AdminSDHolder,CN=System,%s" % base))
    aces = [Ace(ace.type, ace.flags & ~INHERITED_ACE, ace.mask, ace.sid, ace.object_type,
                ace.inherited_object_type, ace.extra) for ace in holder.dacl.aces]
    own = SecurityDescriptor.parse(directory.read_sd(dn))
    directory.write_sd(dn, SecurityDescriptor(control=own.control | SE_DACL_PROTECTED,
                                              dacl=Acl(4, aces)).to_bytes())
    assert directory.conn.modify(dn, {"adminCount": [(ldap3.MODIFY_REPLACE, ["1"])]}), \
        directory.conn.result


def add_explicit_aces(directory, dn, texts):
    """Append ACEs (SDDL ace strings) after the object's explicit ones; the DC adds the
    inherited ones back."""
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        Acl, SecurityDescriptor)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl
    sd = SecurityDescriptor.parse(directory.read_sd(dn))
    explicit = [ace for ace in sd.dacl.aces if not ace.inherited]
    extra = [Sddl().parse_ace(text) for text in texts]
    directory.write_sd(dn, SecurityDescriptor(control=sd.control,
                                              dacl=Acl(4, explicit + extra)).to_bytes())
