# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How a module picks the objects it works on: a DN list or a paged search
    # (module_utils._ldap._options.selection_argument_spec).
    DOCUMENTATION = r"""
options:
  dn:
    description:
      - Objects to work on, by distinguished name. Mutually exclusive with O(search_base).
      - A DN that does not exist is reported with noSuchObject (32).
      - A list of DNs, or one string that is one DN (as an AWX survey gives it; it is not split
        at its commas), or a string with one DN per line.
    type: raw
  search_base:
    description:
      - Select the objects with a paged search from this DN. Mutually exclusive with O(dn).
    type: str
  scope:
    description: Search scope below O(search_base).
    type: str
    choices: [base, onelevel, subtree]
    default: subtree
  filter:
    description:
      - LDAP filter for the search. The default selects user and inetOrgPerson objects
        (computers and groups are left out). Add C((homeMDB=*)) for mailbox users only.
    type: str
    default: (&(objectCategory=person)(objectClass=user))
  read_connections:
    description:
      - Connections to one DC that read the O(search_base) search at once. The search is cut
        into parts by C(uSNCreated) (indexed, and numbered by each DC for itself, so every part
        is read from the same DC, checked by its C(dsServiceName)); the last part takes every
        object the others do not, so none is missed. The DC serves the connections in
        parallel while this module works on what has arrived.
      - Measured on a 10,000-user lab (two cores, Samba in its default prefork mode), V(2)
        cut the read of M(adremedy.directory.inheritance) from about 5.0 to 3.3 seconds.
      - V(1) reads with one paged search. A DC that does not take the extra connections is
        read with one. Not used for O(dn) lists or a C(base) scope.
    type: int
    choices: [1, 2, 3, 4, 5, 6, 7, 8]
    default: 2
"""

    # For modules that only read.
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: The module never changes anything.
  diff_mode:
    support: none
    description: The module never changes anything.
"""

    # For read-only modules: no selection means the whole domain (listed before `selection`,
    # so this description of search_base is the one shown).
    WHOLE_DOMAIN = r"""
options:
  search_base:
    description:
      - Select the objects with a paged search from this DN. Mutually exclusive with O(dn).
      - With neither O(dn) nor O(search_base) the whole domain is read, from the DC's
        C(defaultNamingContext) (as C(Get-MobileDevice) without a scope lists the whole
        organization). Modules that write always need an explicit selection.
    type: str
"""

    # For modules whose dn takes users by any name (Selection(identities=True)). Only a note:
    # ansible-core takes a fragment only with options or attributes, hence the empty options.
    IDENTITIES = r"""
options: {}
notes:
  - O(dn) also takes users as admins type them (resolved in bulk before anything is read),
    sAMAccountName, C(DOMAIN\sam), userPrincipalName, primary SMTP address or any
    C(proxyAddresses) smtp value, objectGUID or SID. An unknown or ambiguous one is an error
    naming it (and the candidates).
"""
