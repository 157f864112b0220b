# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ActiveSync access of users: the bits of msExchOmaAdminWirelessEnable that turn ActiveSync and
OWA for Devices off (planned, written with a guard against another writer, verified), the users
the eas_access module selects (member_of, protected_only), its bulk run (AccessWriter), and
what protected_accounts_info reports of an account's phones (mail, ActiveSync enabled, device
partnerships). Private.

The attribute (Exchange's MobileFeaturesEnabled, facts 1.2): absent means everything enabled;
bit 4 (AirSyncDisabled) set turns ActiveSync off, bit 8 (MowaDisabled) OWA for Devices; every
other bit (Exchange 2003's 1, 2 and 0x20, for example) is kept as it is.

API:

  desired_value(current, activesync, owa_for_devices) -> int
  features(value) -> {"activesync": "enabled"|"disabled", "owa_for_devices": ...}
  plan_user(entry, activesync, owa_for_devices) -> AccessChange | None (None: already right)
  AccessWriter(client, selection, params, catalog)   the eas_access module's bulk run (_bulk):
      per user one modify that deletes the value read and adds the new one (the DC refuses it
      when another writer changed the value meanwhile: noSuchAttribute 16,
      attributeOrValueExists 20, constraintViolation 19); then the user is read again and
      planned once more; verified
  member_of(client, name) -> MemberOf    a group as admins name it, and the filter clause for
                                         its transitive members (in-chain, primary group too)
  selected_users(client, selection, attributes, outcome, member, protection) -> Iterator[Entry]
  account_phones(client, rows) -> dict   mail, activesync_enabled, devices per protected row
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import (
    BulkWriter, ChangedSinceRead, Outcome, read_back, refuse)
from ansible_collections.adremedy.directory.plugins.module_utils._run._selection import Selection
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import guid_of
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_devices import (
    DEVICE_READ, device_record, iso, parse_generalized_time)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_policy import (
    AIRSYNC_DISABLED, eas_enabled)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    DEVICE_CLASS, DEVICES_CONTAINER_RDN, device_owner)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._security._identity import (
    mail_of, resolve_identities)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    MATCHING_RULE_IN_CHAIN, escape_filter_value, read_objects_by)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    MODIFY_ADD, MODIFY_DELETE, Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._security._rights import (
    attribute_guid, check_properties, rights_for)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    rid_in_domain, sid_text)

ATTRIBUTE = _schema.WIRELESS_ENABLE
MOWA_DISABLED = 0x8  # OWA for Devices off (Exchange's MobileFeaturesEnabled.MowaDisabled)
# option name -> the bit that turns it off
FEATURE_BITS = (("activesync", AIRSYNC_DISABLED), ("owa_for_devices", MOWA_DISABLED))
STATES = ("enabled", "disabled")
# What a single-valued attribute's delete-old/add-new modify gets when the value changed
# between the read and the write (Samba: 16 and 20, measured on the lab; AD may say 19).
CONFLICT_CODES = frozenset([16, 19, 20])
USER_READ = [ATTRIBUTE, "objectGUID", "objectSid", "objectClass", "sAMAccountName"]
PROTECTED_CLASSES = ("protected", "unmarked")


def parse_value(entry: Entry) -> tuple[str | None, int | None]:
    """(the value as stored, as a number); (None, None) when the attribute is absent.
    ValueError naming the object when the stored value is not a number."""
    text = entry.text(ATTRIBUTE)
    if text is None:
        return None, None
    try:
        return text, int(text.strip())
    except ValueError:
        raise ValueError("%s: %s holds %r, not a number; not changed" % (entry.dn, ATTRIBUTE,
                                                                         text))


def desired_value(current: int | None, activesync: str | None,
                  owa_for_devices: str | None) -> int:
    """The value with the asked features' bits set (disabled) or cleared (enabled), every
    other bit as it was; an absent attribute counts as 0 (everything enabled)."""
    value = current or 0
    for state, (_name, bit) in zip((activesync, owa_for_devices), FEATURE_BITS):
        if state == "disabled":
            value |= bit
        elif state == "enabled":
            value &= ~bit
    return value


