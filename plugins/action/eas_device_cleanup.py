# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of the eas_device_cleanup module: the module as always, with progress in the job output on a run
longer than a minute (plugin_utils/_progress_action.py)."""

from __future__ import annotations

from ansible_collections.adremedy.directory.plugins.plugin_utils._progress_action import (
    ProgressActionModule)


class ActionModule(ProgressActionModule):
    pass
