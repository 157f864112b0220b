#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: protected_accounts_info
short_description: Inventory of AdminSDHolder-protected and adminCount=1 accounts
version_added: 2.0.0
description:
  - Finds every object in the protected set of MS-ADTS 3.1.1.6.1.2 (transitive members of
    Administrators, Account Operators, Server Operators, Print Operators, Backup Operators,
    Replicator, Domain Admins, Schema Admins and Enterprise Admins, plus Administrator, krbtgt,
    Domain Controllers and Read-only Domain Controllers) and every object with C(adminCount=1).
  - Key Admins and Enterprise Key Admins count as protected groups wherever they exist (see
    RV(pdc_emulator) for why), though Microsoft's list does not name them.
  - Membership through a primary group counts. An account whose C(primaryGroupID) is any group of
    the set (for example a group nested in Domain Admins) is in the set, as it is in the token.
  - Each is classified V(protected) (in the set, with the group chain that protects it),
    V(orphaned) (C(adminCount=1) but in no protected group, so its inheritance stays off for good)
    or V(unmarked) (in a protected group, C(adminCount) not set yet).
  - Group exclusions set in the C(dSHeuristics) dwAdminSDExMask are honoured. Schema Admins and
    Enterprise Admins are taken from the forest root domain.
  - Reads only. Nested membership is followed through C(member), in batches.
  - For every V(protected) and V(unmarked) account it also says whether an administrator has a
    phone, namely the account's mail address, whether ActiveSync is enabled for it and its
    ActiveSync device partnerships, read in batches (never one search per account). Without the
    Exchange schema those values are null.
  - And it audits AdminSDHolder, whose DACL SDProp copies onto every protected account and group
    at least every 60 minutes. It reports the owner, whether the DACL is protected, the ACEs that
    differ from Windows' default DACL, Exchange's ACEs and the risky ones, each finding with the
    public rule it corresponds to. See RV(adminsdholder).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
options:
  search_base:
    description:
      - Only report objects at or below this DN. The protected set is always computed for the
        whole domain, so a nested membership through a group outside O(search_base) still counts.
      - Default is the domain's naming context.
    type: str
  classification:
    description:
      - Which classes of objects to return in RV(objects). RV(counts) always covers all three.
    type: list
    elements: str
    choices: [protected, orphaned, unmarked]
    default: [protected, orphaned, unmarked]
  orphan_exclude:
    description:
      - Accounts that are not orphan findings even when they have C(adminCount=1) and are in
        no protected group (a break-glass account, a known exception), by DN, sAMAccountName
        or any other way admins name an account (C(DOMAIN\\sam), SID, objectGUID, mail). They
        are listed in RV(excluded_orphans) instead.
      - A name that matches no account, or two, fails the task naming it.
      - One string is one account (a DN keeps its commas), a string with line breaks one
        account a line (an AWX survey text area), a list one account per item.
    type: raw
    default: []
    version_added: 2.0.0
  exclude_krbtgt:
    description:
      - Leave C(krbtgt) and the C(krbtgt_<n>) accounts of read-only DCs out of the orphan
        findings (they are listed in RV(excluded_orphans)), as PingCastle does.
    type: bool
    default: true
    version_added: 2.0.0
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: Inventory protected accounts
  adremedy.directory.protected_accounts_info:
    server: ldaps://dc1.example.com
    ca_cert: /etc/pki/example-ca.pem
    bind_dn: CN=svc-adremedy,OU=Service Accounts,DC=example,DC=com
    password: "{{ vault_adremedy_password }}"
  register: protected

# module_defaults (usually on the play) sets the connection once for every module of the
# collection; without bind_dn and password here they come from ADREMEDY_BIND_DN and
# ADREMEDY_PASSWORD, as the collection's AWX credential type sets them
- name: Only the orphans, with connection settings from module_defaults
  module_defaults:
    group/adremedy.directory.ad:
      server: ldaps://dc1.example.com
      ca_cert: /etc/pki/example-ca.pem
      bind_dn: CN=svc-adremedy,OU=Service Accounts,DC=example,DC=com
      password: "{{ vault_adremedy_password }}"
  adremedy.directory.protected_accounts_info:
    classification: [orphaned]
  register: orphans

