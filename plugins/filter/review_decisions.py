# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a quarantine review's approve and block lists into allow/block list entries."""

from __future__ import annotations

DOCUMENTATION = r"""
name: review_decisions
short_description: Allow and block list entries from a quarantine review's decisions
version_added: 1.0.0
description:
  - Takes the device records of M(adremedy.directory.eas_device_info) (the devices under review)
    and the items to approve and to block. Each item is a device ID (that device) or a user
    (every device of that user under review), as a DN, sAMAccountName, C(DOMAIN\\sam),
    userPrincipalName of the owner (or mail, where the records carry C(owner_mail)).
  - A phone chooses its own device ID, so it can register under a user's name. An item that is
    both the device ID of a device under review and a user owning devices under review is
    refused as ambiguous, and so is a device ID on devices of more than one user and an address
    that names more than one user. Prefix the item to say which one is meant -
    C(device:<id>) matches device IDs only, C(user:<name>) owners only (either prefix in any
    case).
  - C(DOMAIN\\sam) names the sAMAccountName C(sam) and is accepted only when C(DOMAIN) is the
    NetBIOS or DNS name of the domain given in O(domain) (as the collection's identity resolver
    checks it); without O(domain) such an item is refused.
  - Device IDs and names compare case-insensitively, DNs parsed and normalised (case, spaces,
    escapes).
  - Items that match no device under review are returned in RV(_value.unknown), refused items in
    RV(_value.refused), so the caller can refuse the review before anything is written.
    Neither kind adds anything to RV(_value.entries).
author:
  - adremedy.directory maintainers (@adremedy)
positional: _input
options:
  _input:
    description: The device records under review.
    type: list
    elements: dict
    required: true
  approve:
    description: Device IDs or users whose devices go on the allow list.
    type: list
    elements: str
    default: []
  block:
    description: Device IDs or users whose devices go on the block list.
    type: list
    elements: str
    default: []
  domain:
    description:
      - The names of the domain the devices' owners are in - the RV(adremedy.directory.identity_info#module:domain)
        result of M(adremedy.directory.identity_info) (V(netbios_name) and V(dns_name)), or a
        list of names. Needed for items given as C(DOMAIN\\sam).
    type: raw
    version_added: 2.0.0
"""

EXAMPLES = r"""
- name: Entries for eas_allowed_devices
  ansible.builtin.set_fact:
    decisions: "{{ review.devices | adremedy.directory.review_decisions(approve=['ABC123', 'user:jdoe'], block=['device:jdoe']) }}"

- name: Items given as DOMAIN\sam need the domain's names (identity_info returns them)
  ansible.builtin.set_fact:
    decisions: "{{ review.devices | adremedy.directory.review_decisions(approve=['EXAMPLE\\jdoe'], domain=people.domain) }}"
"""

RETURN = r"""
_value:
  description: The decisions.
  type: dict
  contains:
    entries:
      description: One V({user, allowed, blocked}) per owner, for M(adremedy.directory.eas_allowed_devices).
      type: list
      elements: dict
    approved:
      description: The device records approved.
      type: list
      elements: dict
    blocked:
      description: The device records blocked.
      type: list
      elements: dict
    unknown:
      description: Items that match no device under review.
      type: list
      elements: str
    refused:
      description:
        - One line per item refused - ambiguous (a device ID and a user, a device ID on devices
          of several users, an address of several users), or C(DOMAIN\\sam) of another domain.
      type: list
      elements: str
      version_added: 2.0.0
"""

from typing import Any, Callable, Iterable, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    DnError, IdentityError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    check_domain, identity_kind)

PREFIXES = {"device:": "device", "user:": "user"}
# Which owner fields an identity of each kind names (as the collection's resolver reads them)
OWNER_FIELDS = dict(domain_sam=("owner_sam_account_name",), sam=("owner_sam_account_name",),
                    address=("owner_user_principal_name", "owner_mail",
                             "owner_sam_account_name"))


def _dn_key(dn: Any) -> str | None:
    try:
        return dn_key(str(dn).strip())
    except DnError:
        return None


class Refused(Exception):
    """An item that must not be matched: one line saying why."""


def _split(item: Any) -> tuple[str, str]:
    """(what the item may name: 'device', 'user' or 'any', the name without its prefix)."""
    text = str(item).strip()
    for prefix, kind in PREFIXES.items():
        if text[:len(prefix)].lower() == prefix:
            return kind, text[len(prefix):].strip()
    return "any", text