def features(value: int | None) -> dict[str, str]:
    """What a value means for the two features (absent: both enabled)."""
    value = value or 0
    return dict((name, "disabled" if value & bit else "enabled") for name, bit in FEATURE_BITS)


def describe_value(value: int | None) -> str:
    """The diff text of one value."""
    state = features(value)
    return "%s: %s\nActiveSync: %s\nOWA for Devices: %s\n" % (
        ATTRIBUTE, "(not set)" if value is None else value, state["activesync"],
        state["owa_for_devices"])


class AccessChange:
    """One user's planned write: the value as read (text and number) and the value to write."""

    __slots__ = ("dn", "guid", "before_text", "before", "after", "retried")

    def __init__(self, dn: str, guid: str | None, before_text: str | None, before: int | None,
                 after: int) -> None:
        self.dn = dn
        self.guid = guid
        self.before_text = before_text
        self.before = before
        self.after = after
        self.retried = False  # planned again after the DC refused the first write

    def ldap_changes(self) -> dict[str, list[tuple[Any, list[str]]]]:
        """Delete the value read, add the new one: one modify the DC refuses when the stored
        value is not the one read any more (a plain replace would overwrite it)."""
        if self.before_text is None:
            return {ATTRIBUTE: [(MODIFY_ADD, [str(self.after)])]}
        return {ATTRIBUTE: [(MODIFY_DELETE, [self.before_text]),
                            (MODIFY_ADD, [str(self.after)])]}

    def detail(self) -> dict[str, Any]:
        before, after = features(self.before), features(self.after)
        detail: dict[str, Any] = dict(before=self.before, after=self.after)
        for name, _bit in FEATURE_BITS:
            detail[name] = after[name]
            if before[name] != after[name]:
                detail.setdefault("changes", []).append("%s %s" % (name, after[name]))
        return detail

    def diff(self) -> dict[str, str]:
        return dict(before_header=self.dn, after_header=self.dn,
                    before=describe_value(self.before), after=describe_value(self.after))

    def journal_line(self) -> dict[str, Any]:
        return dict(action="eas_access", dn=self.dn, object_guid=self.guid, attribute=ATTRIBUTE,
                    old_value=self.before, new_value=self.after)


def plan_user(entry: Entry, activesync: str | None,
              owa_for_devices: str | None) -> AccessChange | None:
    """The write one user needs, or None when its value already says what is asked."""
    text, current = parse_value(entry)
    wanted = desired_value(current, activesync, owa_for_devices)
    if wanted == (current or 0):
        return None  # an absent attribute already means everything enabled
    return AccessChange(entry.dn, guid_of(entry), text, current, wanted)


def _verify(client: LdapClient, change: AccessChange) -> None:
    entry = read_back(client, change.dn, [ATTRIBUTE])
    _text, stored = parse_value(entry)
    if stored != change.after:
        raise LdapError("verify %s failed: %s read back is %s, not the %d written (another "
                        "writer?)" % (change.dn, ATTRIBUTE, stored, change.after), dn=change.dn)


