# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rights predicted, not discovered (issue 22 item 1): whether the bind account may make the
write a module plans on an object, worked out before anything is written (and in check mode)
from the account's own token and the object's DACL, with the DC's access-check rules
(_access.check_access). Private.

The prediction only ever says "denied" when it is sure: a write the DC would allow is never
held back. It says nothing (the write is attempted, and the DC decides) when the token could not
be read, when the account is an administrator (privileges and owner rights the DACL does not
show), when the account owns the object (the owner's implicit READ_CONTROL and WRITE_DAC,
MS-DTYP 2.5.3.2) or its owner could not be read, when a condition (callback ACE) could decide,
and when an allow ACE for a SID the token may hold beyond the ones read, or for a property set
or class the right falls under, could grant it."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ansible_collections.adremedy.directory.plugins.module_utils._security._connection_info import (
    account_of)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    SD_ATTRIBUTE)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    DnError, LdapError, SecurityDescriptorError, DirectoryError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._security._object_types import schema_guid
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient
from ansible_collections.adremedy.directory.plugins.module_utils._security._access import (
    ALLOW_TYPES, AUTHENTICATED_USERS, CALLBACK_ALLOW_TYPES, DENY, EVERYONE, INERT, ace_polarity,
    check_access, map_generic)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import sid_to_str
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import SecurityDescriptor

WRITE_DAC = 0x40000
WRITE_PROPERTY = 0x20
DELETE = 0x10000
DELETE_CHILD = 0x2
DELETE_TREE = 0x40
RIGHT_NAMES = {WRITE_DAC: "WRITE_DAC", WRITE_PROPERTY: "write property", DELETE: "DELETE",
               DELETE_CHILD: "delete child", DELETE_TREE: "delete tree"}
SD_FLAGS_OWNER = 0x1
OWNER_RIGHTS = "S-1-3-4"
# SIDs an LDAP logon's token may hold that tokenGroups need not list (the logon type, the
# organization, the authentication package, asserted identity): an allow ACE for one of them may
# grant, a deny for one of them is not counted (the prediction must never hold back a write the
# DC allows). PRINCIPAL_SELF (S-1-5-10) is counted so on the account's own object, or on every
# object when the account's DN is not known.
MAYBE_IN_TOKEN = frozenset([
    "S-1-5-2", "S-1-5-4", "S-1-5-14", "S-1-5-15", "S-1-5-64-10", "S-1-5-64-14",
    "S-1-5-64-21", "S-1-18-1", "S-1-18-2", "S-1-5-113", "S-1-5-114"])
# Tokens the DACL does not describe well enough: SYSTEM, BUILTIN\Administrators, Backup
# Operators (privileges) and, by RID, Domain Admins, Enterprise Admins, Schema Admins.
ADMIN_SIDS = frozenset(["S-1-5-18", "S-1-5-32-544", "S-1-5-32-551"])
ADMIN_RIDS = ("-512", "-519", "-518")
INSUFFICIENT = "insufficientAccessRights (50)"


class Token:
    """The bind account's token as the prediction uses it: the SIDs read (the account's own,
    its groups, Everyone, Authenticated Users), the account, and why no prediction is made
    (None: predictions are made)."""

    def __init__(self, sids: Iterable[str], account: str | None = None,
                 unsure: str | None = None) -> None:
        self.sids = frozenset(sids) | frozenset([EVERYONE, AUTHENTICATED_USERS])
        self.account = account
        self.unsure = unsure
        admin = [s for s in self.sids if s in ADMIN_SIDS or s.endswith(ADMIN_RIDS)
                 and s.startswith("S-1-5-21-")]
        if unsure is None and admin:
            self.unsure = ("the bind account's token holds %s (an administrator: privileges and "
                           "rights the DACL does not show)" % sorted(admin)[0])