def _domain_names(domain: Any) -> list[str] | None:
    if domain is None:
        return None
    if isinstance(domain, dict):
        return [str(domain.get("netbios_name") or ""), str(domain.get("dns_name") or "")]
    if isinstance(domain, str):
        return [domain, ""]
    if isinstance(domain, (list, tuple)):
        names = [str(name) for name in domain if name]
        return (names + ["", ""])[:max(2, len(names))]
    raise AnsibleFilterError("review_decisions: domain is the domain's names (identity_info's "
                             "domain result or a list), not %r" % (domain,))


def _owners_named(devices: list[dict[str, Any]], name: str, names: Sequence[str] | None
                  ) -> list[dict[str, Any]]:
    """The records whose owner the name is (a DN, DOMAIN\\sam, an address or a sAMAccountName)."""
    try:
        kind = identity_kind(name)
    except IdentityError as exc:
        raise Refused(str(exc))
    if kind == "dn":
        key = _dn_key(name)
        return [d for d in devices if d.get("owner_dn") and _dn_key(d["owner_dn"]) == key]
    if kind == "domain_sam":
        if names is None:
            raise Refused("the domain's names were not given (domain=), so DOMAIN\\sam cannot "
                          "be checked")
        why = check_domain(name, names)
        if why:
            raise Refused(why)
        name = name.partition("\\")[2]
    fields = OWNER_FIELDS.get(kind, ())
    wanted = name.lower()
    return [d for d in devices
            if any(str(d.get(field) or "").lower() == wanted for field in fields)]


def _owner_dns(records: Iterable[dict[str, Any]]) -> list[Any]:
    owners: dict[str | None, Any] = {}
    for record in records:
        owners.setdefault(_dn_key(record.get("owner_dn") or ""), record.get("owner_dn"))
    return list(owners.values())


def _match(devices: list[dict[str, Any]], item: Any, names: Sequence[str] | None
           ) -> list[dict[str, Any]]:
    """The records an item names; Refused when it is ambiguous or of another domain."""
    kind, name = _split(item)
    if not name:
        raise Refused("is empty: it names nothing")
    by_id: list[dict[str, Any]] = []
    if kind in ("device", "any"):
        by_id = [d for d in devices if str(d.get("device_id") or "").lower() == name.lower()]
    by_owner: list[dict[str, Any]] = []
    if kind in ("user", "any"):
        by_owner = _owners_named(devices, name, names)
    if by_id and by_owner:
        first = by_id[0]
        raise Refused("is ambiguous: it is the device ID %s (%s, owner %s) and the user %s; "
                      "write device:%s or user:%s" % (
                          first.get("device_id"), first.get("dn"), first.get("owner_dn"),
                          "; ".join(_owner_dns(by_owner)), name, name))
    owners = _owner_dns(by_id)
    if len(owners) > 1:
        raise Refused("is ambiguous: it is the device ID of devices of %d users (%s)" % (
            len(owners), "; ".join("%s, owner %s" % (d.get("dn"), d.get("owner_dn"))
                                   for d in by_id)))
    owners = _owner_dns(by_owner)
    if len(owners) > 1:
        raise Refused("is ambiguous: it names %d users (%s)" % (len(owners), "; ".join(owners)))
    return by_id or by_owner


def review_decisions(devices: Any, approve: Any = None, block: Any = None, domain: Any = None
                     ) -> dict[str, list[Any]]:
    if not isinstance(devices, list) or not all(isinstance(d, dict) for d in devices):
        raise AnsibleFilterError("review_decisions takes the list of device records under review")
    names = _domain_names(domain)
    by_owner: dict[str | None, dict[str, Any]] = {}
    picked: dict[str, list[dict[str, Any]]] = {"allowed": [], "blocked": []}
    unknown: list[str] = []
    refused: list[str] = []
    for which, verb, items in (("allowed", "approve", approve or []),
                               ("blocked", "block", block or [])):
        for item in items:
            try:
                matched = _match(devices, item, names)
            except Refused as why:
                text = str(why)
                refused.append("%s item %r%s%s" % (verb, str(item),
                                                   " " if text.startswith("is ") else ": ", text))
                continue
            if not matched:
                unknown.append(str(item))
                continue
            for record in matched:
                entry = by_owner.setdefault(_dn_key(record["owner_dn"]), {
                    "user": record["owner_dn"], "allowed": [], "blocked": []})
                if record["device_id"] not in entry[which]:
                    entry[which].append(record["device_id"])
                    picked[which].append(record)
    return dict(entries=list(by_owner.values()), approved=picked["allowed"],
                blocked=picked["blocked"], unknown=unknown, refused=refused)


class FilterModule(object):
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {"review_decisions": review_decisions}
