# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One resolver for the ways admins name a user, used wherever a module or role takes users.
Private to this collection.

API (stable; modules, roles and eas_device_cleanup build on it):

  resolve_identities(client, identities, attributes=(), object_filter=DEFAULT_USER_FILTER,
                     base=None, what="user") -> Dict[str, Entry]
      {identity as given: the one Entry it names}, in input order. Looked up in bulk (OR
      filters, BATCH values per search, every value escaped). Raises IdentityError (an
      LdapError) when any identity is unknown, ambiguous (two objects match) or malformed,
      naming each one and, for ambiguity, the candidates with the attribute that matched;
      one line; it reads only, so callers that resolve before they plan have written nothing.
      Every Entry carries IDENTITY_ATTRIBUTES plus `attributes`.
  by_object(resolved) -> List[Tuple[List[str], Entry]]
      the distinct objects, each with the identities that named it (two spellings of one user
      are one user), in input order.
  identity_kind(text) -> str     one of KINDS, how a string is read (see below); IdentityError
                                 for an empty or malformed one
  check_domain(identity, names)  None when DOMAIN of DOMAIN\\sam is one of names (domain_names():
                                 NetBIOS and DNS name, case-insensitive), else why not; the
                                 review_decisions filter checks items with it
  mail_of(entry) -> str | None   the primary SMTP address: `mail`, else the SMTP: proxy address
  describe(entry) -> dict        dn, sam_account_name, user_principal_name, mail, object_guid,
                                 object_sid of a resolved Entry (module identity_info returns it)
  identity_report(client, identities, base=None) -> dict    identity_info's result
  require_identities(names, option) -> list                 ValueError when names is empty
  identities_as_dns(client, names, what="user") -> List[str]
      for options that name users (a selection's `dn`): the users' DNs in input order, DNs
      kept as given, the other identities resolved

How a string is read, first match wins:
  dn          has '=' and parses as a DN (any spelling: case, spaces, escapes; see _dn);
              with '@' it needs two RDNs ("a=b@example.com" is an address)
  sid         S-1-5-21-...-1104 (objectSid)
  guid        the string form of objectGUID, with or without braces
  domain_sam  DOMAIN\\sam: DOMAIN must be this domain's NetBIOS or DNS name (else an error
              saying which domain this DC serves), sam is the sAMAccountName
  address     has '@': userPrincipalName, mail, any proxyAddresses smtp:/SMTP: value, or a
              sAMAccountName with '@'; all case-insensitive
  sam         anything else: sAMAccountName (case-insensitive)
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    DnError, IdentityError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import canonical, dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    DEFAULT_USER_FILTER, escape_filter_bytes, escape_filter_value, read_objects_matching)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    sid_from_str, sid_text)

KINDS = ("dn", "sid", "guid", "domain_sam", "address", "sam")
IDENTITY_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "mail", "proxyAddresses",
                       "objectSid", "objectGUID"]
_SID = re.compile(r"^S-1-[0-9]+(?:-[0-9]+)+$", re.IGNORECASE)
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?$")
_DESCRIBE = dict(dn="DN", sid="objectSid", guid="objectGUID", domain_sam="sAMAccountName",
                 address="userPrincipalName, mail or proxyAddresses", sam="sAMAccountName")