def read_token(client: LdapClient, account: str | None = None) -> Token:
    """The bind account's token, read once: the RootDSE's tokenGroups (the SIDs of the bound
    connection: on Samba the account's own SID too) and, where the account's own SID is not in
    it (AD), the objectSid of the account Who am I? names. A token that cannot be read gives a
    Token that predicts nothing."""
    try:
        root = client.read("", ["tokenGroups"], what="RootDSE")
        blobs = root.raws("tokenGroups") if root is not None else []
    except LdapError as exc:
        return Token([], account, unsure="its tokenGroups could not be read (%s)" % exc)
    if not blobs:
        return Token([], account, unsure="the RootDSE gave no tokenGroups for it")
    sids = [sid_to_str(blob) for blob in blobs]
    # the account itself: the user among the token's SIDs, or the one Who am I? names (AD's
    # RootDSE tokenGroups may leave the account's own SID out); without it an allow ACE for
    # the account alone could be missed, so nothing is predicted then
    try:
        found = account_of(client, root)
    except DirectoryError as exc:
        return Token(sids, account, unsure="the bind account could not be named (%s)" % exc)
    if not found.get("sid"):
        return Token(sids, account, unsure="the bind account's own SID could not be found")
    return Token(sids + [found["sid"]], account or found.get("dn"))


class Denied:
    """A write predicted to fail: the right missing, why, and the one-line error (code 50)."""

    def __init__(self, dn: str, right: str, why: str) -> None:
        self.dn = dn
        self.right = right
        self.why = why

    def error(self) -> LdapError:
        return LdapError("%s: %s predicted before writing, not attempted: the bind account "
                         "lacks %s on it (%s)" % (self.dn, INSUFFICIENT, self.right, self.why),
                         code=50, name="insufficientAccessRights", dn=self.dn)

    def item(self) -> dict[str, Any]:
        return dict(dn=self.dn, right=self.right, reason=self.why)

    def refusal(self) -> dict[str, Any]:
        """The result keys of an object a rights guard refuses (what refused(item) gives
        _bulk.refuse): the one-line error, code 50, the right missing, predicted."""
        exc = self.error()
        return dict(error=str(exc), ldap_code=exc.code, missing_right=self.right, predicted=True)


PRINCIPAL_SELF = "S-1-5-10"


def _may_grant(sd: SecurityDescriptor, token: Token, desired: int, self_too: bool = True
               ) -> bool:
    """Whether any token between the SIDs read and those plus MAYBE_IN_TOKEN could be granted
    `desired`: allow ACEs of all of them counted (for any object type: a property set or the
    class covers the property; callback allows as granting), denies only of the SIDs read."""
    if sd.dacl is None:
        return True
    possible = token.sids | MAYBE_IN_TOKEN | (frozenset([PRINCIPAL_SELF]) if self_too
                                              else frozenset())
    remaining = map_generic(desired)
    for ace in sd.dacl.aces:
        if ace.inherit_only:
            continue
        bits = map_generic(ace.mask) & remaining
        if not bits:
            continue
        polarity = ace_polarity(ace.type)
        if polarity == INERT:
            continue
        if polarity == DENY:
            if ace.sid in token.sids and not ace.object_type:
                return False  # before any allow that could grant: denied whatever else
            continue
        if ace.type in ALLOW_TYPES or ace.type in CALLBACK_ALLOW_TYPES:
            if ace.sid in possible:
                remaining &= ~bits
                if not remaining:
                    return True
            continue
        if ace.type not in (0x0A, 0x0C):  # callback denies are not counted
            return True  # a type the check cannot read: the DC decides
    return False