class AccessWriter(BulkWriter):
    # pylint: disable=arguments-renamed  # the runner passes each step's arguments by position
    """The eas_access module's bulk run: the users the selection names (narrowed by member_of,
    protected_only) planned, the rights guard (write property on the attribute), then per user
    the journal line, the guarded modify (refused when another writer changed the value: the
    user is read again and planned once more, keeping the other writer's bits), verify."""

    verb = "changes ActiveSync access of"

    def __init__(self, client: LdapClient, selection: Selection, params: Mapping[str, Any],
                 catalog: Any = None) -> None:
        super().__init__(client)
        self.selection = selection
        self.params = params
        self.want = (params.get("activesync"), params.get("owa_for_devices"))
        self.journal_path = params.get("journal")
        self.catalog = catalog
        self.extra: dict[str, Any] = {}  # result keys: the member_of group's DN

    def plan(self, outcome: Outcome) -> list[AccessChange]:
        """The changes, in selection order; users already right are counted as unchanged."""
        client, params = self.client, self.params
        member = member_of(client, params["member_of"]) if params["member_of"] else None
        if member is not None:
            self.extra["member_of"] = member.dn
        protection = ProtectedSet(client, self.catalog).load().by_dn() \
            if params["protected_only"] else None
        changes = []
        for entry in selected_users(client, self.selection, USER_READ, outcome, member,
                                    protection):
            outcome.counts["matched"] += 1
            try:
                change = plan_user(entry, *self.want)
            except ValueError as exc:
                outcome.fail(entry.dn, exc)
                continue
            if change is None:
                outcome.add(entry.dn, "unchanged")
            else:
                changes.append(change)
        return changes

    def guard(self, changes: list[AccessChange], outcome: Outcome,
              fail_fast: bool) -> list[AccessChange]:
        """The users whose attribute the bind account surely may not write: failed (50), not
        attempted, in check mode too (issue 22 item 1). Nothing is read when there is nothing
        to write."""
        if not changes:
            return changes
        rights = rights_for(self.client, self.params.get("bind_dn"))
        if not rights.predicts:
            return changes
        guids = [(ATTRIBUTE, attribute_guid(self.client, ATTRIBUTE))]

        def refused(change: AccessChange) -> dict[str, Any] | None:
            denied = check_properties(rights, change.dn, guids)
            return denied.refusal() if denied is not None else None
        return refuse(changes, outcome, fail_fast, refused)

    def journal_lines(self, change: AccessChange, found: Any) -> list[dict[str, Any]]:
        return [change.journal_line()]

    def write(self, change: AccessChange, found: Any) -> None:
        """The guarded modify; when the DC refuses it because the value changed since it was
        read, the user read again (ChangedSinceRead: planned once more)."""
        try:
            self.client.modify(change.dn, change.ldap_changes())
        except LdapError as exc:
            if exc.code not in CONFLICT_CODES:
                raise
            if change.retried:
                raise LdapError("%s: %s changed again while it was written (another writer); "
                                "not written: %s" % (change.dn, ATTRIBUTE, exc), code=exc.code,
                                name=exc.name, dn=change.dn)
            raise ChangedSinceRead(read_back(self.client, change.dn, USER_READ))

    def verify(self, change: AccessChange, found: Any) -> AccessChange:
        _verify(self.client, change)
        return change

    def again(self, change: AccessChange, entry: Entry) -> AccessChange | None:
        """The change planned again from the user as read after the refused write (None: it
        already says what is asked); LdapError when it is another object now or its value is
        not a number."""
        if change.guid and guid_of(entry) != change.guid:
            raise LdapError("%s is not the object planned: its objectGUID is %s now, %s "
                            "then; not written" % (change.dn, guid_of(entry), change.guid),
                            dn=change.dn)
        try:
            again = plan_user(entry, *self.want)
        except ValueError as bad:
            raise LdapError(str(bad), dn=change.dn)
        if again is not None:
            again.retried = True
        return again

    def replan(self, change: AccessChange, moved: ChangedSinceRead,
               outcome: Outcome) -> AccessChange | None:
        again = self.again(change, moved.entry)
        if again is None:
            outcome.add(change.dn, "unchanged", note="another writer set %s as asked between "
                        "the read and the write; not written" % ATTRIBUTE)
        return again

    def describe(self, change: AccessChange, outcome: Outcome, result: Any = None) -> None:
        outcome.add(change.dn, "changed", **change.detail())
        outcome.diffs.append(change.diff())


# -- the selection ------------------------------------------------------------------------------

class MemberOf:
    """A group and the filter clause that selects its transitive members: the in-chain
    matching rule on memberOf, and primaryGroupID for accounts whose primary group is the group
    or a group nested in it (primary group membership is in no member value)."""

    def __init__(self, name: str, dn: str, clause: str) -> None:
        self.name = name
        self.dn = dn
        self.clause = clause


def _rid(blob: bytes | None, domain_sid: str | None) -> int | None:
    if not blob or not domain_sid:
        return None
    sid = sid_text(blob)
    return rid_in_domain(sid, domain_sid) if sid is not None else None


