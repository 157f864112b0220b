# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the compliance report's "Mobile device mailbox policies" section says, as plain values
for _report's Markdown and HTML writers (which escape them): the sentence that opens it, a row
per policy (its users in the report's scope, the CIS items it fails), and under each policy
below the baseline a row per failed item with the value found. The section is
_exchange/_mobile_policies.PolicyTally.result(), or {note} when the policies were not read.
Pure: which policy is a finding is _exchange/_policy_findings'. Private."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._policy_findings import (
    fails_baseline, is_finding)

TITLE = "Mobile device mailbox policies"
POLICY_HEADERS = ("policy", "default", "users linked", "users by default", "users",
                  "CIS items failed", "DN")
ITEM_HEADERS = ("CIS item", "title", "expected", "found", "note")
SPANS = ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def was_read(section: Mapping[str, Any] | None) -> bool:
    return section is not None and "policies" in section


def span(seconds: int) -> str:
    """900 -> '15 minutes', 86400 -> '1 day': the largest unit that divides it."""
    for size, unit in SPANS:
        if seconds % size == 0:
            count = seconds // size
            return "%d %s%s" % (count, unit, "" if count == 1 else "s")
    return "%d seconds" % seconds  # pragma: no cover (1 divides every integer)


def value_text(setting: str, value: Any) -> str:
    """A setting's value as the item's expectation says it: true/false, a time span in its
    unit, 'not set' (Unlimited, or no value)."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if setting.endswith("_seconds") and isinstance(value, int):
        return span(value)
    return str(value)


def default_text(policy: Mapping[str, Any]) -> str:
    if policy.get("applied_as_default"):
        return "yes"
    # several marked default: Exchange applies the one changed last, not this one
    return "marked, not applied" if policy.get("is_default") else "no"


def failed_text(policy: Mapping[str, Any]) -> str:
    baseline = policy["baseline"]
    failed = baseline["failed"]
    if not failed:
        return "none"
    return "%d of %d: %s" % (len(failed), len(baseline["checks"]), ", ".join(failed))


def policy_rows(section: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """A row per policy (POLICY_HEADERS), below-baseline ones first, then by name."""
    for p in sorted(section["policies"], key=lambda p: (not fails_baseline(p),
                                                        p["name"].lower())):
        users = p["users"]
        yield (p["name"], default_text(p), users["linked"], users["by_default"], users["total"],
               failed_text(p), p["dn"])


def below_baseline(section: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The policies that fail at least one item and apply to a selected user, by name: the
    findings (is_finding; summary.policies_failing_baseline counts the same)."""
    return sorted((p for p in section["policies"] if is_finding(p)),
                  key=lambda p: p["name"].lower())


def heading(policy: Mapping[str, Any]) -> str:
    users = policy["users"]
    return "%s: fails %d of %d CIS items, applies to %d users (%d linked, %d by default)" % (
        policy["name"], len(policy["baseline"]["failed"]), len(policy["baseline"]["checks"]),
        users["total"], users["linked"], users["by_default"])


def item_rows(policy: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    """A row per item the policy fails (ITEM_HEADERS)."""
    for item in policy["baseline"]["checks"]:
        if not item["passed"]:
            yield (item["id"], item["title"], item["expected"],
                   value_text(item["setting"], item["actual"]), item.get("note") or "")


def intro(section: Mapping[str, Any]) -> str:
    """The section's first sentence: the baseline, the default policy, what is below it."""
    if not was_read(section):
        return "Not read: %s" % section.get("note", "the policies were not read")
    s = section["summary"]
    default = ("the default policy (for users without a link) is %s" % s["default_policy"]
               if s["default_policy"] else "no policy is marked default")
    text = ("Compared with the %s: %d policies, %s; %d of them below the baseline, applying to "
            "%d of the %d users read." % (section["baseline"], s["policies"], default,
                                          s["policies_failing_baseline"],
                                          s["users_on_failing_policies"], s["users"]))
    unused = s.get("policies_failing_baseline_unused")
    if unused:
        text += (" %d more below the baseline apply to none of these users and are not counted "
                 "as findings here." % unused)
    return text


def warnings(section: Mapping[str, Any] | None) -> list[str]:
    return list((section or {}).get("warnings") or [])