- name: Show who they are
  ansible.builtin.debug:
    msg: "{{ orphans.objects | map(attribute='sam_account_name') | list }}"
"""

RETURN = r"""
counts:
  description:
    - Number of objects in each class (under O(search_base)), over all classes.
    - C(unresolved) counts the V(protected) ones that are protected only because of RV(unresolved).
    - C(with_devices) counts the V(protected) and V(unmarked) accounts with at least one
      ActiveSync partnership; C(activesync_enabled) those with a mail address (a mailbox has one)
      whose ActiveSync is enabled. Each is null when the forest's schema lacks what tells it
      (no C(msExchActiveSyncDevice) class, no C(msExchOmaAdminWirelessEnable) attribute).
  returned: success
  type: dict
  sample: {protected: 18, orphaned: 2, unmarked: 1, unresolved: 0, total: 21, with_devices: 1, activesync_enabled: 3}
objects:
  description: The objects of the requested classes, sorted by DN.
  returned: success
  type: list
  elements: dict
  contains:
    dn:
      description: Distinguished name.
      type: str
      sample: CN=adm-nested,OU=Admins,DC=example,DC=com
    sam_account_name:
      description: sAMAccountName.
      type: str
    object_class:
      description: Most specific object class (user, inetOrgPerson, group, computer).
      type: str
    sid:
      description: objectSid.
      type: str
    classification:
      description: V(protected), V(orphaned) or V(unmarked).
      type: str
    admin_count:
      description: The adminCount value, null when not set.
      type: int
    inheritance:
      description: V(enabled), V(disabled) (DACL protected), or V(unknown) when the DACL could not be read.
      type: str
    protected_by:
      description: The protected group (or principal) that puts the object in the set; null for orphans.
      type: str
      sample: Domain Admins
    chain:
      description: Group names from the object's own group up to the protected group.
      type: list
      elements: str
      sample: [Tier0 Admins, Domain Admins]
    reason:
      description: One line saying why the object is listed.
      type: str
      sample: member of Tier0 Admins -> Domain Admins
    disabled:
      description: Whether the account is disabled (C(userAccountControl) ACCOUNTDISABLE); null for groups.
      type: bool
      version_added: 2.0.0
    admin_count_written:
      description:
        - For orphans, when C(adminCount) was last written (the originating change, UTC), from
          C(msDS-ReplAttributeMetaData) where the DC returns it (Windows) or the raw
          C(replPropertyMetaData) (Samba returns only that). Null when the DC returns neither.
        - An orphan marked years ago left its protected group long since; a recent one may be
          a membership change still under way.
      type: dict
      returned: for orphaned objects
      version_added: 2.0.0
      sample: {time: "2024-03-11T08:15:02Z", version: 1, source: msDS-ReplAttributeMetaData}
    unresolved:
      description:
        - >-
          Set when the object is V(protected) only because it may be protected through a member
          the module could not follow (see RV(unresolved)); the first such member and why. The
          RV(objects[].reason) then reads C(protected (unresolved: ...)).
      type: str
      version_added: 2.0.0
    mail:
      description: The primary SMTP address (C(mail), else the C(SMTP:) proxy address); null when there is none.
      type: str
      returned: for protected and unmarked objects
      version_added: 2.0.0
    activesync_enabled:
      description:
        - Whether ActiveSync is enabled for the account as Exchange reads C(msExchOmaAdminWirelessEnable)
          (absent, or bit 4 clear, is enabled). It only means something for a mailbox (see RV(objects[].mail)).
        - Null for groups and computers, and when the forest's schema has no such attribute.
      type: bool
      returned: for protected and unmarked objects
      version_added: 2.0.0
    devices:
      description:
        - The account's ActiveSync partnerships (C(msExchActiveSyncDevice) objects under its
          C(CN=ExchangeActiveSyncDevices)), sorted by device ID. An empty list is an account
          without any.
        - Null for groups and computers, and when the forest's schema has no such class.
        - Active Directory holds no last sync time (Exchange keeps it in the mailbox, see
          C(Get-MobileDeviceStatistics) C(LastSuccessSync)); C(when_changed) is when Exchange last
          wrote the partnership (its device information or access state changed).
      type: list
      elements: dict
      returned: for protected and unmarked objects
      version_added: 2.0.0
      contains:
        dn:
          description: The partnership's DN.
          type: str
        device_id:
          description: C(msExchDeviceID).
          type: str
        device_type:
          description: C(msExchDeviceType).
          type: str
        device_model:
          description: C(msExchDeviceModel).
          type: str
        device_os:
          description: C(msExchDeviceOS).
          type: str
        friendly_name:
          description: C(msExchDeviceFriendlyName).
          type: str
        access_state:
          description: C(msExchDeviceAccessState) by name (Exchange's cache of its last decision).
          type: str
        first_seen:
          description: The first sync (C(msExchFirstSyncTime) where the schema has it, else C(whenCreated)), UTC.
          type: str
        when_created:
          description: C(whenCreated) of the partnership, UTC.
          type: str
        when_changed:
          description: C(whenChanged) of the partnership, UTC.
          type: str
      sample:
        - dn: "CN=iPhone\u00a7ApplF17XK2ABCD12,CN=ExchangeActiveSyncDevices,CN=adm-jdoe,OU=Admins,DC=example,DC=com"
          device_id: ApplF17XK2ABCD12
          device_type: iPhone
          device_model: iPhone15,2
          device_os: iOS 17.4 21E219
          friendly_name: null
          access_state: Allowed
          first_seen: "2024-03-11T08:15:02Z"
          when_created: "2024-03-11T08:15:02Z"
          when_changed: "2026-01-12T07:40:11Z"
excluded_orphans:
  description: Orphans left out of RV(objects) and RV(counts) by O(orphan_exclude) or O(exclude_krbtgt), with the reason.
  returned: success
  type: list
  elements: dict
  version_added: 2.0.0
  sample: [{dn: "CN=breakglass,OU=Admins,DC=example,DC=com", sam_account_name: breakglass, reason: listed in orphan_exclude}]
protected_groups:
  description:
    - The protected groups as found in this domain, and whether dSHeuristics excludes them.
    - C(dn) is null for a group that does not exist, as Key Admins and Enterprise Key Admins in
      a domain whose PDC emulator never ran Windows Server 2016 or later.
  returned: success
  type: list
  elements: dict
  sample: [{name: Print Operators, sid: S-1-5-32-550, dn: "CN=Print Operators,CN=Builtin,DC=example,DC=com", excluded: true}]
unresolved:
  description:
    - Members of protected groups the module could not follow, each with the group that holds it
      and why (a foreign security principal, a member of another domain without O(gc_server), a
      group whose members the Global Catalog does not hold).
    - While this is not empty, every C(adminCount=1) object in no protected group the module can
      see is classified V(protected) with RV(objects[].unresolved) set, never V(orphaned), because
      it may be protected through such a member.
  returned: success
  type: list
  elements: dict
  version_added: 2.0.0
  contains:
    group:
      description: DN (or name) of the protected group, or the group of the walk, that holds the member.
      type: str
    member:
      description: The member's DN.
      type: str
    why:
      description: Why it could not be followed.
      type: str
  sample:
    - group: CN=Tier0 Admins,OU=Admins,DC=example,DC=com
      member: CN=S-1-5-21-1-2-3-1013,CN=ForeignSecurityPrincipals,DC=example,DC=com
      why: >-
        foreign security principal S-1-5-21-1-2-3-1013, a principal of another forest or an
        external domain: its members cannot be read here
dsheuristics:
  description: The dSHeuristics value read from the directory, null when not set.
  returned: success
  type: str
pdc_emulator:
  description:
    - This domain's PDC emulator, where SDProp runs, found through the domain head's
      C(fSMORoleOwner) (its NTDS Settings object), the server object above it, that server's
      C(serverReference) and the computer's C(operatingSystem); a piece that cannot be read is null.
    - And the rule the module applied to Key Admins and Enterprise Key Admins, which Microsoft's
      list of protected groups does not name but SDProp protects under newer PDC emulators.
  returned: success
  type: dict
  version_added: 2.0.0
  contains:
    dn:
      description: The PDC emulator's computer account.
      type: str
      sample: CN=DC1,OU=Domain Controllers,DC=example,DC=com
    server:
      description: Its server object in the configuration naming context.
      type: str
      sample: CN=DC1,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=example,DC=com
    operating_system:
      description: C(operatingSystem) of the computer account.
      type: str
      sample: Windows Server 2019 Datacenter
    operating_system_version:
      description: C(operatingSystemVersion) of the computer account.
      type: str
      sample: 10.0 (17763)
    sdprop_protects:
      description:
        - Which of Key Admins and Enterprise Key Admins SDProp protects under this operating
          system by the lab evidence (2016 Key Admins, 2019 and later both, older neither); null
          when it cannot be told (Samba, an unreadable or unknown operating system).
        - Whatever it says, the module treats both as protected where they exist.
      type: list
      elements: str
      sample: [Key Admins, Enterprise Key Admins]
    rule:
      description: One paragraph saying what the module did with Key Admins and Enterprise Key Admins and why, with the evidence.
      type: str
      sample: >-
        Key Admins (RID 526) and Enterprise Key Admins (RID 527 of the forest root domain) are
        treated as protected wherever they exist, whatever the PDC emulator runs: their members
        are never written and never called orphaned (found here: Key Admins, Enterprise Key
        Admins). Lab evidence (JimSycurity/AdminSDHolder PDCeTests; MicrosoftDocs/windowsserverdocs
        issue 7885) shows SDProp protecting Key Admins under a Windows Server 2016 or later PDC
        emulator and Enterprise Key Admins under 2019 or later, though Microsoft's Appendix C
        does not list them; under this PDC emulator (Windows Server 2019 Datacenter) SDProp
        protects Key Admins and Enterprise Key Admins. The collection errs on the safe side.
adminsdholder:
  description:
    - "AdminSDHolder (C(CN=AdminSDHolder,CN=System,<domain>)) audited. SDProp copies its DACL onto
      every protected account and group at least every 60 minutes (MS-ADTS 3.1.1.6.1.3), so a
      right granted on it is a right on Domain Admins and its members within the hour."
    - Its owner and DACL are read with the SD flags control 0x5 (owner and DACL, never the
      SACL). A bind account that may not read them gets RV(adminsdholder.readable) false and the
      reason in RV(adminsdholder.error), not a failed task.
    - "Windows' default DACL, the template, is PingCastle's reference of it (vletoux/pingcastle,
      Healthcheck/HealthcheckAnalyzer.cs and Healthcheck.cs), per the domain functional level:
      Windows 2000, Windows Server 2003, or 2008 and later (PingCastle uses one reference for 2008
      and every later version); Microsoft's Appendix K lists the same for 2000 and 2003."
  returned: success
  type: dict
  version_added: 2.0.0
  contains:
    dn:
      description: AdminSDHolder's DN.
      type: str
    readable:
      description: Whether its security descriptor could be read; everything below is empty when not.
      type: bool
    error:
      description: Why it could not be read (one line with the LDAP result), else null.
      type: str
    owner:
      description: Its owner, C({sid, name}); null when not returned.
      type: dict
    dacl_protected:
      description: Whether its DACL is protected from inheritance, as Windows sets it. V(false) is a finding.
      type: bool
    domain_functionality:
      description: The domain functional level (RootDSE C(domainFunctionality)); null when not returned.
      type: int
    template:
      description: The default DACL compared with, V(windows2000), V(windows2003) or V(windows2008) (2008 and later).
      type: str
    template_source:
      description: Where the template comes from.
      type: str
    not_in_template:
      description:
        - ACEs the template does not have (added, or changed from a default one), each with C(ace)
          (SDDL), C(trustee) (name, null when the SID names no object here), C(sid), C(type)
          (V(allow) or V(deny)), C(rights) (SDDL letters), C(object_type) and
          C(inherited_object_type) (names where known), C(inherit_only) and C(inherited) (passed
          down from a parent, as when AdminSDHolder inherits).
        - ACEs are compared on what they grant; the flag that marks an inherited ACE is left aside.
      type: list
      elements: dict
    missing_from_template:
      description: Template ACEs its DACL lacks, as in RV(adminsdholder.not_in_template).
      type: list
      elements: dict
    exchange:
      description: ACEs of Exchange's groups (a trustee named Exchange..., or Organization Management), template or not.
      type: list
      elements: dict
    findings:
      description:
        - One per finding. C(kind) is V(inheritance) (the DACL is not protected), V(owner) (the
          owner is not one of the domain's administrators), V(risky) (an allow ACE giving a
          trustee outside the domain's administrators full control, GENERIC_WRITE, WRITE_DAC,
          WRITE_OWNER, or write property on every property, C(member), C(groupType),
          Personal-Information or Public-Information) or V(exchange) (another ACE of an Exchange
          group that the template lacks).
        - The domain's administrators are SYSTEM, Administrators, Domain Admins, Enterprise
          Admins, Administrator, Domain Controllers and Enterprise Domain Controllers.
        - Each finding has C(trustee), C(sid), C(rights), C(ace) (SDDL), C(cites) (the public rules
          it corresponds to, such as PingCastle's P-ExchangeAdminSDHolder) and C(enables) (what it
          lets the trustee do once SDProp has copied it).
      type: list
      elements: dict
      sample:
        - kind: risky
          trustee: Exchange Trusted Subsystem
          sid: S-1-5-21-1004336348-1177238915-682003330-1121
          rights: [write property on Personal-Information]
          ace: (OA;CI;WP;77b5b886-944a-11d1-aebd-0000f80367c1;;S-1-5-21-1004336348-1177238915-682003330-1121)
          object_type: Personal-Information
          inherited_object_type: null
          inherit_only: false
          inherited: false
          cites:
            - >-
              PingCastle P-ExchangeAdminSDHolder (an ACE on AdminSDHolder that its reference DACL
              lacks, for a trustee named Exchange...; ANSSI R18)
          enables: >-
            SDProp copies AdminSDHolder's DACL onto every protected account and group at least
            every 60 minutes (MS-ADTS 3.1.1.6.1.3), so within the hour Exchange Trusted Subsystem
            can write the Personal-Information attributes of every protected account
"""

from ansible_collections.adremedy.directory.plugins.module_utils._run._module import (
    AdremedyModule, ArgumentSpec, dn_list_options)
from ansible_collections.adremedy.directory.plugins.module_utils._run._protected_accounts import (
    CLASSES, protected_inventory)

OPTIONS = ArgumentSpec(dict(
    search_base=dict(type="str"),
    classification=dict(type="list", elements="str", choices=list(CLASSES),
                        default=list(CLASSES)),
    exclude_krbtgt=dict(type="bool", default=True),
))


def main() -> None:
    module = AdremedyModule(OPTIONS, dn_list_options(orphan_exclude=dict(default=[])))
    params = module.params
    with module.client() as client, module.global_catalog() as catalog:
        result = protected_inventory(client, catalog, module.selection(client).search_base,
                                     params["orphan_exclude"], params["exclude_krbtgt"],
                                     params["classification"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
