"""Where Exchange keeps things: the narrow pieces, without a directory."""

import pytest

from fakes import SETTINGS, FakeDirectory, exchange_forest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    load_policy, rdn_value)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError


@pytest.mark.parametrize("dn, value", [
    ("CN=iPhone15\\,2 (DeviceModel),CN=Mobile Mailbox Settings,CN=Org", "iPhone15,2 (DeviceModel)"),
    ("CN=a\\2Cb,DC=x", "a,b"), ("CN=plain,DC=x", "plain"), ("CN=x\\+y+OU=z,DC=x", "x+y")])
def test_rdn_value_unescapes(dn, value):
    assert rdn_value(dn) == value


def test_load_policy_settings_gone_between_search_and_read():
    """The settings object found by the search but gone when read: noSuchObject naming it,
    not an AttributeError on None."""
    directory = FakeDirectory()
    exchange_forest(directory)
    found = directory.read

    def read(dn, attributes, what=None, sd_flags=None):
        return None if dn.lower() == SETTINGS.lower() else found(dn, attributes, what, sd_flags)
    directory.read = read
    with pytest.raises(LdapError, match=r"mobile mailbox settings .* do not exist") as raised:
        load_policy(directory)
    assert raised.value.code == 32 and raised.value.dn == SETTINGS
