"""The LDAP layer's pure parts: escaping, URIs, DNs, one-line errors and the retry loop."""

import pytest
from ansible.module_utils.basic import AnsibleFallbackNotFound
from hypothesis import given, strategies as st

from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _transport as _ldap
from ansible_collections.adremedy.directory.plugins.module_utils._ldap import _options
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    escape_filter_bytes, escape_filter_value)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import parse_server
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    LdapClient, check_dn, result_error)


def test_filter_escaping_keeps_user_input_a_value():
    assert escape_filter_value("a*b(c)d\\e\x00") == "a\\2ab\\28c\\29d\\5ce\\00"
    assert escape_filter_value(b"x*") == "x\\2a"
    assert escape_filter_value("Müller") == "Müller"


def test_binary_filter_values_are_escaped_byte_for_byte():
    """SIDs and GUIDs are matched as bytes: every byte escaped, none read as text."""
    assert escape_filter_bytes(b"\x01\x05*(\xff") == "\\01\\05\\2a\\28\\ff"
    assert escape_filter_bytes(b"") == ""


def test_the_most_specific_class_is_the_last_objectclass_value():
    """AD lists objectClass from top down; an entry read without it has no class."""
    entry = _ldap.Entry("CN=a,DC=x", {"objectclass": [b"top", b"person", b"user"]})
    assert entry.most_specific_class() == "user"
    assert _ldap.Entry("CN=a,DC=x", {}).most_specific_class() is None


def test_has_class_ignores_case_as_ldap_names_do():
    entry = _ldap.Entry("CN=a,DC=x", {"objectclass": [b"top", b"foreignSecurityPrincipal"]})
    assert entry.has_class("foreignsecurityprincipal") and entry.has_class("TOP")
    assert not entry.has_class("group")
    assert not _ldap.Entry("CN=a,DC=x", {}).has_class("top")


def test_guid_attributes_read_as_text():
    """objectGUID (or schemaIDGUID) as uuid prints it; None unless 16 bytes were read."""
    blob = bytes(range(16))
    entry = _ldap.Entry("CN=a,DC=x", {"objectguid": [blob], "schemaidguid": [b"short"]})
    assert entry.guid() == "03020100-0504-0706-0809-0a0b0c0d0e0f"
    assert entry.guid("schemaIDGUID") is None
    assert _ldap.Entry("CN=a,DC=x", {}).guid() is None


@given(st.text())
def test_escaped_filter_values_have_no_filter_syntax(text):
    escaped = escape_filter_value(text)
    assert not set("*()\x00") & set(escaped)
    # every backslash starts a two-hex-digit escape
    parts = escaped.split("\\")
    assert all(len(p) >= 2 and int(p[:2], 16) >= 0 for p in parts[1:])


@pytest.mark.parametrize("uri,expected", [
    ("ldaps://dc1.example.com", ("ldaps", "dc1.example.com", 636)),
    ("ldap://dc1:3268", ("ldap", "dc1", 3268)),
    ("dc1.example.com", ("ldaps", "dc1.example.com", 636)),
    ("ldaps://[::1]:1636/", ("ldaps", "::1", 1636)),
])
def test_parse_server(uri, expected):
    assert parse_server(uri) == expected


@pytest.mark.parametrize("uri", ["https://dc1", "ldaps://", "ldap://a b", "ldaps://dc1:port"])
def test_parse_server_rejects(uri):
    with pytest.raises(LdapError, match="is not an LDAP URI"):
        parse_server(uri)


def test_check_dn():
    assert check_dn("CN=iPhone15\\,2 (DeviceModel),CN=x") == "CN=iPhone15\\,2 (DeviceModel),CN=x"
    with pytest.raises(LdapError) as err:
        check_dn("DC=lab,,DC=x", "search_base")
    assert err.value.code == 34
    assert str(err.value).startswith("search_base 'DC=lab,,DC=x' is not a valid distinguished")
    with pytest.raises(LdapError) as err:  # pasted with a line break, or a NUL in it
        check_dn("CN=User\n 1,OU=\x00Staff")
    assert err.value.code == 34 and "\n" not in str(err.value)
    assert "an unescaped control character '\\n' at position 7; escape it as \\0A" \
        in str(err.value)
    assert check_dn("CN=User\\0A 1,OU=Staff") == "CN=User\\0A 1,OU=Staff"


def test_result_error_is_one_line_with_name_and_code():
    err = result_error("modify", "CN=u,DC=x", {"result": 50,
                                               "description": "insufficientAccessRights",
                                               "message": "00000005: SecErr\n problem 4003\x00"})
    assert str(err) == ("modify CN=u,DC=x failed: insufficientAccessRights (50): "
                        "00000005: SecErr problem 4003")
    assert (err.code, err.name, err.dn) == (50, "insufficientAccessRights", "CN=u,DC=x")


def params(**overrides):
    base = dict(server=["ldaps://127.0.0.1"], bind_dn="CN=a", password="p", auth="simple",
                start_tls=False, page_size=1000)
    base.update(overrides)
    return base


