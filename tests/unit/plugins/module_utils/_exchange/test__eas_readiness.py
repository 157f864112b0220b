"""ActiveSync readiness: the narrow pieces, without a directory."""

import pytest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import eas_enabled
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    creation_check, list_findings)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import device_owner
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

DOMAIN = "S-1-5-21-1-2-3"
EXS = DOMAIN + "-1120"
CREATE_DEVICES = "c975c901-6cea-4b6f-8319-d67f45449506"
SDDL = Sddl(DOMAIN)
USER = "CN=Jane\\, Doe,OU=Staff,DC=example,DC=com"


@pytest.mark.parametrize("value, enabled", [(None, True), (b"0", True), (b"8", True),
                                            (b"4", False), (b"7", False), (b"12", False)])
def test_activesync_enabled_is_bit_4_clear_or_absent(value, enabled):
    assert eas_enabled(value) is enabled


def test_list_findings_compare_case_insensitively():
    conflicts, duplicates = list_findings(["ApplAAA", "applbbb", "APPLBBB"], ["appLaaa", "XYZ"])
    assert conflicts == ["ApplAAA"]
    assert duplicates == ["APPLBBB", "applbbb"]
    assert list_findings([], []) == ([], [])


def test_device_owner_from_device_and_container_dns():
    container = "CN=ExchangeActiveSyncDevices," + USER
    assert device_owner(container) == (USER, False)
    assert device_owner("CN=iPhone\u00a7ABC\\,1," + container) == (USER, True)
    assert device_owner(USER) is None


@pytest.mark.parametrize("sddl, can, words", [
    ("D:AI(OA;CIID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS), True, None),
    ("D:PAI(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)", False, "event 1053"),
    ("D:AI(A;;RPLCLORC;;;AU)", False, "PrepareDomain"),
    ("D:AI(OD;;CC;%s;;%s)(OA;CIID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS, CREATE_DEVICES, EXS),
     False, "deny ACE"),
])
def test_creation_check_says_why(sddl, can, words):
    allowed, why = creation_check(SDDL.parse(sddl), [EXS, "S-1-1-0", "S-1-5-11"],
                                  CREATE_DEVICES, SDDL)
    assert allowed is can
    assert (why is None) if words is None else (words in why)


def test_creation_is_judged_for_every_exchange_server_token():
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
        ExchangeToken)
    group = [EXS, "S-1-1-0", "S-1-5-11"]
    ex01 = group + [DOMAIN + "-1400", DOMAIN + "-515"]
    ex02 = group + [DOMAIN + "-1401", DOMAIN + "-515", DOMAIN + "-1121"]
    token = ExchangeToken(group, [("CN=EX01,DC=x", ex01), ("CN=EX02,DC=x", ex02)])
    assert list(token) == group + [DOMAIN + "-1400", DOMAIN + "-515", DOMAIN + "-1401",
                                   DOMAIN + "-1121"]
    grant = "(OA;CIID;CCDCLC;%s;;%s)" % (CREATE_DEVICES, EXS)
    ok = SDDL.parse("D:AI" + grant)
    assert creation_check(ok, token, CREATE_DEVICES, SDDL) == (True, None)
    # a deny on a group only EX02 is in: EX02 cannot create the container, so Exchange may not
    deny = SDDL.parse("D:AI(OD;;CC;%s;;%s-1121)%s" % (CREATE_DEVICES, DOMAIN, grant))
    can, why = creation_check(deny, token, CREATE_DEVICES, SDDL)
    assert can is False and "deny ACE" in why and "CN=EX02,DC=x" in why
    # an allow only EX01's token has is not a grant for EX02
    own = SDDL.parse("D:AI(OA;;CC;%s;;%s-1400)" % (CREATE_DEVICES, DOMAIN))
    can, why = creation_check(own, token, CREATE_DEVICES, SDDL)
    assert can is False and "CN=EX02,DC=x" in why