def member_of(client: LdapClient, name: str) -> MemberOf:
    """The group named (DN, sAMAccountName, DOMAIN\\name, SID, objectGUID; IdentityError when
    no group or two match) and its members' clause."""
    found = resolve_identities(client, [name], ["objectClass"], object_filter="(objectClass=group)",
                               what="group")[name]
    dse = client.root_dse
    in_chain = "(memberOf:%s:=%s)" % (MATCHING_RULE_IN_CHAIN, escape_filter_value(found.dn))
    rids = set()
    rid = _rid(found.raw("objectSid"), dse.domain_sid)
    if rid is not None:
        rids.add(rid)
    for nested in client.search(dse.default_naming_context, "(&(objectClass=group)%s)" % in_chain,
                                ["objectSid"]):
        rid = _rid(nested.raw("objectSid"), dse.domain_sid)
        if rid is not None:
            rids.add(rid)
    clauses = [in_chain] + ["(primaryGroupID=%d)" % rid for rid in sorted(rids)]
    return MemberOf(name, found.dn, "(|%s)" % "".join(clauses))


def _in_protected_set(protection: Any, entry: Entry) -> bool:
    row = protection.of(entry)
    return row is not None and row["classification"] in PROTECTED_CLASSES


def selected_users(client: LdapClient, selection: Selection, attributes: Sequence[str],
                   outcome: Outcome, member: MemberOf | None = None,
                   protection: Any = None) -> Iterator[Entry]:
    """The users a resolved selection names, narrowed to member's transitive members and (with
    protection, a _protected.Protection) to the protected set (protected and unmarked).

    A search selects only them (matched counts only them); a DN named in `dn` that falls
    outside is counted and reported as skipped with the reason, one that does not exist as
    failed (noSuchObject)."""
    listed = selection.listed

    search = selection.narrowed(member.clause) if member is not None else selection
    for entry in search.entries(client, attributes, outcome.missing):
        if listed:
            reason = _outside(client, entry, member, protection)
            if reason:
                outcome.counts["matched"] += 1
                outcome.add(entry.dn, "skipped", reason=reason)
                continue
        elif protection is not None and not _in_protected_set(protection, entry):
            continue
        yield entry


def _outside(client: LdapClient, entry: Entry, member: MemberOf | None,
             protection: Any) -> str | None:
    """Why a listed DN is not selected, or None."""
    if member is not None:
        inside = any(True for _found in client.search(entry.dn, member.clause, ["1.1"],
                                                      scope="base"))
        if not inside:
            return "not a member of %s (directly, nested or by primary group)" % member.dn
    if protection is not None and not _in_protected_set(protection, entry):
        return "not in the protected set (protected_only)"
    return None


# -- what protected_accounts_info reports of an account's phones -----------------------------------

PHONE_ACCOUNT_READ = ["mail", "proxyAddresses", "objectClass"]
PERSON_CLASSES = frozenset(["user", "inetorgperson"])
# Up to this many devices containers are read one by one (a one-level search each); more, and
# the domain's partnerships are read in one paged search, keeping those of the accounts asked.
CONTAINER_SEARCHES = 25
DEVICE_FIELDS = ("dn", "device_id", "device_type", "device_model", "device_os",
                 "friendly_name", "access_state", "first_seen", "when_created")


def schema_has(client: LdapClient, names: Iterable[str]) -> set[str]:
    """The lDAPDisplayNames (lower case) among names that the forest's schema defines."""
    names = list(names)
    search = "(|%s)" % "".join("(lDAPDisplayName=%s)" % escape_filter_value(n) for n in names)
    return set((entry.text("lDAPDisplayName") or "").lower() for entry in client.search(
        client.root_dse.schema_naming_context, search, ["lDAPDisplayName"], scope="onelevel"))


def phone_record(entry: Entry, shared: dict[str, str] | None = None) -> dict[str, Any]:
    """A partnership as protected_accounts_info lists it: the fields of eas_device_info's record
    that say which phone it is and since when, plus when Exchange last wrote it."""
    record = device_record(entry, shared)
    phone = dict((key, record.get(key)) for key in DEVICE_FIELDS)
    phone["when_changed"] = iso(parse_generalized_time(entry.text("whenChanged")))
    return phone


