# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An argument spec that carries its rules (mutually exclusive, required one of, ...) and its
checks with it, so options shared by several modules arrive with everything that belongs to
them. No Ansible, no ldap3. Private."""

from __future__ import annotations

from typing import Any, Callable

RULES = ("mutually_exclusive", "required_together", "required_one_of", "required_if",
         "required_by")


class ArgumentSpec:
    """Options plus their AnsibleModule rules, and checks run on the parsed parameters (each
    raises the harness's Failure, or LdapError, with a one-line message)."""

    def __init__(self, options: dict[str, Any] | None = None, *,
                 mutually_exclusive: list | None = None, required_together: list | None = None,
                 required_one_of: list | None = None, required_if: list | None = None,
                 required_by: dict | None = None,
                 checks: list[Callable[[dict[str, Any]], None]] | None = None) -> None:
        self.options = dict(options or {})
        self.rules: dict[str, Any] = dict(
            mutually_exclusive=list(mutually_exclusive or []),
            required_together=list(required_together or []),
            required_one_of=list(required_one_of or []),
            required_if=list(required_if or []),
            required_by=dict(required_by or {}))
        self.checks = list(checks or [])

    def merge(self, *others: ArgumentSpec) -> ArgumentSpec:
        """A new spec with the options, rules and checks of this one and the others; an option
        defined twice is a programming error."""
        merged = ArgumentSpec(self.options, checks=self.checks, **self.rules)
        for other in others:
            clash = set(merged.options) & set(other.options)
            if clash:
                raise ValueError("options defined twice: %s" % ", ".join(sorted(clash)))
            merged.options.update(other.options)
            for name in RULES:
                if name == "required_by":
                    merged.rules[name].update(other.rules[name])
                else:
                    merged.rules[name] += other.rules[name]
            merged.checks += other.checks
        return merged

    def module_kwargs(self) -> dict[str, Any]:
        """argument_spec and the rules, as AnsibleModule takes them (empty rules left out)."""
        kwargs: dict[str, Any] = dict(argument_spec=self.options)
        kwargs.update((name, value) for name, value in self.rules.items() if value)
        return kwargs

    def check(self, params: dict[str, Any]) -> None:
        for check in self.checks:
            check(params)
