"""The Selection every module reads its objects through: resolved once (identities, the
whole-domain default, DN and filter checks, search_base, exclude), iterated in the order given,
the module's parameters never rewritten."""

import copy

import pytest

from fakes import DOMAIN_NC, FakeDirectory

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    LdapError, IdentityError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import DEFAULT_USER_FILTER
from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import (
    Selection)

STAFF = "OU=Staff," + DOMAIN_NC
JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC
ZOE = "CN=Zoe Poe,OU=Staff," + DOMAIN_NC


def params(**given):
    """The selection options as the module base parses them (dn already a list)."""
    return dict(dict(dn=None, search_base=None, scope="subtree", filter=DEFAULT_USER_FILTER,
                     read_connections=2), **given)


@pytest.fixture
def directory():
    directory = FakeDirectory()
    directory.add_entry(DOMAIN_NC, objectClass="domain")
    directory.add_entry(STAFF, objectClass="organizationalUnit")
    for dn, sam in ((JANE, "jdoe"), (JOHN, "jroe"), (ZOE, "zpoe")):
        directory.add_user(dn, sAMAccountName=sam)
    return directory


def test_a_dn_list_is_read_in_the_order_given(directory):
    selection = Selection(params(dn=[ZOE, JANE, JOHN])).resolve(directory)
    assert selection.listed and selection.dn == [ZOE, JANE, JOHN]
    assert [e.dn for e in selection.entries(directory, ["sAMAccountName"])] == [ZOE, JANE, JOHN]


def test_a_search_reads_the_base_with_scope_and_filter(directory):
    given = params(search_base=STAFF, filter="(sAMAccountName=jroe)")
    selection = Selection(given).resolve(directory)
    assert not selection.listed and selection.search_base == STAFF
    assert [e.dn for e in selection.entries(directory, ["1.1"])] == [JOHN]
    assert selection.base_dn == STAFF
    everyone = Selection(params(search_base=STAFF)).resolve(directory)
    assert sorted(e.dn for e in everyone.entries(directory, ["1.1"])) == sorted([JANE, JOHN, ZOE])


def test_a_bad_dn_is_one_line_before_anything_is_read(directory):
    with pytest.raises(LdapError) as info:
        Selection(params(dn=[JANE, "CN=Broken,,DC=x"])).resolve(directory)
    assert info.value.code == 34 and "\n" not in str(info.value)
    assert "'CN=Broken,,DC=x' is not a valid distinguished name" in str(info.value)
    with pytest.raises(LdapError) as info:
        Selection(params(search_base=STAFF, filter="(&(a=b)")).resolve(directory)
    assert info.value.code == 87 and "\n" not in str(info.value)


def test_a_missing_search_base_or_listed_dn_is_named(directory):
    gone = "OU=Gone," + DOMAIN_NC
    with pytest.raises(LdapError) as info:
        Selection(params(search_base=gone)).resolve(directory)
    assert str(info.value) == "search_base %s does not exist: noSuchObject (32)" % gone
    selection = Selection(params(dn=[JANE, "CN=Nobody," + STAFF])).resolve(directory)
    with pytest.raises(LdapError) as info:
        list(selection.entries(directory, ["1.1"]))
    assert str(info.value) == "user CN=Nobody,%s does not exist: noSuchObject (32)" % STAFF
    assert info.value.code == 32 and info.value.dn == "CN=Nobody," + STAFF
    seen = []
    assert [e.dn for e in selection.entries(directory, ["1.1"], seen.append)] == [JANE]
    assert seen == ["CN=Nobody," + STAFF]


def test_whole_domain_only_when_asked_and_nothing_is_given(directory):
    assert Selection(params(), whole_domain=True).resolve(directory).search_base == DOMAIN_NC
    assert Selection(params(dn=[]), whole_domain=True).resolve(directory).search_base == DOMAIN_NC
    given = Selection(params(search_base=STAFF), whole_domain=True).resolve(directory)
    assert given.search_base == STAFF
    assert Selection(params()).resolve(directory).search_base is None  # writers: no default


def test_identities_become_dns_in_input_order_without_touching_params(directory):
    given = params(dn=["zpoe", JANE, "jroe", "ZPOE"])
    before = copy.deepcopy(given)
    selection = Selection(given, identities=True).resolve(directory)
    assert selection["dn"] == [ZOE, JANE, JOHN]  # two spellings of Zoe are one user
    assert given == before
    with pytest.raises(IdentityError, match="user 'nobody' not found"):
        Selection(params(dn=["nobody"]), identities=True).resolve(directory)
    with pytest.raises(LdapError) as info:  # without identities, a name is a malformed DN
        Selection(params(dn=["jroe"])).resolve(directory)
    assert info.value.code == 34


def test_exclude_dns_take_the_dcs_spelling_and_missing_ones_are_named(directory):
    given = dict(params(search_base=STAFF), exclude=["cn=jane doe,ou=STAFF," + DOMAIN_NC])
    before = copy.deepcopy(given)
    selection = Selection(given, exclude="exclude").resolve(directory)
    assert selection.excluded == [JANE] and given == before
    with pytest.raises(LdapError) as info:
        Selection(dict(params(search_base=STAFF), exclude=["OU=Gone," + DOMAIN_NC]),
                  exclude="exclude").resolve(directory)
    assert str(info.value) == "exclude OU=Gone,%s does not exist: noSuchObject (32)" % DOMAIN_NC


def test_params_are_never_rewritten(directory):
    given = params()
    before = copy.deepcopy(given)
    selection = Selection(given, whole_domain=True, identities=True).resolve(directory)
    assert given == before and selection["search_base"] == DOMAIN_NC and selection["dn"] is None


def test_it_reads_like_params_for_the_selection_keys(directory):
    selection = Selection(params(search_base=STAFF)).resolve(directory)
    assert dict(selection) == params(search_base=STAFF)
    assert selection.get("read_connections") == 2 and selection.get("journal") is None
    with pytest.raises(KeyError):
        selection["journal"]  # pylint: disable=pointless-statement


def test_narrowed_adds_a_clause_to_a_search_only(directory):
    search = Selection(params(search_base=STAFF)).resolve(directory)
    narrowed = search.narrowed("(sAMAccountName=jdoe)")
    assert narrowed.filter == "(&%s(sAMAccountName=jdoe))" % DEFAULT_USER_FILTER
    assert [e.dn for e in narrowed.entries(directory, ["1.1"])] == [JANE]
    assert search.filter == DEFAULT_USER_FILTER
    listed = Selection(params(dn=[JOHN])).resolve(directory)
    assert listed.narrowed("(sAMAccountName=jdoe)").filter == DEFAULT_USER_FILTER
