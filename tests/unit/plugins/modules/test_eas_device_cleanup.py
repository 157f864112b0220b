# -*- coding: utf-8 -*-
"""eas_device_cleanup against a directory in memory: a device's owner found by parsing its DN,
and the checks just before each delete (the object is still the one planned: same objectGUID,
an ActiveSync class; a container holds nothing else). What the DC does is in the lab tests
(tests/integration/test_identity_between_plan_and_write.py)."""

import uuid

import pytest

from fakes import DOMAIN_NC, SDDL, add_device, exchange_forest

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _eas_cleanup as cleanup
from ansible_collections.adremedy.directory.plugins.module_utils._run import _bulk
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import device_owner
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.modules import eas_device_cleanup

# CNs with escaped commas, non-ASCII letters, and the container's own name as text
TRICKY = u"CN=M\u00fcller\\, CN=ExchangeActiveSyncDevices\\, J\u00fcrgen,OU=Staff," + DOMAIN_NC
PLAIN = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
CONTAINER = "CN=ExchangeActiveSyncDevices,"


@pytest.mark.parametrize("dn, owner", [
    ("CN=iPhone\u00a7A1,CN=ExchangeActiveSyncDevices," + PLAIN, (PLAIN, True)),
    ("CN=ExchangeActiveSyncDevices," + PLAIN, (PLAIN, False)),
    ("CN=iPhone\u00a7A1," + CONTAINER + TRICKY, (TRICKY, True)),
    (CONTAINER + TRICKY, (TRICKY, False)),
    # a device whose CN ends with the container's name: the container is the second RDN
    ("CN=x\\,CN=ExchangeActiveSyncDevices,CN=ExchangeActiveSyncDevices," + PLAIN, (PLAIN, True)),
    # the user itself (its CN has the text after an escaped comma) is neither
    ("CN=Test\\,CN=ExchangeActiveSyncDevices,OU=Staff," + DOMAIN_NC, None),
    # a hex-escaped comma, spaces around the separators, lower case
    ("CN=iPhone\u00a7A1, cn = exchangeactivesyncdevices ,CN=Doe\\2C Jane,OU=Staff,"
     + DOMAIN_NC, ("CN=Doe\\2C Jane,OU=Staff," + DOMAIN_NC, True)),
    ('CN=a,CN=ExchangeActiveSyncDevices,CN="Doe, Jane",OU=Staff,' + DOMAIN_NC,
     ('CN="Doe, Jane",OU=Staff,' + DOMAIN_NC, True)),
    ("CN=a,CN=b,CN=ExchangeActiveSyncDevices," + PLAIN, None),
    ("not a DN\\", None),
])
def test_the_owner_is_the_parent_of_the_devices_container(dn, owner):
    assert device_owner(dn) == owner


def test_a_device_or_container_named_like_the_container_is_told_apart_by_its_class():
    dn = "CN=ExchangeActiveSyncDevices,CN=ExchangeActiveSyncDevices," + PLAIN
    assert device_owner(dn, device=True) == (PLAIN, True)
    assert device_owner(dn, device=False) == ("CN=ExchangeActiveSyncDevices," + PLAIN, False)


def guid(directory, dn, value=None):
    """Give an object an objectGUID (as every object in AD has) and return its string form."""
    value = value or str(uuid.uuid4())
    directory.entries[dn.lower()].attrs["objectguid"] = [uuid.UUID(value).bytes_le]
    return value


@pytest.fixture
def owner(directory):
    exchange_forest(directory)
    directory.add_user(TRICKY, sAMAccountName="jmueller", userAccountControl="514")
    for device_id in ("OLD1", "OLD2"):
        dn = add_device(directory, TRICKY, device_id, "iPhone15,2")
        guid(directory, dn)
    # a phone may name itself anything: this ID ends the device's CN with the container's name
    evil = "EVIL,CN=ExchangeActiveSyncDevices"
    dn = directory.add_entry(
        u"CN=iPhone\u00a7EVIL\\,CN=ExchangeActiveSyncDevices," + CONTAINER + TRICKY,
        objectClass=["top", "msExchActiveSyncDevice"], msExchDeviceID=evil,
        msExchDeviceType="iPhone", msExchDeviceAccessState="3", msExchDeviceAccessStateReason="3")
    guid(directory, dn)
    guid(directory, CONTAINER + TRICKY)
    return TRICKY


