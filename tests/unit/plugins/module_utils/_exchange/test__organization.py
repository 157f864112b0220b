"""Where Exchange keeps things: the narrow pieces, without a directory."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import rdn_value


@pytest.mark.parametrize("dn, value", [
    ("CN=iPhone15\\,2 (DeviceModel),CN=Mobile Mailbox Settings,CN=Org", "iPhone15,2 (DeviceModel)"),
    ("CN=a\\2Cb,DC=x", "a,b"), ("CN=plain,DC=x", "plain"), ("CN=x\\+y+OU=z,DC=x", "x+y")])
def test_rdn_value_unescapes(dn, value):
    assert rdn_value(dn) == value
