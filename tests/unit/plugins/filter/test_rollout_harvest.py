"""rollout_harvest: device_rollout harvest's field selection, users without a device."""

from fakes import (ROLLOUT_A as A, ROLLOUT_B as B, ROLLOUT_DEV_A as DEV_A,
                   ROLLOUT_DEV_B as DEV_B, ROLLOUT_ENG as ENG)

from ansible_collections.adremedy.directory.plugins.filter.rollout_harvest import (
    rollout_harvest)


def device(dn, owner, sam, device_id):
    return dict(dn=dn, owner_dn=owner, owner_sam_account_name=sam, device_id=device_id,
                device_model="iPhone16,1", device_type="iPhone", now="Allowed", reason="DeviceRule")


def test_harvest_keeps_the_fields_it_needs_and_adds_each_device_once():
    earlier = [dict(dn=DEV_A, owner_dn=A, owner_sam_account_name="u00001", device_id="PILOT0001",
                    device_model="iPhone16,1")]
    found = [device(DEV_A.lower(), A, "u00001", "PILOT0001"), device(DEV_B, B, "durst", "P2")]
    result = rollout_harvest(found, earlier=earlier)
    assert [d["dn"] for d in result["harvested"]] == [DEV_A, DEV_B]
    assert set(result["harvested"][1]) == {"dn", "owner_dn", "owner_sam_account_name",
                                           "device_id", "device_model"}


def test_users_without_a_device_compare_dns_parsed():
    users = [dict(dn=A, sam_account_name="u00001"), dict(dn=B, sam_account_name="durst"),
             dict(dn="CN=User 00004," + ENG, sam_account_name="u00004")]
    devices = [device(DEV_A, A.upper(), "u00001", "P1"),
               device(DEV_B, B.replace("\\,", "\\2C"), "durst", "P2")]
    assert rollout_harvest([], users=users, devices=devices)["without_device"] == ["u00004"]
