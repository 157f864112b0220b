"""The module base and the argument spec it is built from."""

import pytest

from fakes import CONNECTION, Exit, patch_module_args

from ansible_collections.adremedy.directory.plugins.module_utils._run import _module
from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    CONNECTION_DEFAULTS, connection_settings)


def test_specs_merge_options_rules_and_checks_and_refuse_a_clash():
    seen = []
    first = ArgumentSpec(dict(a=dict(type="str")), required_together=[("a", "b")],
                         checks=[seen.append])
    second = ArgumentSpec(dict(b=dict(type="str")), mutually_exclusive=[("a", "c")],
                          required_by=dict(b=("a",)))
    merged = first.merge(second)
    kwargs = merged.module_kwargs()
    assert set(kwargs["argument_spec"]) == {"a", "b"}
    assert kwargs["required_together"] == [("a", "b")]
    assert kwargs["mutually_exclusive"] == [("a", "c")] and kwargs["required_by"] == dict(b=("a",))
    assert "required_if" not in kwargs  # empty rules are left out
    merged.check({"a": 1})
    assert seen == [{"a": 1}]
    assert set(first.options) == {"a"}  # merge makes a new spec
    with pytest.raises(ValueError, match="options defined twice: a"):
        first.merge(ArgumentSpec(dict(a=dict(type="int"))))


def test_connection_settings_fill_defaults_once_and_refuse_zero():
    settings = connection_settings(dict(server=["ldaps://dc1"], page_size=None))
    assert dict((k, settings[k]) for k in CONNECTION_DEFAULTS) == CONNECTION_DEFAULTS
    assert settings["bind_dn"] is None
    assert connection_settings(dict(server=["x"], operation_timeout=1))["operation_timeout"] == 1
    for name, message in (("connect_timeout", "connect_timeout must be at least 1 second, got 0"),
                          ("operation_timeout", "operation_timeout must be at least 1 second, "
                                                "got 0"),
                          ("page_size", "page_size must be at least 1, got 0")):
        with pytest.raises(LdapError) as info:
            connection_settings({"server": ["x"], name: 0})
        assert str(info.value) == message


def test_client_is_closed_and_errors_become_one_failure(module, directory):
    with pytest.raises(Exit) as info:
        with module.client(lambda: dict(counts=dict(changed=1))) as client:
            assert client is directory and directory.settings is module.connection
            raise LdapError("modify CN=x failed: busy (51)", code=51, name="busy")
    result = info.value.result
    assert directory.closed and result["failed"]
    assert (result["msg"], result["ldap_code"], result["ldap_result"]) == (
        "modify CN=x failed: busy (51)", 51, "busy")
    assert result["counts"] == dict(changed=1) and "Traceback" in result["exception"]


def test_failure_carries_its_result_and_also_names_more_errors(module):
    with pytest.raises(Exit) as info:
        with module.failing(lambda: dict(ignored=True)):
            raise Failure("the plan changes 3 objects", plan=["a", "b", "c"])
    assert info.value.result["plan"] == ["a", "b", "c"] and "ignored" not in info.value.result
    with pytest.raises(Exit) as info:
        with module.failing(also=(ValueError,)):
            raise ValueError("change 1: unknown action 'x'")
    assert info.value.result["msg"] == "change 1: unknown action 'x'"
    with pytest.raises(KeyError):  # anything else is a bug and stays a traceback
        with module.failing():
            raise KeyError("x")


def test_missing_ldap3_is_reported_as_a_missing_library(run_module, monkeypatch):
    monkeypatch.setattr(_module, "LDAP3_IMPORT_ERROR", "Traceback: No module named 'ldap3'")
    with patch_module_args(dict(CONNECTION)):
        with pytest.raises(Exit) as info:
            _module.AdremedyModule()
    assert "ldap3" in info.value.result["msg"] and info.value.result["failed"]


def test_the_global_catalog_binds_only_when_asked_with_its_own_ports(run_module, directory):
    with patch_module_args(dict(CONNECTION)):
        plain = _module.AdremedyModule()
    with plain.global_catalog() as catalog:
        assert catalog is None  # no gc_server: nothing to bind
    servers = ["gc1.example.com", "ldap://gc2", "ldaps://[::1]:4000"]
    with patch_module_args(dict(CONNECTION, gc_server=servers)):
        module = _module.AdremedyModule()
    with module.global_catalog() as catalog:
        assert directory.settings is None  # lazy: not bound until a member needs it
        assert catalog() is catalog() is directory
        assert directory.settings["server"] == ["ldaps://gc1.example.com:3269",
                                                "ldap://gc2:3268", "ldaps://[::1]:4000"]
        assert directory.settings["bind_dn"] == module.connection["bind_dn"]
    assert directory.closed


def test_a_run_without_a_server_names_where_the_setting_comes_from(run_module, monkeypatch):
    """A play with no connection fails in one line naming adremedy_connection and the
    ADREMEDY_* variables, not Ansible's "missing required arguments: server"."""
    monkeypatch.delenv("ADREMEDY_SERVER", raising=False)
    with patch_module_args(dict(bind_dn="CN=x", password="secret")):
        with pytest.raises(Exit) as info:
            _module.AdremedyModule()
    result = info.value.result
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"].startswith("no domain controller to connect to")
    for name in ("adremedy_connection", "ADREMEDY_SERVER", "ADREMEDY_PASSWORD_FILE"):
        assert name in result["msg"]


