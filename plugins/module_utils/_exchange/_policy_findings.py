# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which mobile device mailbox policy is a finding, decided here only: eas_policy_info's and the
compliance report's counts (_mobile_policies), the report's section (_run/_policy_section) and
its trend (_run/_trends) all ask is_finding. A finding is a policy below the baseline that
applies to a user read: a report scoped to one OU is not failed by a policy none of its users
has. It takes a policy row as PolicyTally.result() gives it, or as report.json holds it (read
back from the report's history, so a key may be missing). Standard library only, so the
report's writers (and the filter and action plugins that import them) need no ldap3. Private."""

from __future__ import annotations

from typing import Any, Mapping


def fails_baseline(policy: Mapping[str, Any]) -> bool:
    """The policy misses at least one item of the baseline it was compared with."""
    return bool((policy.get("baseline") or {}).get("failed"))


def is_finding(policy: Mapping[str, Any]) -> bool:
    """Below the baseline and applying to at least one user read (linked or by default)."""
    return fails_baseline(policy) and bool((policy.get("users") or {}).get("total"))
