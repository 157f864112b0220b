# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection and selection options as Ansible takes them: the argument specs (documented in
the `connection` and `selection` doc fragments) and their environment fallbacks (ADREMEDY_*,
the password file of an AWX credential). The one file of the LDAP seam that imports Ansible;
the settings built from these options are _settings'. Private."""

from __future__ import annotations

import os
from typing import Any, Callable

from ansible.module_utils.basic import AnsibleFallbackNotFound, env_fallback

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import DEFAULT_USER_FILTER, MAX_READ_CONNECTIONS
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    CONNECTION_DEFAULTS, PASSWORD_FILE_VARIABLE, read_password_file)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import SCOPES


def password_fallback() -> str:
    """ADREMEDY_PASSWORD, else the content of the file ADREMEDY_PASSWORD_FILE names. As an
    argument-spec fallback of a no_log option, the value is masked in every result, like the
    option itself; a file that cannot be read is reported when the client checks its auth."""
    if "ADREMEDY_PASSWORD" in os.environ:
        return os.environ["ADREMEDY_PASSWORD"]
    path = os.environ.get(PASSWORD_FILE_VARIABLE)
    if path:
        try:
            return read_password_file(path)
        except LdapError:
            pass
    raise AnsibleFallbackNotFound


def set_in_environment(variable: str) -> Callable[[], str]:
    """An argument-spec fallback: the variable when it is set and not empty (an AWX
    credential's optional field injects an empty string when it is left blank)."""
    def fallback() -> str:
        value = os.environ.get(variable, "").strip()
        if not value:
            raise AnsibleFallbackNotFound
        return value
    return fallback


auth_fallback = set_in_environment("ADREMEDY_AUTH")


def connection_argument_spec() -> dict[str, dict[str, Any]]:
    """Options every module of the collection takes; documented in the `connection` fragment."""
    defaults = CONNECTION_DEFAULTS
    return dict(
        # not required=True: a run without a server gets NO_SERVER, which says where the
        # setting comes from, not Ansible's "missing required arguments: server"
        server=dict(type="list", elements="str", aliases=["server_uri", "domain_server"],
                    fallback=(env_fallback, ["ADREMEDY_SERVER"])),
        start_tls=dict(type="bool", default=defaults["start_tls"],
                       fallback=(set_in_environment("ADREMEDY_START_TLS"),)),
        validate_certs=dict(type="bool", default=defaults["validate_certs"],
                            fallback=(set_in_environment("ADREMEDY_VALIDATE_CERTS"),)),
        ca_cert=dict(type="path", fallback=(env_fallback, ["ADREMEDY_CA_CERT"])),
        auth=dict(type="str", default=defaults["auth"],
                  choices=["simple", "kerberos", "ntlm", "negotiate"], fallback=(auth_fallback,)),
        bind_dn=dict(type="str", aliases=["domain_username"],
                     fallback=(env_fallback, ["ADREMEDY_BIND_DN"])),
        password=dict(type="str", no_log=True, aliases=["bind_pw", "domain_password"],
                      fallback=(password_fallback,)),
        connect_timeout=dict(type="int", default=defaults["connect_timeout"]),
        operation_timeout=dict(type="int", default=defaults["operation_timeout"]),
        page_size=dict(type="int", default=defaults["page_size"]),
        gc_server=dict(type="list", elements="str",
                       fallback=(set_in_environment("ADREMEDY_GC_SERVER"),)),
    )


def selection_argument_spec() -> dict[str, dict[str, Any]]:
    """dn list or search_base + scope + filter; documented in the `selection` fragment. The
    module base adds its rules (dn or search_base, not both)."""
    return dict(
        dn=dict(type="raw"),  # one string is one DN: the module base's check makes the list
        search_base=dict(type="str"),
        scope=dict(type="str", choices=list(SCOPES), default="subtree"),
        filter=dict(type="str", default=DEFAULT_USER_FILTER),
        read_connections=dict(type="int", default=2,
                              choices=list(range(1, MAX_READ_CONNECTIONS + 1))),
    )
