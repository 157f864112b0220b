"""Dropping explicit duplicates where object types form a tree (plugins/module_utils/_security/_dacl.py
and _access.py with plugins/module_utils/_security/_object_types.py), and in the order the DC keeps a
DACL after a write.

The property test judges the module by a reference evaluator written here from MS-DTYP 2.5.3.2
(object type lists: the object's class at level 0, a property set at level 1, a property at
level 2; an allow on a node grants it and everything below it, a deny on a node denies what is
still ungranted there), independent of the module's code, on the object and the objects below
it, for every token over the trustees in play. The DACL it judges after the run is the one the
DC keeps: the explicit ACEs written, then the inherited ones.
"""

import itertools

from hypothesis import given, settings, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
    ObjectTypes, read_object_types)
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    access_difference, check_access)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, Acl, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    explicit_only, plan_explicit_duplicates)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

from sd_reference import CI, CO, ID, IO, NP, OI, inherit, mapped  # noqa: E402  pylint: disable=wrong-import-order
from sd_samples import dacls  # noqa: E402  pylint: disable=wrong-import-order

DOMAIN = "S-1-5-21-1-2-3"
SDDL = Sddl(DOMAIN)
WD, AU = "S-1-1-0", "S-1-5-11"
ALICE, BOB = DOMAIN + "-1105", DOMAIN + "-1106"
DELEGATED = DOMAIN + "-1200"  # a group someone delegated rights to
RP, WP, CC, LC = 0x10, 0x20, 0x1, 0x4

# the schema, as the DC has it (real GUIDs), and two made-up properties
PERSONAL = "77b5b886-944a-11d1-aebd-0000f80367c1"     # property set Personal-Information
PHONE = "bf967a49-0de6-11d0-a285-00aa003049e2"        # telephoneNumber, in Personal-Information
STREET = "bf967a52-0de6-11d0-a285-00aa003049e2"       # streetAddress, in Personal-Information
PUBLIC = "e48d0154-bcf8-11d1-8702-00c04fb96050"       # property set Public-Information
MAIL = "bf967961-0de6-11d0-a285-00aa003049e2"         # mail, in Public-Information
LONER = "11111111-2222-3333-4444-555555555555"        # a property in no property set
USER = "bf967aba-0de6-11d0-a285-00aa003049e2"         # class user
CONTACT = "5cb41ed0-0e4c-11d0-a286-00aa003049e2"      # class contact
PARENT = {PHONE: PERSONAL, STREET: PERSONAL, MAIL: PUBLIC}
TREE = ObjectTypes(PARENT, [PERSONAL, PUBLIC], [USER, CONTACT],
                   {PERSONAL: "Personal-Information", PHONE: "telephoneNumber", USER: "user"})
UNNAMED_CLASS = "99999999-0000-0000-0000-000000000001"     # an object class no ACE names
UNNAMED_IN_PERSONAL = "99999999-0000-0000-0000-000000000002"  # another Personal-Information property
UNNAMED = "99999999-0000-0000-0000-000000000003"           # a property no ACE names, in no set
SETS = dict(PARENT, **{UNNAMED_IN_PERSONAL: PERSONAL})    # what the evaluator knows


# -- the reference evaluator ---------------------------------------------------------------------


def object_type_list(root, node):
    """The list the DC checks a right on `node` of an object of class `root` with: [(level,
    GUID)], root first. node None: the right on the object itself, root only."""
    if node is None:
        return [(0, root)]
    if node in SETS:
        return [(0, root), (1, SETS[node]), (2, node)]
    return [(0, root), (1, node)]


