"""connection_info's main() through the module base, against a directory in memory: what the
RootDSE offers, the account named from its token, its rights, a refused account stopping at the
first server, and nothing secret in the result. tests/integration/test_connection_info.py runs it
against the lab's DC (TLS, the certificate and each bind's protection)."""

from fakes import DOMAIN_NC, DOMAIN_SID, EXCHANGE, ORG, make_sid

from ansible_collections.adremedy.directory.plugins.module_utils._security import _connection_info
from ansible_collections.adremedy.directory.plugins.module_utils._run import _module
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_from_str
from ansible_collections.adremedy.directory.plugins.modules import connection_info

ADMIN = "CN=admin," + DOMAIN_NC
SERVER_NAME = "CN=DC1,CN=Servers,CN=Berlin,CN=Sites,CN=Configuration," + DOMAIN_NC


def dc(directory, exchange=True):
    directory.add_entry(
        "", dnsHostName="dc1.example.com", serverName=SERVER_NAME, defaultNamingContext=DOMAIN_NC,
        supportedSASLMechanisms=["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"],
        supportedControl=["1.2.840.113556.1.4.319", "1.2.840.113556.1.4.801",
                          "1.2.840.113556.1.4.1413"],
        domainFunctionality="7", forestFunctionality="7", domainControllerFunctionality="10",
        isGlobalCatalogReady="TRUE", isSynchronized="TRUE",
        tokenGroups=[make_sid(1105), make_sid(513), make_sid(512), sid_from_str("S-1-1-0"),
                     sid_from_str("S-1-5-11"), make_sid(999)])
    directory.add_entry(DOMAIN_NC, objectClass=["top", "domain"],
                        nTSecurityDescriptor=b"\x01\x00\x04\x84" + bytes(16))
    directory.add_user(ADMIN, sAMAccountName="svc-adremedy", objectSid=make_sid(1105))
    directory.add_entry("CN=Domain Users,CN=Users," + DOMAIN_NC, objectClass=["top", "group"],
                        sAMAccountName="Domain Users", objectSid=make_sid(513))
    directory.add_entry("CN=Domain Admins,CN=Users," + DOMAIN_NC, objectClass=["top", "group"],
                        sAMAccountName="Domain Admins", objectSid=make_sid(512))
    if exchange:
        directory.add_entry(EXCHANGE, objectClass=["top", "msExchConfigurationContainer"])
        directory.add_entry(ORG, cn="Contoso", objectClass=["top", "msExchOrganizationContainer"])


def test_what_the_dc_offers_and_who_the_account_is(run_module, directory):
    dc(directory)
    result = run_module(connection_info, {})
    assert result["changed"] is False and not result["failed"]
    server = result["servers"][0]
    assert server["server"] == "ldaps://dc1.example.com:636" and server["reachable"]
    assert server["error"] is None
    assert server["dc"]["dns_host_name"] == "dc1.example.com"
    assert server["dc"]["site"] == "Berlin"
    assert (server["dc"]["domain_functionality"], server["dc"]["dc_functionality"]) == \
        ("2016", "2025")
    assert server["dc"]["global_catalog"] is True
    assert server["sasl_mechanisms"] == ["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]
    assert server["controls"] == dict(paged_results=True, sd_flags=True, permissive_modify=True,
                                      tree_delete=False)
    assert server["bind"]["auth"] == "simple"
    account = result["account"]
    assert (account["dn"], account["sam_account_name"], account["sid"]) == (
        ADMIN, "svc-adremedy", DOMAIN_SID + "-1105")
    assert account["groups"] == [
        dict(sid=DOMAIN_SID + "-513", name="Domain Users"),
        dict(sid=DOMAIN_SID + "-512", name="Domain Admins"),
        dict(sid="S-1-1-0", name="Everyone"),
        dict(sid="S-1-5-11", name="Authenticated Users"),
        dict(sid=DOMAIN_SID + "-999", name=None)]
    assert result["rights"] == dict(read_dacl_domain=True, read_dacl_own_object=True,
                                    exchange_configuration="readable",
                                    exchange_organizations=["Contoso"])
    assert "secret" not in str(result)  # the fake's password


def test_without_exchange_and_without_rights(run_module, directory):
    dc(directory, exchange=False)
    del directory.entries[DOMAIN_NC.lower()].attrs["ntsecuritydescriptor"]
    result = run_module(connection_info, {})
    assert result["rights"]["exchange_configuration"] == "absent"
    assert result["rights"]["read_dacl_domain"] is False


def test_a_refused_account_stops_at_the_first_server(run_module, directory, monkeypatch):
    tried = []

    class Refusing(object):
        def __init__(self, settings):
            tried.append(settings["server"][0])

        def connect(self):
            raise LdapError("bind as %s to %s failed: invalidCredentials (49), data 775: the "
                            "account is locked out; wait for the lockout to end or unlock it"
                            % (ADMIN, tried[-1]), code=49, name="invalidCredentials")

        def close(self):
            pass
    monkeypatch.setattr(_module, "LdapClient", Refusing)
    result = run_module(connection_info, dict(server=["ldaps://dc1", "ldaps://dc2"]))
    assert result["failed"] and tried == ["ldaps://dc1"]
    assert result["msg"].startswith("no server could be bound: bind as %s to ldaps://dc1 failed: "
                                    "invalidCredentials (49), data 775" % ADMIN)
    assert [s["reachable"] for s in result["servers"]] == [False, False]
    assert result["servers"][1]["error"].startswith("not tried")


def test_an_unreachable_server_is_reported_and_the_next_one_used(run_module, directory,
                                                                 monkeypatch):
    dc(directory)

    def client(settings):
        if settings["server"] == ["ldaps://dc0"]:
            class Down(object):
                def connect(self):
                    raise LdapError("cannot reach any server: ldaps://dc0:636 (connection "
                                    "refused)", code=52, name="unavailable")

                def close(self):
                    pass
            return Down()
        return directory(settings)
    monkeypatch.setattr(_module, "LdapClient", client)
    result = run_module(connection_info, dict(server=["ldaps://dc0", "ldaps://dc1"]))
    assert not result["failed"]
    assert [s["reachable"] for s in result["servers"]] == [False, True]
    assert "connection refused" in result["servers"][0]["error"]
    assert result["account"]["sam_account_name"] == "svc-adremedy"


def test_where_the_token_leaves_the_account_out_who_am_i_names_it(run_module, directory,
                                                                  monkeypatch):
    """AD's RootDSE tokenGroups may hold only the groups; its Who am I? names the account."""
    dc(directory)
    root = directory.entries[""]
    root.attrs["tokengroups"] = [v for v in root.attrs["tokengroups"] if v != make_sid(1105)]
    monkeypatch.setattr(_connection_info, "whoami", lambda client: "u:EXAMPLE\\svc-adremedy")
    result = run_module(connection_info, {})
    account = result["account"]
    assert account["whoami"] == "u:EXAMPLE\\svc-adremedy"
    assert (account["dn"], account["sid"]) == (ADMIN, DOMAIN_SID + "-1105")
    assert result["rights"]["read_dacl_own_object"] is True