@pytest.mark.parametrize("alias, option, value", [
    ("server_uri", "server", ["ldaps://dc2.example.com"]),
    ("domain_server", "server", ["dc2.example.com"]),
    ("domain_username", "bind_dn", "EXAMPLE\\svc"),
    ("bind_pw", "password", "other"),
    ("domain_password", "password", "other"),
])
def test_connection_options_take_the_names_of_community_general_and_microsoft_ad(
        run_module, alias, option, value):
    args = dict(CONNECTION)
    del args[option]
    args[alias] = value
    with patch_module_args(args):
        module = _module.AdremedyModule()
    assert module.connection[option] == value


def test_a_ca_cert_that_cannot_be_one_fails_saying_why(tmp_path):
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a\x02\x82\x01\x01")
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    cases = [(tmp_path / "absent.pem", "does not exist"),
             (tmp_path, "is a directory"),
             (der, "is not a PEM certificate file")]
    for path, why in cases:
        with pytest.raises(LdapError) as info:
            connection_settings(dict(server=["x"], ca_cert=str(path)))
        assert str(info.value).startswith("ca_cert %s %s" % (path, why))
    assert connection_settings(dict(server=["x"], ca_cert=str(pem)))["ca_cert"] == str(pem)


@pytest.mark.parametrize("variable, value, option, expected", [
    ("ADREMEDY_START_TLS", "True", "start_tls", True),
    ("ADREMEDY_START_TLS", "", "start_tls", False),  # a blank AWX field: the default
    ("ADREMEDY_VALIDATE_CERTS", "False", "validate_certs", False),
    ("ADREMEDY_VALIDATE_CERTS", "", "validate_certs", True),
    ("ADREMEDY_GC_SERVER", "ldaps://gc1:3269,ldaps://gc2:3269", "gc_server",
     ["ldaps://gc1:3269", "ldaps://gc2:3269"]),
    ("ADREMEDY_GC_SERVER", "", "gc_server", None),
])
def test_the_awx_credential_types_variables_set_the_options(
        run_module, monkeypatch, variable, value, option, expected):
    monkeypatch.setenv(variable, value)
    with patch_module_args(dict(CONNECTION)):
        module = _module.AdremedyModule()
    assert module.connection[option] == expected


# -- the base owns the selection (issue 21 item 1) ------------------------------------------

STAFF = "OU=Staff,DC=example,DC=com"
JANE = "CN=Jane Doe," + STAFF


def selection_module(args, **kwargs):
    with patch_module_args(dict(CONNECTION, **args)):
        return _module.AdremedyModule(selection=True, **kwargs)


def test_the_base_builds_the_selection_once_and_leaves_params_alone(run_module, directory):
    directory.add_entry("DC=example,DC=com", objectClass="domain")
    directory.add_entry(STAFF, objectClass="organizationalUnit")
    directory.add_user(JANE, sAMAccountName="jdoe")
    module = selection_module(dict(dn="jdoe"), whole_domain=True, identities=True)
    assert module.params["dn"] == ["jdoe"]  # the dn_list check made the list
    with module.client() as client:
        selection = module.selection(client)
        assert module.selection(client) is selection and selection.resolved
    assert selection["dn"] == [JANE] and module.params["dn"] == ["jdoe"]
    assert module.params["search_base"] is None
    domain = selection_module({}, whole_domain=True)
    with domain.client() as client:
        assert domain.selection(client).search_base == "DC=example,DC=com"
    assert domain.params["search_base"] is None and domain.params["dn"] is None


def test_the_selection_comes_before_the_exchange_schema_check(run_module, directory):
    module = selection_module(dict(search_base="OU=Gone,DC=example,DC=com"),
                              exchange_schema=["msExchActiveSyncDevice"])
    with pytest.raises(Exit) as info:
        with module.client() as client:
            module.selection(client)
    assert info.value.result["msg"] == ("search_base OU=Gone,DC=example,DC=com does not exist: "
                                        "noSuchObject (32)")
    directory.add_entry(STAFF, objectClass="organizationalUnit")
    module = selection_module(dict(search_base=STAFF), exchange_schema=["msExchActiveSyncDevice"])
    with pytest.raises(Exit) as info:
        with module.client() as client:
            module.selection(client)
    assert info.value.result["msg"].startswith("the Exchange schema is not in this forest: "
                                               "msExchActiveSyncDevice")


def test_a_value_error_reaches_the_user_one_way(run_module):
    """Every ValueError (a pure engine's message, a dn list item that is no string) is one
    fail_json with its message, whichever block raised it."""
    with pytest.raises(Exit) as info:
        selection_module(dict(dn=["CN=a,DC=x", 3]))
    assert info.value.result["msg"] == "dn[2] is 3, not a DN string"
    module = selection_module(dict(dn="CN=a,DC=x"))
    for block in (module.failing, module.client):
        with pytest.raises(Exit) as info:
            with block():
                raise ValueError("changes[1]: unknown action 'x'")
        assert info.value.result["msg"] == "changes[1]: unknown action 'x'"
        assert info.value.result["failed"] and "Traceback" in info.value.result["exception"]


def test_new_client_replaces_settings_and_does_not_connect(run_module, directory):
    module = selection_module(dict(dn="CN=a,DC=x"))
    client = module.new_client(server=["ldaps://dc2.example.com"])
    assert client is directory and directory.settings["server"] == ["ldaps://dc2.example.com"]
    assert directory.settings["bind_dn"] == module.connection["bind_dn"]
    assert module.connection["server"] != ["ldaps://dc2.example.com"]


def test_a_missing_optional_library_is_named_as_ansible_names_it(run_module):
    module = selection_module(dict(dn="CN=a,DC=x"))
    module.need_library("jmespath", None)  # present: nothing happens
    with pytest.raises(Exit) as info:
        module.need_library("jmespath", "Traceback: No module named 'jmespath'")
    assert "jmespath" in info.value.result["msg"] and info.value.result["failed"]
    assert info.value.result["exception"] == "Traceback: No module named 'jmespath'"