def identity_kind(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise IdentityError("an identity must be a non-empty string, not %r" % (text,))
    text = text.strip()
    if "=" in text:
        try:
            key = dn_key(text)
            if "@" not in text or "," in key:  # "x=y@z" alone is an address, not a DN
                return "dn"
        except DnError as exc:
            if "@" not in text:
                raise IdentityError("identity %s: invalidDNSyntax (34)" % exc, code=34,
                                    name="invalidDNSyntax")
    if _SID.match(text):
        _check_sid(text)
        return "sid"
    if _GUID.match(text):
        return "guid"
    if "\\" in text:
        domain, _sep, sam = text.partition("\\")
        if not domain or not sam or "\\" in sam:
            raise IdentityError("identity %r is not DOMAIN\\name" % text)
        return "domain_sam"
    return "address" if "@" in text else "sam"


def _check_sid(text: str) -> None:
    """IdentityError (one line naming it) for a SID string that has no binary form: an
    identifier authority over 48 bits, a sub-authority over 32 bits, more than 15 of them."""
    parts = text.split("-")
    authority, subs = int(parts[2]), [int(part) for part in parts[3:]]
    why = None
    if authority >= 1 << 48:
        why = "identifier authority %d is more than 48 bits" % authority
    elif len(subs) > 15:
        why = "%d sub-authorities, more than 15" % len(subs)
    else:
        big = next((sub for sub in subs if sub >= 1 << 32), None)
        if big is not None:
            why = "sub-authority %d is more than 32 bits" % big
    if why:
        raise IdentityError("identity %r is not a valid SID (%s)" % (text, why))


def mail_of(entry: Entry) -> Optional[str]:
    """The primary SMTP address: `mail`, else the proxyAddresses value with upper-case SMTP:."""
    mail = entry.text("mail")
    if mail:
        return mail
    return next((value[5:] for value in entry.texts("proxyAddresses")
                 if value.startswith("SMTP:")), None)


def describe(entry: Entry) -> Dict[str, Optional[str]]:
    """What identity_info returns for one resolved object."""
    return dict(dn=entry.dn, sam_account_name=entry.text("sAMAccountName"),
                user_principal_name=entry.text("userPrincipalName"), mail=mail_of(entry),
                object_guid=entry.guid("objectGUID"),
                object_sid=sid_text(entry.raw("objectSid")))


def domain_names(client: LdapClient) -> Tuple[str, str]:
    """(NetBIOS name, DNS name) of the domain the client is bound to, from its crossRef."""
    dse = client.root_dse
    search = "(&(objectClass=crossRef)(nCName=%s))" % escape_filter_value(
        dse.default_naming_context)
    for entry in client.search("CN=Partitions,%s" % dse.configuration_naming_context, search,
                               ["nETBIOSName", "dnsRoot"], scope="onelevel"):
        return entry.text("nETBIOSName") or "", entry.text("dnsRoot") or ""
    return "", ""


class _Lookup:
    """The identities of one kind: the filter clause for each and how to tell which returned
    entries an identity names."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.wanted: Dict[str, List[str]] = {}  # match key -> identities as given

    def add(self, identity: str, value: str) -> None:
        self.wanted.setdefault(self.key(value), []).append(identity)

    def key(self, value: str) -> str:
        if self.kind == "dn":
            return dn_key(value)
        if self.kind == "sid":
            return value.upper()
        if self.kind == "guid":
            return str(uuid.UUID(value.strip("{}")))
        return value.lower()

    def clause(self, key: str, value: str) -> str:
        if self.kind == "dn":
            return "(distinguishedName=%s)" % escape_filter_value(canonical(value))
        if self.kind == "sid":
            return "(objectSid=%s)" % escape_filter_bytes(sid_from_str(value))
        if self.kind == "guid":
            return "(objectGUID=%s)" % escape_filter_bytes(uuid.UUID(key).bytes_le)
        escaped = escape_filter_value(value)
        if self.kind == "address":
            return "(|(userPrincipalName=%s)(mail=%s)(proxyAddresses=smtp:%s)" \
                   "(sAMAccountName=%s))" % (escaped, escaped, escaped, escaped)
        return "(sAMAccountName=%s)" % escaped

    def matches(self, entry: Entry) -> List[Tuple[Optional[str], str]]:
        """(match key, attribute that matched) for each key of this kind the entry has."""
        if self.kind == "dn":
            return [(dn_key(entry.dn), "DN")]
        if self.kind == "sid":
            return [(sid_text(entry.raw("objectSid")), "objectSid")]
        if self.kind == "guid":
            return [(entry.guid("objectGUID"), "objectGUID")]
        found: List[Tuple[Optional[str], str]] = [
            ((entry.text("sAMAccountName") or "").lower(), "sAMAccountName")]
        if self.kind == "address":
            found.append(((entry.text("userPrincipalName") or "").lower(), "userPrincipalName"))
            found.append(((entry.text("mail") or "").lower(), "mail"))
            found += [(value[5:].lower(), "proxyAddresses") for value in
                      entry.texts("proxyAddresses") if value[:5].lower() == "smtp:"]
        return found


def check_domain(identity: str, names: Sequence[str]) -> Optional[str]:
    """None when DOMAIN in DOMAIN\\sam is this domain (names: its NetBIOS and DNS names, as
    domain_names() gives them), else why not."""
    domain = identity.partition("\\")[0]
    if domain.lower() in (name.lower() for name in names if name):
        return None
    return "domain %s is not this DC's domain %s (%s)" % (domain, names[0] or "?",
                                                          names[1] or "?")


def resolve_identities(client: LdapClient, identities: Iterable[str],
                       attributes: Sequence[str] = (), object_filter: str = DEFAULT_USER_FILTER,
                       base: Optional[str] = None, what: str = "user") -> Dict[str, Entry]:
    """{identity as given: Entry}; IdentityError naming every unknown or ambiguous one."""
    base = base or client.root_dse.default_naming_context
    given = list(dict.fromkeys(identities))
    lookups = dict((kind, _Lookup(kind)) for kind in KINDS)
    values: Dict[str, str] = {}
    wrong_domain: Dict[str, str] = {}
    names = None
    for identity in given:
        kind = identity_kind(identity)
        value = identity.strip()
        if kind == "domain_sam":
            names = names or domain_names(client)
            why = check_domain(value, names)
            if why:
                wrong_domain[identity] = why
                continue
            value = value.partition("\\")[2]
        values[identity] = value
        lookups[kind].add(identity, value)
    attrs = list(dict.fromkeys(IDENTITY_ATTRIBUTES + list(attributes)))
    candidates: Dict[str, Dict[str, Tuple[Entry, str]]] = dict((i, {}) for i in values)
    for lookup in lookups.values():
        if not lookup.wanted:
            continue
        clauses = []
        for key, named in lookup.wanted.items():
            clauses.append(lookup.clause(key, values[named[0]]))
        for entry in read_objects_matching(client, base, clauses, attrs, object_filter):
            for matched, attribute in lookup.matches(entry):
                if matched is None:
                    continue  # no SID or GUID read: it names nothing
                for identity in lookup.wanted.get(matched, ()):
                    candidates[identity].setdefault(dn_key(entry.dn), (entry, attribute))
    resolved: Dict[str, Entry] = {}
    unknown: List[str] = []
    ambiguous: Dict[str, List[str]] = {}
    for identity in given:
        if identity in wrong_domain:
            continue
        found = candidates[identity]
        if len(found) == 1:
            resolved[identity] = next(iter(found.values()))[0]
        elif not found:
            unknown.append(identity)
        else:
            ambiguous[identity] = ["%s (%s)" % (entry.dn, attribute)
                                   for entry, attribute in found.values()]
    if unknown or ambiguous or wrong_domain:
        raise IdentityError(_message(what, base, lookups, unknown, ambiguous, wrong_domain),
                            unknown=unknown + list(wrong_domain), ambiguous=ambiguous)
    return resolved


def _message(what: str, base: Optional[str], lookups: Dict[str, _Lookup], unknown: List[str],
             ambiguous: Dict[str, List[str]], wrong_domain: Dict[str, str]) -> str:
    kinds = dict((identity, kind) for kind, lookup in lookups.items()
                 for named in lookup.wanted.values() for identity in named)
    parts = []
    if len(unknown) == 1:
        parts.append("%s %r not found in %s (by %s)" % (what, unknown[0], base,
                                                        _DESCRIBE[kinds[unknown[0]]]))
    elif unknown:
        parts.append("%ss %s not found in %s" % (what, ", ".join(
            "%r (by %s)" % (i, _DESCRIBE[kinds[i]]) for i in unknown), base))
    if wrong_domain:
        parts.append(", ".join("%r: %s" % item for item in wrong_domain.items()))
    if ambiguous:
        parts.append("ambiguous: %s" % "; ".join(
            "%r matches %d objects: %s" % (i, len(c), ", ".join(c)) for i, c in ambiguous.items()))
    text = "; ".join(parts)
    if unknown or wrong_domain:
        text += ": noSuchObject (32)"
    return text


def _is_dn(identity: str) -> bool:
    try:
        return identity_kind(identity) == "dn"
    except IdentityError as exc:
        return exc.code == 34  # a malformed DN: check_dn names it as every DN option does


def identities_as_dns(client: LdapClient, names: Sequence[str], what: str = "user") -> List[str]:
    """For options that name users (a selection's `dn`): each item may be any identity above;
    the users' DNs, in input order. DNs stay as given (the module reads each and reports a
    missing one as it always has); the others are resolved, IdentityError naming every
    unknown or ambiguous one (nothing has been read beyond). The list given is not changed."""
    given = list(names or [])
    others = [name for name in given if not _is_dn(name)]
    if not others:
        return given
    resolved = resolve_identities(client, others, what=what)
    return list(dict.fromkeys(resolved[name].dn if name in resolved else name
                              for name in given))


def by_object(resolved: Dict[str, Entry]) -> List[Tuple[List[str], Entry]]:
    """The distinct objects, each with the identities that named it, in input order."""
    groups: Dict[str, Tuple[List[str], Entry]] = {}
    for identity, entry in resolved.items():
        groups.setdefault(dn_key(entry.dn), ([], entry))[0].append(identity)
    return list(groups.values())


def require_identities(names: Optional[Sequence[str]], option: str = "identities") -> List[str]:
    """The identities an option names (a dn_list_options option, already a list);
    ValueError when it names none."""
    if not names:
        raise ValueError("%s names no user" % option)
    return list(names)


def identity_report(client: LdapClient, identities: Iterable[str], base: Optional[str] = None
                    ) -> Dict[str, Any]:
    """identity_info's result: each identity with the user it names (describe), the distinct
    users' DNs in input order, the domain's NetBIOS and DNS names (for DOMAIN\\sam checks)."""
    resolved = resolve_identities(client, identities, base=base)
    netbios, dns = domain_names(client)
    return dict(changed=False,
                users=[dict(describe(entry), identity=identity)
                       for identity, entry in resolved.items()],
                dns=[entry.dn for _names, entry in by_object(resolved)],
                domain=dict(netbios_name=netbios, dns_name=dns))