def granted(aces, token, bit, types):
    """MS-DTYP 2.5.3.2 for one right, asked on the last node of the object type list `types`
    (None: no list, as for rights on the object that no object type qualifies). Per node the
    bit still remaining; an allow clears it on its node and the nodes below; a deny on a node
    where it remains denies."""
    if types is None:
        types = []
    remaining = [True for _node in types]
    for ace in aces:
        if ace.flags & IO or ace.sid not in token or not mapped(ace.mask) & bit:
            continue
        allow = ace.type in (0x00, 0x05)
        if ace.type in (0x00, 0x01) or (ace.type in (0x05, 0x06) and not ace.object_type):
            return allow
        index = next((i for i, (_level, guid) in enumerate(types) if guid == ace.object_type),
                     None)
        if index is None:
            continue
        level = types[index][0]
        if allow:
            for i in range(index, len(types)):
                if i == index or types[i][0] > level:
                    remaining[i] = False
            if not remaining[-1]:
                return True
        elif remaining[index]:
            return False
    return False


def views(aces):
    """(class of the object, its DACL): this object, children of several classes and
    grandchildren."""
    for own in (USER, UNNAMED_CLASS):
        yield own, aces
    for child_class in (USER, CONTACT):
        yield child_class, inherit(aces, child_class, ALICE)
    yield UNNAMED_CLASS, inherit(aces, None, ALICE)
    yield USER, inherit(inherit(aces, USER, ALICE), USER, ALICE)


NODES = [None, PERSONAL, PHONE, STREET, UNNAMED_IN_PERSONAL, PUBLIC, MAIL, LONER, UNNAMED,
         USER, CONTACT]
SIDS = [WD, ALICE, BOB, DELEGATED, CO]
TOKENS = [set(token) for size in range(1, len(SIDS) + 1)
          for token in itertools.combinations(SIDS, size)]


def answers(aces):
    """Every token's answer for every right and node, on every view. Each ACE is asked alone
    whether it decides (grants or denies its trustee); a token meets the deciding ones in order."""
    out = []
    for own, view in views(aces):
        for bit in (RP, WP, CC):
            for types in [None] + [object_type_list(own, node) for node in NODES]:
                deciding = []
                for ace in view:
                    alone = granted([ace], {ace.sid}, bit, types)
                    if alone or granted([ace, Ace(0, 0, bit, ace.sid)], {ace.sid}, bit,
                                        types) is False:
                        deciding.append((ace.sid, bool(alone)))
                out.extend(next((answer for sid, answer in deciding if sid in token), False)
                           for token in TOKENS)
    return out


def stored(aces):
    """What the DC keeps after a write: the explicit ACEs (as written), then the inherited."""
    return [a for a in aces if not a.flags & ID] + [a for a in aces if a.flags & ID]


# -- generated DACLs with property sets, properties and classes -------------------------------------

@st.composite
def aces(draw):
    ace_type = draw(st.sampled_from([0x00, 0x01, 0x05, 0x06, 0x05, 0x06]))
    flags = draw(st.sampled_from([0, CI, CI | IO, CI | NP, OI]))
    mask = draw(st.sampled_from([RP, WP, CC, RP | WP]))
    sid = draw(st.sampled_from([WD, ALICE, DELEGATED, DELEGATED, CO]))
    object_type = inherited_type = None
    if ace_type in (0x05, 0x06):
        object_type = draw(st.sampled_from([None, PERSONAL, PERSONAL, PHONE, STREET, PUBLIC,
                                            MAIL, LONER, USER, CONTACT]))
        inherited_type = draw(st.sampled_from([None, None, USER, CONTACT]))
    return Ace(ace_type, flags, mask, sid, object_type, inherited_type)


@settings(max_examples=200, deadline=None)
@given(dacls(aces, max_size=4, reordered_one_in=4))
def test_dropping_duplicates_keeps_every_answer_on_the_object_type_tree(sd):
    before = answers(sd.dacl.aces)
    inherited = set(a.key() for a in sd.dacl.aces if a.inherited)
    for tree in (TREE, None):
        new, removed, kept = plan_explicit_duplicates(sd, tree)
        if removed:
            assert answers(stored(new.dacl.aces)) == before
        for ace in removed:
            assert not ace.inherited and ace.copy(flags=ace.flags | ID).key() in inherited
        assert all(why for _ace, why in kept)


