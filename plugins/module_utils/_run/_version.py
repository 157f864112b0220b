# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's version, as galaxy.yml says it (a module runs from a zip with no
MANIFEST.json beside it, so reports carry this; tests/unit keeps the two equal). Private."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

COLLECTION_VERSION = "2.1.0"


def ansible_core_version() -> str:
    """The ansible-core the module runs under ('unknown' when it cannot be imported)."""
    try:
        from ansible.module_utils.ansible_release import __version__
    except ImportError:
        return "unknown"
    return __version__
