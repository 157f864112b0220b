#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: connection_info
short_description: Check the connection settings against each domain controller
version_added: 2.0.0
description:
  - The first task to run with new connection settings (an AWX credential, an inventory's
    C(adremedy_connection)), like C(microsoft.ad.debug_ldap_client).
  - Binds to each server in O(server) with the connection options and reports what each offers -
    TLS and its certificate (subject, subject alternative names, issuer, expiry), the SASL
    mechanisms, the controls the collection uses (paged results, SD flags, permissive modify,
    tree delete), the DC's name, site, functional levels and whether it is a Global Catalog - and
    how the bind was made and protected (TLS, TLS with the channel binding token, or a sealed SASL
    layer on plain LDAP; for O(auth=negotiate) why Kerberos was not used when it was not).
  - Says who the account is (Who am I?, where the DC offers it, and the account's token by name)
    and whether it can read what the other modules read - C(nTSecurityDescriptor) with the SD
    flags control set to the DACL only, and Exchange's configuration.
  - A server that cannot be bound is reported with its one-line error and the next is tried; the
    task fails only when no server could be bound. A refused account (wrong password, locked out,
    disabled) stops at the first server, as in every module.
  - Reads only; the result holds no password, key or ticket.
extends_documentation_fragment:
  - adremedy.directory.connection
options: {}
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: What do the DCs offer, and how does our account bind?
  adremedy.directory.connection_info:
  register: dcs

- name: Every DC bound, and nothing crossed the network unprotected
  ansible.builtin.assert:
    that:
      - dcs.servers | rejectattr('reachable') | list | length == 0
      - dcs.servers | map(attribute='bind.protection') | reject('none') | list | length > 0
      - dcs.rights.read_dacl_domain
# For a domain whose DCs have no certificate, run it with the settings the jobs will use,
# e.g. server ldap://dc1.example.com, auth negotiate and bind_dn svc-adremedy@EXAMPLE.COM:
# bind.protection then says sealed.
"""

RETURN = r"""
servers:
  description: One entry per server in O(server), in order.
  returned: always
  type: list
  elements: dict
  contains:
    server:
      description: The server as the messages name it.
      type: str
      sample: ldaps://dc1.example.com:636
    reachable:
      description: Whether the connection was made and bound.
      type: bool
    error:
      description: The one-line error when it was not, else null.
      type: str
    tls:
      description: The TLS session (LDAPS or StartTLS), null on plain LDAP.
      type: dict
      contains:
        version:
          description: The TLS version.
          type: str
          sample: TLSv1.3
        cipher:
          description: The cipher suite.
          type: str
        validated:
          description: Whether the certificate and its name were checked (O(validate_certs)).
          type: bool
        certificate:
          description: The DC's certificate - C(subject), C(issuer), C(san_dns), C(san_ip),
            C(not_after) (ISO 8601), C(days_left), C(signature_hash) (what the channel binding
            token hashes it with, SHA-256 for MD5 and SHA-1).
          type: dict
    bind:
      description: How the bind was made.
      type: dict
      contains:
        auth:
          description: O(auth) as set.
          type: str
        mechanism:
          description: C(SIMPLE), C(GSSAPI) (Kerberos) or C(GSS-SPNEGO) (NTLM).
          type: str
        protocol:
          description: C(simple), C(kerberos) or C(ntlm) (what O(auth=negotiate) chose).
          type: str
        protection:
          description: C(tls), C(tls+channel-binding) or C(sealed) (the SASL security layer signs
            and encrypts every message on plain LDAP).
          type: str
        sealed:
          description: Whether the SASL security layer encrypts the connection.
          type: bool
        channel_binding:
          description: Whether the bind carried the C(tls-server-end-point) channel binding token.
          type: bool
        kerberos_not_used:
          description: With O(auth=negotiate), why Kerberos was not used (NTLM was), else null.
          type: str
    dc:
      description: The DC as its RootDSE describes it - C(dns_host_name), C(server), C(site),
        C(domain), C(domain_functionality), C(forest_functionality), C(dc_functionality) (as
        Windows Server versions, C(2016)), C(global_catalog), C(synchronized), C(current_time).
      type: dict
    sasl_mechanisms:
      description: supportedSASLMechanisms.
      type: list
      elements: str
      sample: [GSSAPI, GSS-SPNEGO, EXTERNAL, DIGEST-MD5]
    controls:
      description: Whether the DC offers each control the collection uses - C(paged_results),
        C(sd_flags), C(permissive_modify), C(tree_delete).
      type: dict
    supported_controls:
      description: supportedControl, every OID.
      type: list
      elements: str
account:
  description: The bound account, from the first server bound; null when none was.
  returned: always
  type: dict
  contains:
    whoami:
      description: The Who am I? answer (C(u:EXAMPLE\\svc)); null where the DC does not offer
        the operation (Samba).
      type: str
    dn:
      description: The account's DN (the user among the token's SIDs).
      type: str
    sam_account_name:
      description: Its sAMAccountName.
      type: str
    sid:
      description: Its objectSid.
      type: str
    groups:
      description: The other SIDs of its token (the RootDSE's tokenGroups) with their names, null
        for one the domain does not hold.
      type: list
      elements: dict
rights:
  description: What the account can read on the first server bound; null when none was.
  returned: always
  type: dict
  contains:
    read_dacl_domain:
      description: Whether nTSecurityDescriptor of the domain head is returned with SD flags 4.
      type: bool
    read_dacl_own_object:
      description: The same for the account's own object.
      type: bool
    exchange_configuration:
      description: C(readable), C(absent) (no Exchange in this forest) or C(unreadable).
      type: str
    exchange_organizations:
      description: The Exchange organizations found.
      type: list
      elements: str
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec)
from ansible_collections.adremedy.directory.plugins.module_utils._security._connection_info import (
    check_servers)


def main() -> None:
    module = AdremedyModule(ArgumentSpec({}))
    with module.failing():
        result = check_servers(lambda uri: module.new_client(server=[uri]), module.connection)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
