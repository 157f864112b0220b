# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report in one pass over the users: each user is read once (paged, SD flags
0x4) and gives its readiness row, its step of the inheritance plan and its list findings.
Descriptors repeat (AD stores them single-instanced), so the parse and the verdicts are kept by
the descriptor's bytes. Rows go to a sink as they are made; only findings stay in memory.
Private."""

from __future__ import absolute_import, annotations, division, print_function

__metaclass__ = type

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    descriptor_of, guid_of)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    SUMMARY_KEYS, USER_ATTRIBUTES, creation_check, readiness, summarize, unreadable_row)
from ansible_collections.adremedy.directory.plugins.module_utils._run._bulk import Outcome
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    ParentDescriptors, Skip, check_fits, may_not_fit, plan, risky_inherited)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import DirectoryError
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import counts
from ansible_collections.adremedy.directory.plugins.module_utils._run._report_content import (
    PROTECTED_BY_DESIGN, count_findings)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
    USER_READ as POLICY_USER_READ)

if TYPE_CHECKING:  # annotations only
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
        AfterSdprop, DeviceCounts)
    from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
        PolicyTally)
    from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
        Entry, LdapClient)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
        SecurityDescriptor)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
        Change)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import (
        Protection)
    from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

CACHE_LIMIT = 4096  # distinct descriptors kept; a directory has few (single-instance storage)


class DescriptorCache(object):
    """(SecurityDescriptor, may Exchange Servers create the container, why not) by raw bytes."""

    def __init__(self, token: Sequence[str], container_guid: str, sddl: Sddl) -> None:
        self.token = token
        self.container_guid = container_guid
        self.sddl = sddl
        self.known: dict[bytes, tuple[SecurityDescriptor, bool, str | None]] = {}
        self.blobs: dict[bytes, bytes] = {}
        self.hits = 0

    def intern(self, entry: Entry) -> Entry:
        """The entry with its descriptor bytes shared with equal ones, to be kept a while."""
        values = entry.attrs.get("ntsecuritydescriptor")
        if values:
            if len(self.blobs) >= CACHE_LIMIT:
                self.blobs.clear()
            values[0] = self.blobs.setdefault(values[0], values[0])
        return entry

    def get(self, entry: Entry) -> tuple[SecurityDescriptor, bool, str | None]:
        blob = entry.raw("nTSecurityDescriptor") or b""  # none: descriptor_of raises
        found = self.known.get(blob) if blob else None
        if found is not None:
            self.hits += 1
            return found
        sd = descriptor_of(entry)
        can_create, why = creation_check(sd, self.token, self.container_guid, self.sddl)
        found = (sd, can_create, why)
        if len(self.known) >= CACHE_LIMIT:
            self.known.clear()
        self.known[blob] = found
        return found


def plan_status(dn: str, sd: SecurityDescriptor, admin_count: int | None,
                protection: Mapping[str, Any] | None, outcome: Outcome,
                changes: list[Change | tuple[str, str, dict[str, Any]]]) -> str:
    """One object's step of the inheritance fix (state enabled, the report's defaults), as the
    inheritance module plans it in check mode: 'changed', 'skipped' or 'unchanged'."""
    outcome.counts["matched"] += 1
    step = plan(dn, sd, admin_count, protection, "enabled")
    if step is None:
        outcome.add(dn, "unchanged")
        return "unchanged"
    if isinstance(step, Skip):
        outcome.add(dn, "skipped", reason=step.reason, classification=step.classification)
        return "skipped"
    # Only a change that may not fit in the 64 KiB of a DACL is kept whole, for check_fits()
    # after the read; of the others the result needs the DN, the action and the detail, so a
    # large plan (5,000 changes at 100,000 users) does not hold a parsed DACL per change.
    changes.append(step if may_not_fit(step) else (step.dn, step.action, step.detail))
    return "changed"


class Enabled(object):
    """What risky_inherited() needs of a change that turns inheritance on: its DN, its action
    and the object's descriptor as read (shared with equal ones), not the planned DACL."""

    action = "enable"

    def __init__(self, dn: str, before: SecurityDescriptor) -> None:
        self.dn = dn
        self.before = before


