# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory of AdminSDHolder-protected and adminCount=1 accounts (protected_accounts_info):
the protected set within a base, orphans a run leaves out (orphan_exclude, krbtgt), whether
each admin has a phone (also the compliance report's), and AdminSDHolder audited. It joins the
security layer (protected set, AdminSDHolder) with Exchange's (phones), so it lives here.
Reads only. Private."""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_access import (
    PROTECTED_CLASSES, account_phones, phone_counts)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    dn_key, is_at_or_below)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._adminsdholder import (
    audit)
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import (
    CLASSES, ProtectedSet, counts, is_krbtgt)

# Orphans are users, computers (objectClass user too) and groups.
ACCOUNTS = "(|(objectClass=user)(objectClass=group))"


def split_excluded(objects: Iterable[dict[str, Any]], excluded_dns: set[str],
                   exclude_krbtgt: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(objects that stay findings, orphans excluded with the reason)."""
    kept, excluded = [], []
    for obj in objects:
        reason = None
        if obj["classification"] == "orphaned":
            if dn_key(obj["dn"]) in excluded_dns:
                reason = "listed in orphan_exclude"
            elif exclude_krbtgt and is_krbtgt(obj):
                reason = "Kerberos service account (exclude_krbtgt)"
        if reason is None:
            kept.append(obj)
        else:
            excluded.append(dict(dn=obj["dn"], sam_account_name=obj["sam_account_name"],
                                 reason=reason))
    return kept, excluded


def add_phones(client: LdapClient, objects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """mail, activesync_enabled and devices on every protected and unmarked row, read in
    batches; the phone counts (None where the forest's schema cannot tell)."""
    admins = [o for o in objects if o["classification"] in PROTECTED_CLASSES]
    phones, how = account_phones(client, admins)
    for obj in admins:
        obj.update(phones[dn_key(obj["dn"])])
    return phone_counts(objects, how)


def within(objects: Iterable[dict[str, Any]], base: str | None) -> list[dict[str, Any]]:
    """The objects at or below base (all of them without one)."""
    return [o for o in objects if not base or is_at_or_below(o["dn"], base)]


def protected_inventory(client: LdapClient, catalog: Any, base: str | None,
                        orphan_exclude: Sequence[str] = (), exclude_krbtgt: bool = True,
                        classification: Iterable[str] = CLASSES) -> dict[str, Any]:
    """protected_accounts_info's result. The protected set is computed for the whole domain
    (catalog: the Global Catalog for members of other domains); objects are reported at or
    below base; orphan_exclude names accounts any way admins type them (IdentityError for an
    unknown or ambiguous one, before the protected set is read)."""
    excluded_dns = set(dn_key(entry.dn) for entry in resolve_identities(
        client, orphan_exclude, object_filter=ACCOUNTS, what="account").values()) \
        if orphan_exclude else set()
    found = ProtectedSet(client, catalog).load()
    pdc = found.pdc_emulator()
    objects, excluded = split_excluded(within(found.objects(), base), excluded_dns,
                                       exclude_krbtgt)
    phone_summary = add_phones(client, objects)
    holder = audit(client)
    wanted = set(classification)
    summary = counts(objects)
    summary.update(phone_summary)
    return dict(
        changed=False,
        counts=summary,
        objects=[o for o in objects if o["classification"] in wanted],
        excluded_orphans=excluded,
        protected_groups=found.groups,
        dsheuristics=found.dsheuristics,
        unresolved=found.unresolved,
        pdc_emulator=pdc,
        adminsdholder=holder,
    )


def report_objects(found: ProtectedSet, client: LdapClient, base: str | None
                   ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The compliance report's protected rows: the objects at or below base, with their
    phones, and the phone counts."""
    objects = within(found.objects(), base)
    return objects, add_phones(client, objects)
