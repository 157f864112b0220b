# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The objects a module works on, as its selection options name them: `dn` (a list of DNs, or
of users named as admins type them) or `search_base` + `scope` + `filter`, read over
`read_connections` connections; and the DNs an `exclude` option names. Private.

API (stable; the module base builds it, modules and module_utils read it):

  Selection(params, whole_domain=False, identities=False, what="user", exclude=None)
      copies the selection options out of the module's parameters (which stay as the user
      gave them). whole_domain: no dn and no search_base select the domain; identities: `dn`
      items may be any identity _security/_identity reads; exclude: the option naming DNs to
      leave out.
  selection.resolve(client) -> Selection
      once, in this order for every module: identities to DNs, the whole-domain default, each
      DN checked (invalidDNSyntax), the filter checked (filterError), search_base read
      (noSuchObject), the exclude DNs read (noSuchObject, the DC's spelling kept).
  selection.entries(client, attributes, on_missing=None) -> Iterator[Entry]
      the listed DNs one by one in the order given, else a paged search split over
      read_connections (select_entries); on_missing(dn) for a listed DN that is gone
      (default: LdapError noSuchObject naming it).
  selection.listed                   True for a DN list
  selection.narrowed(clause)         a copy whose filter is ANDed with clause
  selection["dn"], .get("filter"), dict(selection)
      a Selection reads like the module's parameters for KEYS, so a function written for
      params["dn"]/params["search_base"]/... takes it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    check_filter, require_object, require_objects, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient, check_dn)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    identities_as_dns)

# The selection options (doc fragment `selection`), as a Selection gives them back.
KEYS = ("dn", "search_base", "scope", "filter", "read_connections")


class Selection(Mapping):
    """What a module's selection options name, resolved once against the DC."""

    def __init__(self, params: Mapping[str, Any], *, whole_domain: bool = False,
                 identities: bool = False, what: str = "user",
                 exclude: str | None = None) -> None:
        dn = params.get("dn")
        self.dn: list[str] | None = list(dn) if isinstance(dn, (list, tuple)) else dn
        self.search_base: str | None = params.get("search_base")
        self.scope: str | None = params.get("scope")
        self.filter: str | None = params.get("filter")
        self.read_connections: int | None = params.get("read_connections")
        self.whole_domain = whole_domain
        self.identities = identities
        self.what = what
        self.exclude_option = exclude
        self.excluded: list[str] = list(params.get(exclude) or []) if exclude else []
        # search_base as the DC spells it, once resolved (compare against that, never the text)
        self.base_dn: str | None = None
        self.resolved = False

    # -- reads like params -------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        if key not in KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def __repr__(self) -> str:
        return "Selection(%r)" % dict(self)

    # -- resolved once ------------------------------------------------------------------------

    def resolve(self, client: LdapClient) -> Selection:
        """Check and complete the selection against client's DC before anything is read:
        every module in the same order (see the module docstring). Raises LdapError (an
        IdentityError for unknown or ambiguous users) naming what is wrong; changes nothing
        in the module's parameters."""
        if self.identities and self.dn:
            self.dn = identities_as_dns(client, self.dn, what=self.what)
        if self.whole_domain and not self.dn and not self.search_base:
            # as Get-MobileDevice without a scope lists the organization
            self.dn = None
            self.search_base = client.root_dse.default_naming_context
        for dn in self.dn or []:
            check_dn(dn)
        if self.filter:
            check_filter(self.filter)
        if self.search_base:
            self.base_dn = require_object(client, self.search_base, "search_base")
        if self.exclude_option:
            self.excluded = require_objects(client, self.excluded, self.exclude_option)
        self.resolved = True
        return self

    # -- iterated ------------------------------------------------------------------------------

    @property
    def listed(self) -> bool:
        """A DN list (read one by one, in the order given), not a search."""
        return bool(self.dn)

    def missing(self, dn: str) -> None:
        """A listed DN that does not exist: the run stops naming it."""
        raise LdapError.no_such_object(dn, self.what)

    def entries(self, client: LdapClient, attributes: Iterable[str],
                on_missing: Callable[[str], None] | None = None) -> Iterator[Entry]:
        """The selected objects, streamed: the listed DNs in the order given (on_missing(dn)
        for one that is gone, by default an LdapError), else a paged search of search_base,
        split over read_connections connections to the same DC."""
        return select_entries(client, self, attributes, on_missing or self.missing)

    def narrowed(self, clause: str) -> Selection:
        """A copy whose search also matches clause (a DN list is not narrowed: the caller
        decides what a listed object outside the clause means)."""
        copy = Selection(self, whole_domain=self.whole_domain, identities=self.identities,
                         what=self.what)
        copy.exclude_option, copy.excluded = self.exclude_option, list(self.excluded)
        copy.base_dn, copy.resolved = self.base_dn, self.resolved
        if clause and not self.listed:
            copy.filter = "(&%s%s)" % (self.filter or "", clause)
        return copy
