"""The connection and selection options as Ansible takes them (_options)."""

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._options import (
    connection_argument_spec)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    CONNECTION_DEFAULTS, CONNECTION_OPTIONS, parse_server, server_uri)


def test_the_settings_take_every_option_the_spec_declares_in_its_order():
    # _settings names the options itself (it imports no Ansible): the two lists stay one
    assert CONNECTION_OPTIONS == tuple(connection_argument_spec())


def test_the_spec_takes_its_defaults_from_the_settings():
    spec = connection_argument_spec()
    assert all(spec[name]["default"] == value for name, value in CONNECTION_DEFAULTS.items())


def test_a_servers_name_spells_an_ipv6_address_in_brackets():
    assert server_uri(*parse_server("ldaps://[::1]:1636")) == "ldaps://[::1]:1636"
    assert server_uri("ldap", "dc1.example.com", 389) == "ldap://dc1.example.com:389"