def _is_person(row: Mapping[str, Any]) -> bool:
    return (row.get("object_class") or "").lower() in PERSON_CLASSES


def account_phones(client: LdapClient, rows: Sequence[Mapping[str, Any]],
                   read: Callable[..., Iterator[Entry]] = read_objects_by
                   ) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """({DN key: {mail, activesync_enabled, devices}} for the rows given, what was read).

    Accounts and their devices containers are looked up together, by DN, in batches; the
    devices of the containers found come from a one-level search each (up to
    CONTAINER_SEARCHES containers) or one paged search of the domain. Without the Exchange
    schema (no msExchOmaAdminWirelessEnable, no msExchActiveSyncDevice) the values that need
    it are null, not an error. Groups and computers get mail only."""
    dse = client.root_dse
    base = dse.default_naming_context
    present = schema_has(client, [ATTRIBUTE, DEVICE_CLASS[0]])
    has_attribute = ATTRIBUTE.lower() in present
    has_devices = DEVICE_CLASS[0].lower() in present
    found: dict[str, dict[str, Any]] = {}
    persons = {}
    for row in rows:
        key = dn_key(row["dn"])
        found[key] = dict(mail=None, activesync_enabled=None, devices=None)
        if _is_person(row):
            persons[key] = row["dn"]
    wanted = sorted(row["dn"] for row in rows)
    if has_devices:
        wanted += ["%s,%s" % (DEVICES_CONTAINER_RDN, dn) for dn in sorted(persons.values())]
    attributes = PHONE_ACCOUNT_READ + ([ATTRIBUTE] if has_attribute else [])
    containers = []
    for entry in read(client, base, "distinguishedName", wanted, attributes):
        owner = device_owner(entry.dn, device=False)
        if owner is not None and dn_key(owner[0]) in persons:
            containers.append(entry.dn)
            continue
        key = dn_key(entry.dn)
        if key not in found:
            continue
        found[key]["mail"] = mail_of(entry)
        if key in persons and has_attribute:
            found[key]["activesync_enabled"] = eas_enabled(entry.raw(ATTRIBUTE))
    if has_devices:
        for key in persons:
            found[key]["devices"] = []
        for entry in _devices(client, base, containers, set(persons)):
            owner = device_owner(entry.dn, device=True)
            owner_key = dn_key(owner[0]) if owner else None
            if owner_key in persons:
                found[owner_key]["devices"].append(phone_record(entry))
        for key in persons:
            found[key]["devices"].sort(key=lambda d: ((d["device_id"] or "").lower(), d["dn"]))
    how = dict(schema_attribute=has_attribute, schema_devices=has_devices,
               containers=len(containers),
               device_read=("none" if not containers else "per container"
                            if len(containers) <= CONTAINER_SEARCHES else "domain search"))
    return found, how


def _devices(client: LdapClient, base: str, containers: Sequence[str],
             owners: set[str]) -> Iterator[Entry]:
    search = "(objectClass=%s)" % DEVICE_CLASS[0]
    attributes = DEVICE_READ + ["whenChanged"]
    if not containers:
        return
    if len(containers) <= CONTAINER_SEARCHES:
        for container in containers:
            yield from client.search(container, search, attributes, scope="onelevel")
        return
    for entry in client.search(base, search, attributes):
        owner = device_owner(entry.dn, device=True)
        if owner is not None and dn_key(owner[0]) in owners:
            yield entry


def phone_counts(rows: Iterable[Mapping[str, Any]], how: Mapping[str, Any]
                 ) -> dict[str, int | None]:
    """with_devices: protected and unmarked accounts with at least one partnership;
    activesync_enabled: those with a mail address (a mailbox has one) whose ActiveSync is
    enabled. None when the forest's schema lacks what tells it (account_phones' `how`)."""
    rows = [row for row in rows if row.get("classification") in PROTECTED_CLASSES]
    return dict(
        with_devices=sum(1 for row in rows if row.get("devices"))
        if how.get("schema_devices") else None,
        activesync_enabled=sum(1 for row in rows if row.get("activesync_enabled")
                               and row.get("mail"))
        if how.get("schema_attribute") else None)