def devices(directory):
    return sorted(e.dn for e in directory.search(DOMAIN_NC, "(objectClass=msExchActiveSyncDevice)"))


def test_the_devices_of_an_owner_with_escaped_commas_are_cleaned(run_module, directory, owner):
    result = run_module(eas_device_cleanup, dict(users=["jmueller"], owner_disabled=True))
    assert not result["failed"], result["msg"]
    assert result["counts"]["changed"] == 3
    assert all(o["owner_dn"] == owner and o["owner_sam_account_name"] == "jmueller"
               for o in result["objects"])
    assert devices(directory) == []


def test_a_device_created_again_between_the_plan_and_the_delete_is_not_removed(
        run_module, directory, owner, monkeypatch):
    """The plan found OLD1; before its delete it is deleted and made again at its DN (another
    objectGUID): that one is not removed, OLD2 is, the run reports the failure."""
    [old1] = [d for d in devices(directory) if "OLD1" in d]
    planned = _bulk.enforce_limit

    def then_recreated(*args, **kwargs):  # runs after the plan, before the first delete
        planned(*args, **kwargs)
        guid(directory, old1, "00000000-0000-4000-8000-0000000000aa")
    monkeypatch.setattr(_bulk, "enforce_limit", then_recreated)
    result = run_module(eas_device_cleanup, dict(users=["jmueller"], owner_disabled=True))
    assert result["failed"] and result["counts"]["failed"] == 1
    [failed] = [o for o in result["objects"] if o["status"] == "failed"]
    assert failed["dn"] == old1 and "\n" not in failed["error"]
    assert failed["error"].startswith("%s is not the partnership the plan found: its objectGUID "
                                      "is 00000000-0000-4000-8000-0000000000aa now" % old1)
    assert failed["error"].endswith("(it was deleted and created again meanwhile); not removed")
    assert devices(directory) == [old1]


def remove_device(directory, device):
    """One partnership removed with the cleanup writer's steps, outside a run."""
    _bulk.write_one(cleanup.CleanupWriter(directory, sddl=SDDL),
                    cleanup.Removal(device.dn, {}, device.record, device=device))


def remove_container(directory, plan, owner_dn):
    """One devices container removed with the cleanup writer's steps, outside a run."""
    _bulk.write_one(cleanup.CleanupWriter(directory, sddl=SDDL),
                    cleanup.Removal(plan.dn, dict(owner_dn=owner_dn), {}, container=plan))


def test_an_object_of_another_class_at_a_devices_dn_is_not_removed(directory, owner):
    [old1] = [d for d in devices(directory) if "OLD1" in d]
    directory.entries[old1.lower()].attrs["objectclass"] = [b"top", b"contact"]
    device = cleanup.Partnership(dict(dn=old1, owner_dn=owner), None)
    with pytest.raises(LdapError) as err:
        remove_device(directory, device)
    assert str(err.value) == ("%s is an object of class contact, not an ActiveSync partnership "
                              "(msExchActiveSyncDevice); not removed" % old1)
    assert old1 in [e.dn for e in directory.search(DOMAIN_NC)]


def container_plan(directory, container_guid=None):
    known = [cleanup.partnership(e) for e in directory.search(
        CONTAINER + TRICKY, "(objectClass=msExchActiveSyncDevice)", ["*"])]
    return cleanup.ContainerPlan(dn_key(TRICKY), CONTAINER + TRICKY, True, known, {},
                                 guid=container_guid or cleanup.guid_of(
                                     directory.read(CONTAINER + TRICKY, ["objectGUID"])))


def test_a_container_holding_anything_but_partnerships_is_not_removed(directory, owner):
    plan = container_plan(directory)
    stranger = "CN=Not a phone," + CONTAINER + TRICKY
    directory.add_entry(stranger, objectClass=["top", "msExchDeviceAccessRule"])
    with pytest.raises(LdapError) as err:
        remove_container(directory, plan, TRICKY)
    assert str(err.value) == (
        "%s holds %s, an object of class msExchDeviceAccessRule, not an ActiveSync partnership "
        "(msExchActiveSyncDevice); the container is not removed (its tree delete would take "
        "that too)" % (CONTAINER + TRICKY, stranger))
    assert len(devices(directory)) == 3 and directory.modifies == []