# -- the cases ---------------------------------------------------------------------------

# A delegated group: an explicit copy of the deny on Personal-Information a farther parent
# passes down, the allow on telephoneNumber from the closer parent, then that inherited deny.
PROPERTY_SET_DENY = SDDL.parse(
    "D:AI(OD;CI;WP;{ps};;{g})(OA;CIID;WP;{phone};;{g})(OD;CIID;WP;{ps};;{g})".format(
        ps=PERSONAL, phone=PHONE, g=DELEGATED))


def test_a_deny_on_a_property_set_is_kept_before_an_allow_on_one_of_its_properties():
    aces = PROPERTY_SET_DENY.dacl.aces
    types = [(0, USER), (1, PERSONAL), (2, PHONE)]
    assert granted(aces, {DELEGATED}, WP, types) is False
    assert granted(aces[1:], {DELEGATED}, WP, types) is True  # what dropping the copy would do
    new, removed, kept = plan_explicit_duplicates(PROPERTY_SET_DENY, TREE)
    assert removed == [] and len(kept) == 1
    assert DELEGATED in kept[0][1] and "WP" in kept[0][1]
    assert "telephoneNumber" in kept[0][1] and "Personal-Information" in kept[0][1]
    # without the schema's tree the copy stays too, saying why
    _new, removed, kept = plan_explicit_duplicates(PROPERTY_SET_DENY)
    assert removed == [] and "object-type tree" in kept[0][1]


def test_a_property_set_and_a_property_of_another_set_are_unrelated():
    sd = SDDL.parse("D:AI(OD;CI;WP;{ps};;{g})(OA;CIID;WP;{mail};;{g})(OD;CIID;WP;{ps};;{g})"
                    .format(ps=PERSONAL, mail=MAIL, g=DELEGATED))
    new, removed, kept = plan_explicit_duplicates(sd, TREE)
    assert len(removed) == 1 and kept == []
    assert SDDL.render(explicit_only(new)) == "D:AI"


def test_an_ace_on_the_objects_class_covers_every_property():
    # an allow on class user grants every property of a user: it decides before the deny
    sd = SDDL.parse("D:AI(OA;CI;WP;{user};;{g})(OD;CIID;WP;{phone};;{g})(OA;CIID;WP;{user};;{g})"
                    .format(user=USER, phone=PHONE, g=DELEGATED))
    _new, removed, kept = plan_explicit_duplicates(sd, TREE)
    assert removed == [] and "telephoneNumber" in kept[0][1] and "user" in kept[0][1]


def test_a_right_without_other_object_types_is_dropped_without_the_tree():
    sd = SDDL.parse("D:AI(OA;CI;WP;{phone};;{g})(A;ID;RP;;;AU)(OA;CIID;WP;{phone};;{g})"
                    .format(phone=PHONE, g=DELEGATED))
    assert len(plan_explicit_duplicates(sd)[1]) == 1


def test_chains_follow_the_tree():
    chains = TREE.chains([PHONE, PERSONAL, MAIL, USER])
    assert frozenset([PHONE, PERSONAL]) in chains and frozenset([PHONE, PERSONAL, USER]) in chains
    assert frozenset([MAIL]) in chains and frozenset() in chains
    assert not any(PHONE in chain and MAIL in chain for chain in chains)
    assert not any(PHONE in chain and PERSONAL not in chain for chain in chains)
    # a property whose set no ACE names stands alone
    assert TREE.chains([STREET]) == [frozenset(), frozenset([STREET])]


# -- item 8a: the order the DC keeps -------------------------------------------------------------

X, Y = DOMAIN + "-1301", DOMAIN + "-1302"
OUT_OF_ORDER = SDDL.parse("D:AI(A;ID;WP;;;%s)(D;;WP;;;%s)(A;;RP;;;%s)(A;ID;RP;;;%s)"
                          % (Y, Y, X, X))


