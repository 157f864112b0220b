# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Which device partnerships a module looks at (module_utils._eas.device_filter_argument_spec).
    DOCUMENTATION = r"""
description:
  - Devices are the C(msExchActiveSyncDevice) objects under the selected users'
    C(CN=ExchangeActiveSyncDevices) containers, found with paged searches below the users.
options:
  device_model:
    description:
      - Only devices whose C(msExchDeviceModel) is one of these values. An empty string selects
        devices whose model is not known yet (still in discovery).
      - One string is one value (a model such as V(iPhone15,2) keeps its comma), a string with
        line breaks one value a line (an AWX survey text area), a list one value per item. The
        same holds for O(device_type), O(device_os) and O(user_agent).
    type: raw
  device_type:
    description: Only devices whose C(msExchDeviceType) is one of these values.
    type: raw
  device_os:
    description: Only devices whose C(msExchDeviceOS) is one of these values.
    type: raw
  user_agent:
    description: Only devices whose C(msExchDeviceUserAgent) is one of these values.
    type: raw
  match_case:
    description:
      - Compare O(device_model), O(device_type), O(device_os) and O(user_agent) exactly.
        By default they compare case-insensitively, as Exchange matches device access rules.
    type: bool
    default: false
  access_state:
    description:
      - Only devices whose cached access state (C(msExchDeviceAccessState)) is one of these,
        by name (V(Unknown), V(Allowed), V(Blocked), V(Quarantined), V(DeviceDiscovery)) or
        number (0 to 4).
    type: list
    elements: str
  access_state_reason:
    description:
      - Only devices whose C(msExchDeviceAccessStateReason) is one of these, by name
        (for example V(Global), V(Individual), V(DeviceRule), V(Upgrade), V(Policy)) or number.
    type: list
    elements: str
  exclude_individual:
    description:
      - Leave out devices whose access state reason is V(Individual), that is devices already
        on their owner's allow or block list.
    type: bool
    default: false
"""