class Rights:
    """Predictions for one run: the token read once, each object's owner read only where the
    DACL alone denies (SD flags 0x1, READ_CONTROL as for the DACL)."""

    def __init__(self, client: LdapClient, token: Token) -> None:
        self.client = client
        self.token = token
        self.denied: list[Denied] = []

    @property
    def predicts(self) -> bool:
        return self.token.unsure is None

    def _owned(self, dn: str, sd: SecurityDescriptor) -> bool | None:
        """Whether the account (or a group of its token) owns the object; None: not known."""
        owner = sd.owner
        if owner is None:
            try:
                entry = self.client.read(dn, [SD_ATTRIBUTE], sd_flags=SD_FLAGS_OWNER)
                raw = entry.raw(SD_ATTRIBUTE) if entry is not None else None
                owner = SecurityDescriptor.parse(raw).owner if raw else None
            except DirectoryError:
                return None
        if owner is None:
            return None
        return owner in self.token.sids

    def check(self, dn: str, sd: SecurityDescriptor, desired: int,
              object_type: Optional[str] = None, what: str | None = None,
              kind: str = "object", record: bool = True) -> Denied | None:
        """Denied when the account surely lacks `desired` on the object with this DACL (read
        as planned), else None (allowed, or not sure: the write is attempted). what: the
        right's name in the message (default by RIGHT_NAMES). kind: the object's class, for
        the reason."""
        if not self.predicts:
            return None
        try:
            decision = check_access(sd, self.token.sids, desired, object_type)
        except SecurityDescriptorError:
            return None
        try:
            self_too = self.token.account is None or dn_key(dn) == dn_key(self.token.account)
        except DnError:
            self_too = True
        if decision.granted or not decision.exact \
                or _may_grant(sd, self.token, desired, self_too):
            return None
        if any(ace.sid == OWNER_RIGHTS for ace in (sd.dacl.aces if sd.dacl else [])):
            return None  # what the owner holds is then the ACEs' word: the DC decides
        if self._owned(dn, sd) is not False:
            return None  # the owner holds READ_CONTROL and WRITE_DAC (or not known)
        right = what or RIGHT_NAMES.get(desired, "0x%x" % desired)
        if decision.ace is not None:
            why = "an ACE of its DACL denies it to the account or a group of its token"
        else:
            why = "no ACE of its DACL grants it to the account or a group of its token, and " \
                  "the account does not own it"
        if sd.protected:
            why = "inheritance is off on this %s, so the OU's delegation does not reach it; %s" \
                % (kind, why)
        denied = Denied(dn, right, why)
        if record:
            self.denied.append(denied)
        return denied

    def check_delete(self, dn: str, sd: SecurityDescriptor, parent_dn: str,
                     parent_sd: SecurityDescriptor | None, class_guid: str | None,
                     kind: str = "object") -> Denied | None:
        """Denied when the account surely may neither DELETE the object nor delete-child
        objects of its class (class_guid) in its parent (MS-ADTS 3.1.1.5.5.3); a parent whose
        DACL was not read leaves it to the DC."""
        own = self.check(dn, sd, DELETE, kind=kind, record=False)
        if own is None or parent_sd is None:
            return None
        above = self.check(parent_dn, parent_sd, DELETE_CHILD, class_guid, kind="container",
                           record=False)
        if above is None:
            return None
        denied = Denied(dn, "DELETE (or delete child on its container)",
                        "on it: %s; on its container: %s" % (own.why, above.why))
        self.denied.append(denied)
        return denied


def rights_for(client: LdapClient, account: str | None = None) -> Rights:
    """A Rights for the bind account of this client (its token read now, once)."""
    return Rights(client, read_token(client, account))


def attribute_guid(client: LdapClient, name: str) -> str | None:
    """An attribute's schemaIDGUID as the schema says, None when it cannot be read (the check
    then counts every object-type allow as one that may grant: not sure, the DC decides)."""
    try:
        guid, how = schema_guid(client, (name, ""))  # no documented value: the schema's or None
    except LdapError:
        return None
    return guid if how == "schema" else None


def check_properties(rights: Rights, dn: str, attributes: Iterable[tuple[str, str | None]],
                     kind: str = "user") -> Denied | None:
    """Denied when the account surely may not write one of these (name, schemaIDGUID)
    attributes of dn; its DACL is read here (SD flags 0x4, READ_CONTROL), None when it cannot
    be (the DC decides)."""
    if not rights.predicts:
        return None
    try:
        entry = rights.client.read(dn, [SD_ATTRIBUTE])
        raw = entry.raw(SD_ATTRIBUTE) if entry is not None else None
        sd = SecurityDescriptor.parse(raw) if raw else None
    except DirectoryError:
        return None
    if sd is None:
        return None
    for name, guid in attributes:
        denied = rights.check(dn, sd, WRITE_PROPERTY, guid, what="write property on %s" % name,
                              kind=kind)
        if denied is not None:
            return denied
    return None
