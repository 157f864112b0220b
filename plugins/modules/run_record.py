#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name, on the controller; this file holds its
# documentation.

DOCUMENTATION = r"""
module: run_record
short_description: Write a run's record and append it to the run history, on the controller
version_added: 2.0.0
description:
  - Writes O(record) to O(last_file) in O(dir) (indented JSON, keys sorted, replaced atomically)
    and appends it as one JSON line, without the keys in O(log_omit), to O(log_file) there.
  - Runs on the controller, in the task's own process, with no module process or file transfer,
    so it costs a fraction of what M(ansible.builtin.copy) and M(ansible.builtin.lineinfile) cost
    for the same two files. The roles of this collection resolve their output directories on the
    controller too (P(adremedy.directory.output_dir#lookup)).
  - Writes in check mode too (a run's record is bookkeeping, not a change) and never reports
    C(changed).
options:
  dir:
    description: Directory of the two files; it must exist.
    type: path
    required: true
  record:
    description: What the run did.
    type: dict
    required: true
  last_file:
    description: File in O(dir) that holds the last record only.
    type: str
    default: last-run.json
  log_file:
    description: File in O(dir) that gets one line per record (created with mode 0644).
    type: str
    default: runs.jsonl
  log_omit:
    description: Keys of O(record) left out of the line in O(log_file), e.g. long lists.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: none
    description: Writes in check mode too; the directory is not changed.
  diff_mode:
    support: none
    description: No diff.
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Re-enable inheritance under Staff
  adremedy.directory.inheritance:
    search_base: OU=Staff,DC=example,DC=com
  register: enforced

- name: The run history's directory
  ansible.builtin.file:
    path: /var/lib/adremedy/enforce
    state: directory
    mode: "0750"

- name: Keep the run's outcome; the line in runs.jsonl leaves the objects out
  adremedy.directory.run_record:
    dir: /var/lib/adremedy/enforce
    # one expression, so that the counts stay numbers and changed a boolean on every ansible-core
    record: "{{ {'time': now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ'), 'changed': enforced.changed,
                 'counts': enforced.counts, 'objects': enforced.objects} }}"
    log_omit: [objects]
"""

RETURN = r"""
last_file:
  description: The path of the last-run file written.
  returned: success
  type: str
log_file:
  description: The path of the run history appended to.
  returned: success
  type: str
"""