def test_a_container_created_again_or_with_a_new_partnership_is_not_removed(directory, owner):
    plan = container_plan(directory, "00000000-0000-4000-8000-0000000000bb")
    with pytest.raises(LdapError, match="is not the devices container the plan found: its "
                                        "objectGUID is .* now, 00000000-0000-4000-8000-"
                                        "0000000000bb then"):
        remove_container(directory, plan, TRICKY)
    plan = container_plan(directory)
    new = add_device(directory, TRICKY, "NEW3", "Pixel 8")
    with pytest.raises(LdapError, match="holds %s .*which was not there when the plan was "
                                        "made; the container is not removed: run again"
                       % new.replace("\\", "\\\\")):
        remove_container(directory, plan, TRICKY)
    assert directory.modifies == []
    # as planned: removed
    plan = container_plan(directory)
    remove_container(directory, plan, TRICKY)
    assert directory.modifies == [(CONTAINER + TRICKY, "delete")]


def test_partnerships_the_account_may_not_delete_are_predicted_failed_and_not_attempted(
        run_module, directory):
    # issue 22 item 1: DELETE on the partnership or delete child on its container, from the bind
    # account's token (the RootDSE's tokenGroups); check mode says what the real run does
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
    svc_sid = "S-1-5-21-1-2-3-1160"
    directory.add_user("CN=svc,OU=Service," + DOMAIN_NC, "O:DAG:DUD:AI(A;;RC;;;AU)",
                       objectSid=sid_from_str(svc_sid), sAMAccountName="svc")
    directory.add_entry("", tokenGroups=[sid_from_str(svc_sid)])
    exchange_forest(directory)
    directory.add_user(PLAIN, sAMAccountName="jdoe", userAccountControl="514")
    old1, old2 = [add_device(directory, PLAIN, device_id, "iPhone15,2")
                  for device_id in ("OLD1", "OLD2")]
    for dn in (old1, old2, CONTAINER + PLAIN):
        guid(directory, dn)
    container = (CONTAINER + PLAIN).lower()
    directory.entries[container].attrs["ntsecuritydescriptor"] = [SDDL.parse(
        "O:DAG:DUD:PAI(A;;RC;;;AU)").to_bytes()]
    for dn, sddl in ((old1, "O:DAG:DUD:AI(A;;RC;;;AU)"),
                     (old2, "O:DAG:DUD:AI(A;;SD;;;%s)" % svc_sid)):
        directory.entries[dn.lower()].attrs["ntsecuritydescriptor"] = [SDDL.parse(
            sddl).to_bytes()]
    args = dict(users=["jdoe"], owner_disabled=True)
    check = run_module(eas_device_cleanup, args, check_mode=True)
    real = run_module(eas_device_cleanup, args)
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    failed = [o for o in real["objects"] if o["status"] == "failed"]
    assert [o["dn"] for o in failed] == [old1]
    assert failed[0]["ldap_code"] == 50 and failed[0]["predicted"]
    assert "insufficientAccessRights (50)" in failed[0]["error"]
    assert "DELETE (or delete child on its container)" in failed[0]["error"]
    assert old1 in devices(directory) and old2 not in devices(directory)


def test_a_user_gone_between_the_selection_and_the_container_plan_is_named(
        run_module, directory, owner):
    # remove_container reads the owner again for the readiness row: gone by then, the run
    # fails naming the user (noSuchObject), not on an AttributeError of None
    read = directory.read

    def gone(dn, attributes, what=None, sd_flags=None):
        if dn.lower() == TRICKY.lower() and "msExchOmaAdminWirelessEnable" in attributes:
            return None
        return read(dn, attributes, what, sd_flags)
    directory.read = gone
    result = run_module(eas_device_cleanup, dict(users=["jmueller"], remove_container=True))
    assert result["failed"]
    assert result["msg"].startswith("user %s does not exist: noSuchObject (32)" % TRICKY)