def test_a_dacl_in_another_order_is_judged_in_the_order_the_dc_keeps():
    # Y may write as read (the inherited allow comes first); any write puts the explicit deny
    # first, so dropping X's harmless copy would take Y's write away
    assert check_access(OUT_OF_ORDER, [Y], WP).granted
    assert not check_access(SecurityDescriptor(0x8404, dacl=Acl(4, stored(
        OUT_OF_ORDER.dacl.aces))), [Y], WP).granted
    new, removed, kept = plan_explicit_duplicates(OUT_OF_ORDER, TREE)
    assert removed == [] and len(kept) == 1
    assert "not in the order the DC keeps" in kept[0][1] and Y in kept[0][1]
    assert "WP" in kept[0][1]


def test_a_dacl_whose_order_does_not_matter_is_judged_in_the_dcs_order():
    # the inherited allow on another right comes first as read: reordering changes nothing
    sd = SDDL.parse("D:AI(A;ID;WP;;;%s)(A;;RP;;;%s)(A;ID;RP;;;%s)" % (Y, X, X))
    new, removed, kept = plan_explicit_duplicates(sd, TREE)
    assert len(removed) == 1 and kept == []
    assert [a.inherited for a in new.dacl.aces] == [True, True]


def test_access_difference_compares_a_reordered_dacl():
    aces = OUT_OF_ORDER.dacl.aces
    assert Y in access_difference(aces, stored(aces), TREE)
    assert access_difference(aces, list(aces), TREE) is None


# -- reading the tree ------------------------------------------------------------------------------

def test_the_tree_is_read_from_the_schema_and_the_extended_rights(directory):
    import uuid
    schema = directory.root_dse.schema_naming_context
    rights = "CN=Extended-Rights," + directory.root_dse.configuration_naming_context
    directory.add_entry("CN=Telephone-Number," + schema, objectClass=["top", "attributeSchema"],
                        lDAPDisplayName="telephoneNumber",
                        schemaIDGUID=uuid.UUID(PHONE).bytes_le,
                        attributeSecurityGUID=uuid.UUID(PERSONAL).bytes_le)
    directory.add_entry("CN=Loner," + schema, objectClass=["top", "attributeSchema"],
                        lDAPDisplayName="loner", schemaIDGUID=uuid.UUID(LONER).bytes_le)
    directory.add_entry("CN=User," + schema, objectClass=["top", "classSchema"],
                        lDAPDisplayName="user", schemaIDGUID=uuid.UUID(USER).bytes_le)
    directory.add_entry("CN=Personal-Information," + rights, cn="Personal-Information",
                        objectClass=["top", "controlAccessRight"], rightsGuid=PERSONAL,
                        validAccesses="48")
    directory.add_entry("CN=Reset-Password," + rights, cn="User-Force-Change-Password",
                        objectClass=["top", "controlAccessRight"],
                        rightsGuid="00299570-246d-11d0-a768-00aa006e0529", validAccesses="256")
    tree = read_object_types(directory)
    assert tree.parent(PHONE) == PERSONAL and tree.parent(LONER) is None
    assert USER in tree.classes and LONER not in tree.classes and PHONE not in tree.classes
    assert tree.property_sets == frozenset([PERSONAL])
    assert tree.name(PHONE) == "telephoneNumber (%s)" % PHONE
    assert "property set Personal-Information" in tree.name(PERSONAL)


def test_a_schema_that_shows_no_property_set_gives_no_tree(directory):
    assert read_object_types(directory) is None


def test_a_failed_schema_read_is_a_reason_not_an_error(directory, monkeypatch):
    from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
    from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import (
        object_types_or_why)

    def refused(*_args, **_kwargs):
        raise LdapError("search under CN=Schema failed: insufficientAccessRights (50)", code=50)
    assert object_types_or_why(directory) == (
        None, "the schema read showed no attribute in a property set")
    monkeypatch.setattr(directory, "search", refused)
    tree, why = object_types_or_why(directory)
    assert tree is None and "insufficientAccessRights (50)" in why
