"""eas_allowed_devices' main() through the module base, against a directory in memory."""

from fakes import DOMAIN_NC, SDDL, exchange_forest

from ansible_collections.adremedy.directory.plugins.modules import eas_allowed_devices

JANE = "CN=Jane Doe,OU=Staff," + DOMAIN_NC
JOHN = "CN=John Roe,OU=Staff," + DOMAIN_NC


def lab(directory):
    exchange_forest(directory)
    directory.add_user(JANE, sAMAccountName="jane", msExchMobileAllowedDeviceIDs=["OLD1"])
    directory.add_user(JOHN, sAMAccountName="john", userPrincipalName="john@example.com")


def stored(directory, dn):
    return directory.entries[dn.lower()].texts("msExchMobileAllowedDeviceIDs")


def test_check_mode_diff_then_real_run_then_quiet(run_module, directory):
    lab(directory)
    args = dict(entries=[dict(user="jane", allowed=["NEW1", "old1"]),
                         dict(user="john@example.com", allowed="NEW2")])
    check = run_module(eas_allowed_devices, args, check_mode=True, diff=True)
    assert directory.modifies == [] and check["changed"] is True
    # check mode writes nothing, and its message says so (issue 22 item 5)
    assert check["msg"] == "2 of 2 users would change, 0 already right, 0 skipped, 0 failed"
    assert check["counts"] == dict(matched=2, changed=2, unchanged=0, skipped=0, failed=0)
    assert [(o["dn"], o["user"], o["allowed_added"]) for o in check["objects"]] == [
        (JANE, "jane", ["NEW1"]), (JOHN, "john@example.com", ["NEW2"])]
    assert check["diff"][0]["after"] == ("msExchMobileAllowedDeviceIDs:\n  - OLD1\n  - NEW1\n"
                                         "msExchMobileBlockedDeviceIDs: []\n")
    real = run_module(eas_allowed_devices, args)
    assert real["objects"] == check["objects"] and "diff" not in real
    assert stored(directory, JANE) == ["OLD1", "NEW1"] and stored(directory, JOHN) == ["NEW2"]
    assert real["msg"] == "2 of 2 users changed, 0 already right, 0 skipped, 0 failed"
    again = run_module(eas_allowed_devices, args)
    assert again["changed"] is False and again["counts"]["unchanged"] == 2


def test_bad_input_fails_before_anything_is_written(run_module, directory):
    lab(directory)
    bad_id = run_module(eas_allowed_devices, dict(entries=[dict(user="jane", allowed="a,b")]))
    assert bad_id["failed"] and bad_id["msg"].endswith("; nothing was changed")
    assert "device ID 'a,b' is not valid" in bad_id["msg"]
    unknown = run_module(eas_allowed_devices, dict(entries=[dict(user="nobody", allowed="X1")]))
    assert unknown["failed"] and unknown["ldap_code"] == 32 and "'nobody'" in unknown["msg"]
    missing = run_module(eas_allowed_devices, dict())
    assert missing["failed"] and "entries" in missing["msg"]
    assert directory.modifies == []


def test_a_failed_write_is_reported_with_the_others_written(run_module, directory):
    from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
    lab(directory)
    directory.fail = {JANE.lower(): LdapError("modify %s failed: insufficientAccessRights (50)"
                                              % JANE, code=50)}
    entries = [dict(user="jane", allowed="N1"), dict(user="john", allowed="N2")]
    result = run_module(eas_allowed_devices, dict(entries=entries))
    assert result["failed"] and result["counts"]["failed"] == 1
    assert result["counts"]["changed"] == 1 and stored(directory, JOHN) == ["N2"]
    assert "first failure: modify %s failed" % JANE in result["msg"]


def test_lists_the_account_may_not_write_are_predicted_failed_and_not_attempted(
        run_module, directory):
    # issue 22 item 1: write property on the list attribute, from the bind account's token
    # (the RootDSE's tokenGroups) and each user's DACL; check mode says what the real run does
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
    lab(directory)
    svc_sid = "S-1-5-21-1-2-3-1160"
    directory.add_user("CN=svc,OU=Staff," + DOMAIN_NC, "O:DAG:DUD:AI(A;;RC;;;AU)",
                       objectSid=sid_from_str(svc_sid), sAMAccountName="svc")
    directory.add_entry("", tokenGroups=[sid_from_str(svc_sid)])
    entry = directory.entries[JOHN.lower()]
    entry.attrs["ntsecuritydescriptor"] = [SDDL.parse(
        "O:DAG:DUD:AI(A;;RPWP;;;%s)" % svc_sid).to_bytes()]
    entries = [dict(user="jane", allowed="N1"), dict(user="john", allowed="N2")]
    check = run_module(eas_allowed_devices, dict(entries=entries), check_mode=True)
    real = run_module(eas_allowed_devices, dict(entries=entries))
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    assert real["failed"] and real["counts"]["failed"] == 1 and real["counts"]["changed"] == 1
    jane = [o for o in real["objects"] if o["dn"] == JANE][0]
    assert jane["ldap_code"] == 50 and jane["predicted"] and jane["user"] == "jane"
    assert "insufficientAccessRights (50)" in jane["error"]
    assert "write property on msExchMobileAllowedDeviceIDs" in jane["error"]
    assert [dn for dn, _changes in directory.modifies] == [JOHN]
    assert stored(directory, JANE) == ["OLD1"]
