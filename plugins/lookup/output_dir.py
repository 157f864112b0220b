# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the roles' reports, journals, state files and run history go: the one resolution of an
output directory, shared by every role and playbook of the collection."""

from __future__ import annotations

DOCUMENTATION = r"""
name: output_dir
short_description: Resolve, create and check a directory for reports, journals and state files
version_added: 1.0.0
description:
  - Returns the absolute path of an output directory, created when missing, after proving that a
    file can be written there. A directory that cannot be created or written fails the task at
    once with one line naming it.
  - A relative path is resolved under the variable C(adremedy_output_dir) when it is set and not
    empty, else under the current working directory of C(ansible-playbook) (for AWX and
    ansible-runner, the job's project directory), never under the playbook's directory, which is
    inside the installed collection when a playbook is run by its FQCN.
  - In a play over several hosts (a forest, one inventory host per domain) each host gets a
    directory of its own, C(<path>/<inventory_hostname>), so domains never share a state file,
    journal or report; see O(per_host).
  - Runs on the controller, like every lookup. The roles of this collection run their modules on
    C(localhost), so that is where the files are written.
options:
  _terms:
    description: The directory, absolute or relative (one path).
    type: list
    elements: path
    required: true
  base:
    description:
      - The directory relative paths are resolved under. Default is the variable
        C(adremedy_output_dir), or the current working directory when that is unset or empty.
    type: path
  per_host:
    description:
      - Append the host's name when the play runs on more than one host. V(false) gives the
        directory the hosts share, for example for a summary over the domains.
    type: bool
    default: true
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Reports go to ./compliance-report, or $adremedy_output_dir/compliance-report
  ansible.builtin.set_fact:
    my_report_dir: "{{ lookup('adremedy.directory.output_dir', 'compliance-report') }}"

- name: An absolute path is used as it is (and checked)
  ansible.builtin.set_fact:
    my_report_dir: "{{ lookup('adremedy.directory.output_dir', '/srv/reports/eas') }}"
"""

RETURN = r"""
_raw:
  description: The absolute path of the directory, which exists and is writable.
  type: list
  elements: path
"""

import os
import tempfile
from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

BASE_VARIABLE = "adremedy_output_dir"


def resolve_output_dir(path: str, base: str | None = None) -> str:
    """Absolute path of `path` (relative to `base`, default the working directory), created and
    proven writable; raises OSError-based AnsibleLookupError naming the directory."""
    path = os.path.expanduser(str(path))
    if not path:
        raise AnsibleLookupError("output directory: an empty path was given")
    base = os.path.expanduser(str(base)) if base else os.getcwd()
    target = os.path.abspath(os.path.join(base, path))
    try:
        os.makedirs(target, exist_ok=True)
    except OSError as exc:
        raise AnsibleLookupError(f"output directory {target} cannot be created: {exc.strerror}") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".adremedy-write-test-", dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise AnsibleLookupError(f"output directory {target} is not writable: {exc.strerror}") from None
    return target


def host_path(path: str, variables: dict[str, Any]) -> str:
    """`path`, or `path/<inventory_hostname>` when the play runs on more than one host."""
    if len(variables.get("ansible_play_hosts_all") or []) > 1:
        return os.path.join(os.path.expanduser(str(path)), variables["inventory_hostname"])
    return path


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any
            ) -> list[str]:
        self.set_options(var_options=variables, direct=kwargs)
        if len(terms) != 1:
            raise AnsibleLookupError(f"output_dir takes one path, got {len(terms)}")
        base = self.get_option("base")
        if not base and variables and self._templar is not None:  # Ansible always gives one
            base = self._templar.template(variables.get(BASE_VARIABLE) or "")
        path = host_path(terms[0], variables or {}) if self.get_option("per_host") else terms[0]
        return [resolve_output_dir(path, base or None)]