def test_password_from_the_file_adremedy_password_file_names(monkeypatch, tmp_path):
    """As the AWX credential type injects it: the password is in a file, not the environment;
    read by the no_log option's fallback, so Ansible masks it like a password given directly."""
    secret = tmp_path / "password"
    secret.write_text("S3cret, with spaces \n")
    monkeypatch.delenv("ADREMEDY_PASSWORD", raising=False)
    monkeypatch.setenv("ADREMEDY_PASSWORD_FILE", str(secret))
    spec = _options.connection_argument_spec()["password"]
    assert spec["no_log"] and spec["fallback"][0]() == "S3cret, with spaces "
    monkeypatch.setenv("ADREMEDY_PASSWORD", "from-env")
    assert spec["fallback"][0]() == "from-env"
    monkeypatch.delenv("ADREMEDY_PASSWORD")
    monkeypatch.setenv("ADREMEDY_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(AnsibleFallbackNotFound):
        spec["fallback"][0]()
    with pytest.raises(LdapError) as err:
        LdapClient(params(password=None))
    assert str(err.value) == "ADREMEDY_PASSWORD_FILE %s cannot be read: No such file or directory" \
        % (tmp_path / "missing")


def test_client_refuses_clear_text_and_missing_credentials(monkeypatch):
    monkeypatch.setattr(_ldap.kerberos, "GSSAPI_MISSING", False)  # also where gssapi is absent
    monkeypatch.setattr(_ldap.sasl, "SPNEGO_MISSING", False)  # and pyspnego
    with pytest.raises(LdapError) as err:
        LdapClient(params(server=["ldaps://dc1", "ldap://dc2:389"]))
    assert str(err.value) == (
        "simple bind to ldap://dc2:389 would send the password in clear text; use ldaps://, "
        "start_tls: true, or auth kerberos, ntlm or negotiate (signed and sealed on plain LDAP)")
    LdapClient(params(server=["ldap://dc1"], start_tls=True))
    with pytest.raises(LdapError, match="needs bind_dn and password"):
        LdapClient(params(password=None))
    LdapClient(params(auth="kerberos", bind_dn=None, password=None))
    # Kerberos, NTLM and negotiate bind on plain ldap:// signed and sealed (issue 23)
    for auth, account in (("kerberos", "svc@EXAMPLE.COM"), ("ntlm", "EXAMPLE\\svc"),
                          ("negotiate", "svc@EXAMPLE.COM")):
        LdapClient(params(auth=auth, server=["ldaps://dc1", "ldap://dc2:389"], bind_dn=account))
        LdapClient(params(auth=auth, server=["ldap://dc2"], start_tls=True, bind_dn=account))
    with pytest.raises(LdapError, match="page_size"):
        LdapClient(params(page_size=0))


class FlakyConnection(object):
    """Fails the first `failures` calls the way a dropped TCP connection does."""

    def __init__(self, failures, result):
        self.failures = failures
        self.calls = 0
        self.result = result

    def call(self, _conn):
        self.calls += 1
        if self.calls <= self.failures:
            from ldap3.core.exceptions import LDAPSocketReceiveError
            raise LDAPSocketReceiveError("connection reset by peer")
        return self.result.get("result") == 0


def flaky_client(monkeypatch, failures, result):
    client = LdapClient(params())
    flaky = FlakyConnection(failures, result)
    client.conn = flaky
    client.uri = "ldaps://127.0.0.1:636"
    reconnects = []
    monkeypatch.setattr(_ldap, "RETRY_DELAYS", (0, 0, 0))
    monkeypatch.setattr(client, "_reconnect", lambda: reconnects.append(1))
    return client, flaky, reconnects


def test_transient_failures_are_retried(monkeypatch):
    client, flaky, reconnects = flaky_client(monkeypatch, 2, {"result": 0})
    client._run("modify", "CN=u,DC=x", flaky.call)
    assert flaky.calls == 3 and len(reconnects) == 2


def test_retries_are_bounded(monkeypatch):
    client, flaky, reconnects = flaky_client(monkeypatch, 10, {"result": 0})
    with pytest.raises(LdapError) as err:
        client._run("modify", "CN=u,DC=x", flaky.call)
    assert flaky.calls == 4 and len(reconnects) == 3
    assert str(err.value) == ("modify CN=u,DC=x failed: lost the connection to "
                              "ldaps://127.0.0.1:636 (connection reset) and 3 retries did not "
                              "bring it back")
    assert err.value.code == 52


def test_busy_is_retried_but_a_real_error_is_not(monkeypatch):
    client, flaky, reconnects = flaky_client(monkeypatch, 0, {"result": 51,
                                                              "description": "busy"})
    with pytest.raises(LdapError, match=r"busy \(51\)"):
        client._run("modify", "CN=u,DC=x", flaky.call)
    assert flaky.calls == 4
    client, flaky, reconnects = flaky_client(monkeypatch, 0, {
        "result": 50, "description": "insufficientAccessRights"})
    with pytest.raises(LdapError, match=r"insufficientAccessRights \(50\)"):
        client._run("modify", "CN=u,DC=x", flaky.call)
    assert flaky.calls == 1 and not reconnects


def test_security_descriptor_requests_always_carry_dacl_only_sd_flags():
    from ldap3.protocol.microsoft import security_descriptor_control
    dacl_only = security_descriptor_control(sdflags=0x4)
    assert LdapClient._controls(None, None, ["cn", "nTSecurityDescriptor"]) == dacl_only
    assert LdapClient._controls(None, None, {"ntsecuritydescriptor": []}) == dacl_only
    assert LdapClient._controls(0x7, None, ["nTSecurityDescriptor"]) == \
        security_descriptor_control(sdflags=0x7)
    assert LdapClient._controls(None, None, ["cn"]) is None
    permissive = (_ldap.PERMISSIVE_MODIFY_OID, False, None)
    assert LdapClient._controls(None, [permissive], ["member"]) == [permissive]


def test_operations_error_is_retried_for_reads_only(monkeypatch):
    # reads are retried on operationsError like busy; a write is not retried
    samba = {"result": 1, "description": "operationsError",
             "message": "00002020: Indexed and full searches both failed!"}
    client, flaky, _reconnects = flaky_client(monkeypatch, 0, samba)
    with pytest.raises(LdapError, match=r"operationsError \(1\)"):
        client._run("search under", "DC=x", flaky.call, transient=_ldap.TRANSIENT_READ_RESULTS)
    assert flaky.calls == 4
    client, flaky, _reconnects = flaky_client(monkeypatch, 0, samba)
    with pytest.raises(LdapError, match=r"operationsError \(1\)"):
        client._run("modify", "CN=u,DC=x", flaky.call)
    assert flaky.calls == 1


def test_a_dc_that_stays_down_ends_in_one_clear_unavailable_error(monkeypatch):
    client, flaky, _reconnects = flaky_client(monkeypatch, 1, {"result": 0})

    def unreachable():
        client.conn = None
        raise LdapError("cannot reach ldaps://127.0.0.1:636 (connection refused) within 10 s",
                        code=52, name="unavailable")
    monkeypatch.setattr(client, "_reconnect", unreachable)
    with pytest.raises(LdapError) as err:
        client._run("modify", "CN=u,DC=x", flaky.call)
    assert err.value.code == 52 and flaky.calls == 1
    assert "modify CN=u,DC=x failed: lost the connection" in str(err.value)
    assert "cannot reach" in str(err.value)


def test_an_operation_that_times_out_is_not_retried_and_names_the_limit(monkeypatch):
    # a wedged DC would make every retry wait operation_timeout again
    import socket
    from ldap3.core.exceptions import LDAPSocketReceiveError, communication_exception_factory
    client, flaky, reconnects = flaky_client(monkeypatch, 0, {"result": 0})
    client.operation_timeout = 7

    def silent(_conn):
        flaky.calls += 1
        raise communication_exception_factory(LDAPSocketReceiveError, socket.timeout("timed out"))(
            "error receiving data: timed out")
    with pytest.raises(LdapError) as err:
        client._run("search under", "OU=Staff,DC=x", silent)
    assert flaky.calls == 1 and not reconnects and client.conn is None
    assert str(err.value) == ("search under OU=Staff,DC=x failed: ldaps://127.0.0.1:636 did not "
                              "answer within 7 s (operation_timeout)")
    assert err.value.code == 52


def test_timeouts_below_one_second_are_refused():
    with pytest.raises(LdapError, match="connect_timeout must be at least 1 second, got 0"):
        LdapClient(params(connect_timeout=0))


def test_adminlimitexceeded_on_a_modify_names_the_object_and_the_cap(monkeypatch):
    # the lab cannot produce it (Samba 4.17 stored 1,500 values of msExchMobileAllowedDeviceIDs):
    # this is AD's answer when an attribute would exceed about 1,200 values
    ad = {"result": 11, "description": "adminLimitExceeded",
          "message": "00002024: SvcErr: DSID-0208044A, problem 5008 (ADMIN_LIMIT_EXCEEDED)"}
    client, flaky, reconnects = flaky_client(monkeypatch, 0, ad)
    monkeypatch.setattr(client, "_run", lambda op, dn, call, **kw: _ldap.LdapClient._run(
        client, op, dn, flaky.call))
    dn = "CN=User 00001,OU=Staff,DC=x"
    with pytest.raises(LdapError) as err:
        client.modify(dn, {"msExchMobileAllowedDeviceIDs": [("MODIFY_ADD", ["A1"])]})
    assert str(err.value) == (
        "modify CN=User 00001,OU=Staff,DC=x failed: adminLimitExceeded (11): 00002024: SvcErr: "
        "DSID-0208044A, problem 5008 (ADMIN_LIMIT_EXCEEDED); AD keeps about 1200 values in one "
        "non-linked multi-valued attribute (msExchMobileAllowedDeviceIDs): remove stale values "
        "first, nothing was changed")
    assert (err.value.code, err.value.dn) == (11, dn) and flaky.calls == 1 and not reconnects