class Compliance(object):
    """Everything the report says, computed while the users stream past once."""

    FINDING_KEYS = ("dn", "sam_account_name", "inheritance", "protection", "disabled", "reason")
    LIST_KEYS = ("dn", "sam_account_name", "list_conflicts", "case_duplicates")

    def __init__(self, protected: Protection, protected_objects: list[dict[str, Any]],
                 device_counts: DeviceCounts, exchange: dict[str, Any], container_guid: str,
                 sddl: Sddl, after_sdprop: AfterSdprop | None = None,
                 phones: Mapping[str, Any] | None = None, policies: PolicyTally | None = None,
                 policies_note: str | None = None) -> None:
        self.protection = protected
        self.protected_objects = protected_objects
        self.device_counts = device_counts
        self.exchange = exchange
        self.cache = DescriptorCache(exchange["token"], container_guid, sddl)
        self.sddl = sddl
        self.container_guid = container_guid
        self.summary = dict((key, 0) for key in SUMMARY_KEYS)
        self.summary["would_fail_protected"] = 0
        self.summary["disabled_accounts"] = 0
        self.would_fail: list[dict[str, Any]] = []
        self.list_findings: list[dict[str, Any]] = []
        self.unreadable: list[dict[str, Any]] = []
        self.outcome = Outcome()
        # a change kept whole (it may not fit in a DACL), or its (DN, action, detail)
        self.changes: list[Change | tuple[str, str, dict[str, Any]]] = []
        self.phones = phones or {}  # phone_counts of the protected and unmarked accounts
        self.after_sdprop = after_sdprop  # AfterSdprop: protected rows say what SDProp brings
        # Enabled: the changes that turn inheritance on (risky_inherited)
        self.enabled: list[Enabled] = []
        self.classes: dict[str, str | None] = {}  # dn_key: structural class of those objects
        self.warnings: list[str] = []
        self.risky: list[dict[str, Any]] = []
        # DN: (sAMAccountName, disabled, objectGUID) of the users the plan lists
        self.names: dict[str, tuple[str | None, bool, str | None]] = {}
        # _mobile_policies.PolicyTally: each user counted for the policy that applies to it;
        # or policies_note, why the policies were not read (both None: no policy section)
        self.policies = policies
        self.policies_note = policies_note
        self.policy_names: dict[str, str] = {}  # DN: name of each policy, for the users' rows
        if policies is not None:
            self.attributes = self.attributes + [name for name in POLICY_USER_READ
                                                 if name not in self.attributes]
            self.policy_names = dict((p.dn, p.name) for p in policies.policies)

    # objectGUID (16 bytes a user) names the finding rows' objects across runs (_trends)
    attributes = USER_ATTRIBUTES + ["userAccountControl", "objectClass", "objectGUID"]

    def add(self, entry: Entry) -> tuple[dict[str, Any], str] | None:
        """One user: (its readiness row, its inheritance fix status) for the per-user files, or
        None when its DACL cannot be read; its findings are kept here."""
        protection = self.protection.get(entry.dn)
        # the policy applies whether or not the DACL can be read
        policy = self.policies.add_entry(entry) if self.policies is not None else None
        try:
            sd, can_create, why = self.cache.get(entry)
        except DirectoryError as exc:
            self.summary["unreadable"] += 1
            self.unreadable.append(unreadable_row(entry, exc))
            self.outcome.counts["matched"] += 1
            self.outcome.fail(entry.dn, exc)
            return None
        row = readiness(entry, sd, protection, self.device_counts, self.exchange["token"],
                        self.container_guid, self.sddl, verdict=(can_create, why),
                        after_sdprop=self.after_sdprop)
        summarize(self.summary, row)
        row["disabled"] = bool((entry.int("userAccountControl") or 0) & 0x2)
        self.summary["disabled_accounts"] += row["disabled"]
        # would fail, but AdminSDHolder's DACL is stamped on it by design: not a finding
        self.summary["would_fail_protected"] += bool(
            row["would_fail"] and row["protection"] in PROTECTED_BY_DESIGN)
        if self.policies is not None:
            row["mobile_policy"] = self.policy_names.get(policy) if policy is not None else None
        guid = None
        if row["would_fail"]:
            guid = guid_of(entry)
            self.would_fail.append(dict([(k, row[k]) for k in self.FINDING_KEYS + (
                "exchange_can_create_after_sdprop", "after_sdprop_reason") if k in row]
                + [("object_guid", guid)]))
        if row["list_conflicts"] or row["case_duplicates"]:
            guid = guid or guid_of(entry)
            self.list_findings.append(dict([(k, row[k]) for k in self.LIST_KEYS]
                                           + [("object_guid", guid)]))
        status = plan_status(entry.dn, sd, entry.int("adminCount"), protection, self.outcome,
                             self.changes)
        if status == "changed":
            change = self.changes[-1]
            if (change[1] if isinstance(change, tuple) else change.action) == "enable":
                self.enabled.append(Enabled(entry.dn, sd))
                self.classes[dn_key(entry.dn)] = entry.most_specific_class()
        if status != "unchanged":  # the plan's table names its users too
            self.names[entry.dn] = (row["sam_account_name"], row["disabled"],
                                    guid or guid_of(entry))
        return row, status

    def plan(self, client: LdapClient) -> dict[str, Any]:
        """The inheritance plan as the module returns it in check mode: skipped and failed in
        search order, then the changes. Whether each change fits in the 64 KiB a DACL may take
        (which reads its parent's descriptor) is checked here, after the users' read, because
        that connection is busy during it; a change that does not fit is failed, as the
        inheritance module fails it."""
        parents = ParentDescriptors(client)
        for change in self.changes:
            if isinstance(change, tuple):
                dn, action, detail = change
            else:
                try:
                    check_fits(change, parents)
                except DirectoryError as exc:
                    self.outcome.fail(change.dn, exc)
                    continue
                dn, action, detail = change.dn, change.action, change.detail
            self.outcome.add(dn, "changed", action=action, **detail)
        self.changes = []
        # the risky rights the re-enabled objects would gain, as the inheritance module says
        # them (risky_inherited, reused: the same parents' DACLs, read once)
        try:
            self.risky = risky_inherited(client, self.enabled, self.classes, parents,
                                         self.warnings.append)
        except DirectoryError as exc:
            self.risky = []
            self.warnings.append("the risky rights the inheritance fix would pass down are not "
                                 "known: %s" % exc)
        self.enabled = []
        for obj in self.outcome.objects:
            sam, disabled, guid = self.names.get(obj["dn"], (None, None, None))
            obj.setdefault("sam_account_name", sam)
            obj.setdefault("disabled", disabled)
            obj.setdefault("object_guid", guid)
        return dict(counts=dict(self.outcome.counts), objects=self.outcome.objects)

    def report(self, client: LdapClient, scope: str, generated: str) -> dict[str, Any]:
        """The report's document, without the per-user rows (those were streamed)."""
        plan_result = self.plan(client)
        protected = counts(self.protected_objects)
        # Every number of the report, once: each file and message shows these (count_findings)
        summary = dict(self.summary,
                       would_fail_act_now=(self.summary["would_fail"]
                                           - self.summary["would_fail_protected"]),
                       inheritance_would_change=plan_result["counts"]["changed"],
                       inheritance_skipped=plan_result["counts"]["skipped"],
                       list_findings=len(self.list_findings),
                       risky_inherited=len(self.risky),
                       admins_with_devices=self.phones.get("with_devices"),
                       admins_activesync_enabled=self.phones.get("activesync_enabled"),
                       protected_accounts=protected["protected"],
                       orphaned_accounts=protected["orphaned"],
                       unmarked_accounts=protected["unmarked"])
        section = self.policy_section()
        if section is not None and "summary" in section:
            # a kind of finding only when the policies were read (unknown otherwise)
            summary["policy_below_baseline"] = section["summary"]["policies_failing_baseline"]
            summary["users_on_failing_policies"] = section["summary"]["users_on_failing_policies"]
        finding_counts, findings = count_findings(summary)
        doc = dict(
            generated=generated,
            scope=scope,
            findings=findings,
            finding_counts=finding_counts,
            summary=summary,
            exchange_servers=self.exchange,
            would_fail=self.would_fail,
            inheritance_plan=plan_result,
            protected_accounts=self.protected_objects,
            list_findings=self.list_findings,
            risky_inherited=self.risky,
            unreadable=self.unreadable,
        )
        if section is not None:
            doc["mobile_policies"] = section
        return doc

    def policy_section(self) -> dict[str, Any] | None:
        """The report's mobile_policies: PolicyTally.result() (its warnings are the report's
        too), {note} when the policies were not read, None when the report has no section."""
        if self.policies is None:
            return None if self.policies_note is None else dict(note=self.policies_note)
        section = self.policies.result()
        self.warnings.extend(section["warnings"])
        return section
