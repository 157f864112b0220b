"""identity_info's main() through the module base, against a directory in memory."""

from fakes import DOMAIN_NC, DOMAIN_SID, make_sid

from ansible_collections.adremedy.directory.plugins.modules import identity_info

STAFF = "OU=Zürich\\, Staff," + DOMAIN_NC
JANE = "CN=Doe\\, Jane," + STAFF
JOHN = "CN=John Roe," + STAFF


def people(directory):
    directory.add_entry(STAFF, objectClass=["top", "organizationalUnit"])
    directory.add_user(JANE, sAMAccountName="jdoe", userPrincipalName="jane@example.com",
                       mail="Jane.Doe@example.com", objectSid=make_sid(1601),
                       proxyAddresses=["SMTP:Jane.Doe@example.com", "smtp:jd@old.example.com"])
    directory.add_user(JOHN, sAMAccountName="jroe", objectSid=make_sid(1602),
                       proxyAddresses=["SMTP:John.Roe@example.com"])


def test_identities_as_admins_type_them_give_the_dcs_dns(run_module, directory):
    people(directory)
    spelled = "cn=doe\\2c jane , ou=z\\c3\\bcrich\\, staff," + DOMAIN_NC.lower()
    result = run_module(identity_info, dict(identities=[
        "jdoe", "JD@old.example.com", spelled, DOMAIN_SID + "-1602", "jroe"]), check_mode=True)
    assert result["changed"] is False and not result["failed"]
    assert [(u["identity"], u["dn"]) for u in result["users"]] == [
        ("jdoe", JANE), ("JD@old.example.com", JANE), (spelled, JANE), (DOMAIN_SID + "-1602", JOHN),
        ("jroe", JOHN)]
    assert result["dns"] == [JANE, JOHN]
    jane = result["users"][0]
    assert (jane["sam_account_name"], jane["mail"], jane["object_sid"]) == (
        "jdoe", "Jane.Doe@example.com", DOMAIN_SID + "-1601")
    assert result["users"][3]["mail"] == "John.Roe@example.com"  # the SMTP: proxy address


def test_one_string_is_one_identity_and_lines_are_several(run_module, directory):
    people(directory)
    one = run_module(identity_info, dict(identities=JANE))
    assert one["dns"] == [JANE]
    lines = run_module(identity_info, dict(identities="jdoe\n\n  jroe \n"))
    assert lines["dns"] == [JANE, JOHN]


def test_unknown_and_ambiguous_identities_are_one_line(run_module, directory):
    people(directory)
    directory.add_user("CN=Other," + STAFF, sAMAccountName="other", mail="jane@example.com")
    result = run_module(identity_info, dict(identities=["nobody", "jane@example.com", "jdoe"]))
    assert result["failed"] and "\n" not in result["msg"]
    assert "'nobody' (by sAMAccountName) not found" in result["msg"] or \
        "user 'nobody' not found" in result["msg"]
    assert "ambiguous: 'jane@example.com' matches 2 objects" in result["msg"]
    assert result["ldap_code"] == 32
    empty = run_module(identity_info, dict(identities=[]))
    assert empty["failed"] and empty["msg"] == "identities names no user"
    wrong = run_module(identity_info, dict(identities=[3]))
    assert wrong["failed"] and wrong["msg"] == "identities[1] is 3, not a DN string"


def test_a_sid_over_32_bits_is_one_line_not_a_traceback(run_module, directory):
    people(directory)
    result = run_module(identity_info, dict(identities=["jdoe", "S-1-5-21-99999999999-1"]))
    assert result["failed"]
    assert result["msg"] == "identity 'S-1-5-21-99999999999-1' is not a valid SID " \
                            "(sub-authority 99999999999 is more than 32 bits)"


def test_the_result_names_the_domain_for_domain_sam_checks(run_module, directory):
    people(directory)
    config = directory.root_dse.configuration_naming_context
    directory.add_entry("CN=Partitions," + config, objectClass=["top", "crossRefContainer"])
    directory.add_entry("CN=EXAMPLE,CN=Partitions," + config, objectClass=["top", "crossRef"],
                        nCName=DOMAIN_NC, nETBIOSName="EXAMPLE", dnsRoot="example.com")
    result = run_module(identity_info, dict(identities=["EXAMPLE\\jdoe"]))
    assert not result["failed"], result["msg"]
    assert result["domain"] == dict(netbios_name="EXAMPLE", dns_name="example.com")
    assert result["dns"] == [JANE]
