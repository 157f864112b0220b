"""protected_accounts_info's main() through the module base, against a directory in memory:
the PDC emulator and the rule applied to Key Admins and Enterprise Key Admins (Samba 4.17, the
lab's DC, provisions neither group), primary-group members, duplicate SIDs."""

from fakes import DOMAIN_NC, DOMAIN_SID, make_sid

from ansible_collections.adremedy.directory.plugins.modules import protected_accounts_info

USERS = "CN=Users," + DOMAIN_NC
CONFIG = "CN=Configuration," + DOMAIN_NC
SERVER = "CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites," + CONFIG
NTDS = "CN=NTDS Settings," + SERVER
COMPUTER = "CN=DC1,OU=Domain Controllers," + DOMAIN_NC
KEY_ADMINS = "CN=Key Admins," + USERS
HOLDER = "CN=Key Holder,OU=Admins," + DOMAIN_NC


def domain(directory, system="Windows Server 2016 Datacenter", version="10.0 (14393)",
           key_admins=True):
    directory.add_entry(DOMAIN_NC, objectClass=["top", "domainDNS"], fSMORoleOwner=NTDS)
    directory.add_entry(SERVER, objectClass=["top", "server"], serverReference=COMPUTER)
    directory.add_entry(NTDS, objectClass=["top", "nTDSDSA"])
    computer = dict(objectClass=["top", "user", "computer"], objectSid=make_sid(1000),
                    sAMAccountName="DC1$", primaryGroupID="516")
    if system:
        computer.update(operatingSystem=system, operatingSystemVersion=version)
    directory.add_entry(COMPUTER, **computer)
    directory.add_entry("CN=Domain Admins," + USERS, objectClass=["top", "group"],
                        objectSid=make_sid(512), sAMAccountName="Domain Admins")
    if key_admins:
        directory.add_entry(KEY_ADMINS, objectClass=["top", "group"], objectSid=make_sid(526),
                            sAMAccountName="Key Admins", member=[HOLDER])
    directory.add_user(HOLDER, objectSid=make_sid(1400), sAMAccountName="keyholder",
                       adminCount="1", memberOf=[KEY_ADMINS] if key_admins else [])


def test_the_pdc_emulator_and_the_key_admins_rule(run_module, directory):
    domain(directory)
    result = run_module(protected_accounts_info, {})
    assert not result["failed"], result.get("msg")
    pdc = result["pdc_emulator"]
    assert (pdc["dn"], pdc["server"]) == (COMPUTER, SERVER)
    assert (pdc["operating_system"], pdc["operating_system_version"]) == (
        "Windows Server 2016 Datacenter", "10.0 (14393)")
    assert pdc["sdprop_protects"] == ["Key Admins"]
    assert "found here: Key Admins" in pdc["rule"]
    assert "under this PDC emulator (Windows Server 2016 Datacenter) SDProp protects Key " \
        "Admins." in pdc["rule"]
    holder = [o for o in result["objects"] if o["dn"] == HOLDER][0]
    assert holder["classification"] == "protected" and holder["reason"] == "member of Key Admins"
    assert result["counts"]["orphaned"] == 0  # was 1: Key Admins was no protected group
    groups = dict((g["name"], g) for g in result["protected_groups"])
    assert groups["Key Admins"] == dict(name="Key Admins", sid=DOMAIN_SID + "-526",
                                        dn=KEY_ADMINS, excluded=False)
    assert groups["Enterprise Key Admins"]["dn"] is None
    assert result["unresolved"] == []


def test_missing_pieces_of_the_pdc_emulator_are_null(run_module, directory):
    domain(directory, system=None, key_admins=False)
    result = run_module(protected_accounts_info, {})
    pdc = result["pdc_emulator"]
    assert pdc["dn"] == COMPUTER and pdc["operating_system"] is None
    assert pdc["sdprop_protects"] is None
    assert "neither exists here" in pdc["rule"]
    assert "its operating system could not be read" in pdc["rule"]
    directory.entries.pop(SERVER.lower())  # the role owner's server object is gone
    pdc = run_module(protected_accounts_info, {})["pdc_emulator"]
    assert pdc == dict(pdc, dn=None, server=None, operating_system=None,
                       operating_system_version=None, sdprop_protects=None)
    # an orphan stays one when Key Admins does not exist
    holder = [o for o in run_module(protected_accounts_info, {})["objects"]
              if o["dn"] == HOLDER][0]
    assert holder["classification"] == "orphaned"


def test_two_groups_with_a_protected_groups_sid_fail_naming_it(run_module, directory):
    domain(directory)
    directory.add_entry("CN=Copy," + USERS, objectClass=["top", "group"], objectSid=make_sid(526),
                        sAMAccountName="Copy")
    result = run_module(protected_accounts_info, {})
    assert result["failed"]
    assert result["msg"].startswith("objectSid %s-526 is carried by 2 groups (CN=Copy,"
                                    % DOMAIN_SID)
