"""Scope defaults: read-only modules read the whole domain when given no selection."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _search


class _Dse(object):
    default_naming_context = "DC=example,DC=com"


class _Client(object):
    root_dse = _Dse()

    def read(self, dn, attributes):
        return _ldap.Entry(dn, {})  # the object exists (require_object returns its DN)


@pytest.mark.parametrize("given, base", [
    ({"dn": None, "search_base": None}, "DC=example,DC=com"),
    ({"dn": [], "search_base": None}, "DC=example,DC=com"),
    ({"dn": None, "search_base": "OU=Staff,DC=example,DC=com"}, "OU=Staff,DC=example,DC=com"),
])
def test_read_only_selection_defaults_to_the_domain(given, base):
    params = dict(given)
    _search.check_selection(_Client(), params, whole_domain=True)
    assert params["search_base"] == base and not params["dn"]


def test_writing_selection_gets_no_default():
    params = {"dn": None, "search_base": None}
    _search.check_selection(_Client(), params)
    assert params["search_base"] is None
