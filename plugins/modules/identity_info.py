#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: identity_info
short_description: Resolve users named the way admins type them to their directory objects
version_added: 2.0.0
description:
  - Looks up each identity the way the other modules of the collection do (one resolver) - a
    DN in any spelling (case, spaces, hex or backslash escapes), C(sAMAccountName),
    C(DOMAIN\\sam), userPrincipalName, primary SMTP address or any C(proxyAddresses) C(smtp:)
    address, objectGUID or objectSid.
  - Returns each user's DN as the DC spells it, so that roles and playbooks can give users by
    name and still compare DNs (the device_rollout role resolves its users with it first).
  - An identity that matches no user, or more than one, fails the task with one line naming it
    (and, for an ambiguous one, the candidates and the attribute that matched).
  - Reads only; the identities are looked up in bulk (one search per 100).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
options:
  identities:
    description:
      - The users to look up. One string is one identity (a DN keeps its commas), a string
        with line breaks one identity a line (an AWX survey text area), a list one per item.
    type: raw
    required: true
  search_base:
    description:
      - Look for the users at or below this DN. Default is the domain's naming context.
    type: str
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Who are they
  adremedy.directory.identity_info:
    identities:
      - jdoe
      - EXAMPLE\asmith
      - joerg.mueller@example.com
      - S-1-5-21-1004336348-1177238915-682003330-1104
  register: people

- name: Their DNs as the DC spells them
  ansible.builtin.debug:
    msg: "{{ people.dns }}"
"""

RETURN = r"""
users:
  description: One entry per identity given, in input order.
  returned: success
  type: list
  elements: dict
  contains:
    identity:
      description: The identity as given.
      type: str
      sample: EXAMPLE\jdoe
    dn:
      description: The user's DN as the DC spells it.
      type: str
      sample: CN=Jane Doe,OU=Staff,DC=example,DC=com
    sam_account_name:
      description: sAMAccountName.
      type: str
    user_principal_name:
      description: userPrincipalName, null when not set.
      type: str
    mail:
      description: Primary SMTP address (C(mail), else the C(SMTP:) proxy address), null when none.
      type: str
    object_guid:
      description: objectGUID in its string form.
      type: str
    object_sid:
      description: objectSid.
      type: str
dns:
  description: The distinct users' DNs in input order (two identities of one user give one DN).
  returned: success
  type: list
  elements: str
domain:
  description:
    - The domain the DC serves, from its crossRef; C(DOMAIN\\sam) is accepted only when
      C(DOMAIN) is one of these two names (the quarantine_review role hands them to the
      P(adremedy.directory.review_decisions#filter) filter).
  returned: success
  type: dict
  version_added: 2.0.0
  contains:
    netbios_name:
      description: The NetBIOS name (C(nETBIOSName)), empty when the DC does not say.
      type: str
      sample: EXAMPLE
    dns_name:
      description: The DNS name (C(dnsRoot)), empty when the DC does not say.
      type: str
      sample: example.com
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    identity_report, require_identities)

OPTIONS = ArgumentSpec(dict(search_base=dict(type="str")))


def main() -> None:
    module = AdremedyModule(OPTIONS, dn_list_options(identities=dict(required=True)))
    with module.failing():
        identities = require_identities(module.params["identities"])
    with module.client() as client:
        result = identity_report(client, identities, module.selection(client).base_dn)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
