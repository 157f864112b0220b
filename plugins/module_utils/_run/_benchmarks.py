# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The public references auditors map each kind of finding to: PingCastle rule ids, CIS items,
MITRE ATT&CK techniques and mitigations, and the Microsoft documents the fix follows. Data only,
in one place: the compliance report (report.json `references`, the HTML and Markdown advice
lines) and docs/benchmarks.md (checked against this by a unit test) both come from here.

Every reference was found in the source it names (`source`); nothing is cited from memory.
Where a framework has no item for a kind, the kind has no reference of that framework. Private.

API:

  references_for(kind) -> [dict]   framework, id, title, url, source, note (why it applies)
  label(reference) -> str          "PingCastle A-AdminSDHolder", "Microsoft: <title>", ...
  kind_label(kind) -> str          the kind's label: the report's cards, tables and charts say it
  KINDS                            kind -> dict(label, meaning, where, references)
  REPORT_KINDS                     the kinds the compliance report shows
"""

from __future__ import annotations

import copy
from typing import Any

FRAMEWORKS = ("PingCastle", "CIS", "MITRE ATT&CK", "Microsoft")

# -- PingCastle: rule ids from each rule class's RuleModel attribute, titles from
# Healthcheck/Rules/RuleDescription.resx (<id>_Title), at one commit so the link stays true.
PINGCASTLE_COMMIT = "31d268da0f465b18f607747f31406ad18990f868"
PINGCASTLE_SOURCE = ("vletoux/pingcastle @ 31d268da: Healthcheck/Rules/%s (RuleModel id) and "
                     "Healthcheck/Rules/RuleDescription.resx (title)")


def _pingcastle(rule_id: str, title: str, rule_file: str, note: str) -> dict[str, str]:
    return dict(framework="PingCastle", id=rule_id, title=title,
                url="https://github.com/vletoux/pingcastle/blob/%s/Healthcheck/Rules/%s"
                    % (PINGCASTLE_COMMIT, rule_file),
                source=PINGCASTLE_SOURCE % rule_file, note=note)


PC_ADMINCOUNT = _pingcastle(
    "A-AdminSDHolder", "Check for suspicious account(s) used in administrator activities",
    "HeatlcheckRuleAnomalyAdminSDHolder.cs",
    "counts enabled users with adminCount=1 that are no longer privileged; its solution is to "
    "review them and remove adminCount")
PC_EXCHANGE_ADMINSDHOLDER = _pingcastle(
    "P-ExchangeAdminSDHolder",
    "Ensure that Exchange did not modify the AdminSDHolder object to introduce vulnerabilities",
    "HeatlcheckRulePrivilegedExchangeAdminSDHolder.cs",
    "flags Exchange's ACEs on AdminSDHolder: granting Exchange Servers the right there, so that "
    "protected accounts can sync, is what this rule reports")
PC_EXCHANGE_PRIVESC = _pingcastle(
    "P-ExchangePrivEsc", "Ensure that Exchange did not introduce security vulnerabilities",
    "HeatlcheckRulePrivilegedExchangePrivEsc.cs",
    "rows where Exchange Windows Permissions holds WRITE_DAC on the domain root without "
    "inherit-only: re-enabled inheritance passes it down")
PC_EVERYONE = _pingcastle(
    "P-DelegationEveryone", "A Delegation is granted to Everyone",
    "HeatlcheckRulePrivilegedDelegationEveryone.cs",
    "rows whose trustee is Everyone or Authenticated Users")
PC_UNKNOWN = _pingcastle(
    "P-UnkownDelegation", "Check delegations for the recipient's existence",
    "HeatlcheckRulePrivilegedUnknownDelegation.cs",
    "rows whose trustee is a SID no account holds (PingCastle spells the id this way)")
PC_ADMIN_EMAIL = _pingcastle(
    "P-AdminEmailOn", "Check if administrator accounts are email enabled.",
    "HeatlcheckRulePrivilegedEmailOn.cs",
    "flags enabled privileged accounts with an e-mail address; a phone partnership needs one")

# -- CIS ---------------------------------------------------------------------------------------
# The CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 (Level 1, MDM section 3, as Tenable's
# audit file lists it) covers mobile device mailbox policies only: its items 3.1-3.11 are cited
# for policies below the baseline (policy_below_baseline), none for the other kinds.
CIS_EXCHANGE_SOURCE = (
    "Tenable's audit of CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 Level 1 MDM (item "
    "numbers and titles), the property each item checks from EDCA 1.0.0.0's controls "
    "(docs/reference/mobile-mailbox-policies.md, section 5)")
CIS_EXCHANGE_URL = ("https://www.tenable.com/audits/"
                    "CIS_Microsoft_Exchange_Server_2019_v1.0.0_Level_1_MDM")


def _cis_exchange(item: str, title: str, checks: str) -> dict[str, str]:
    return dict(framework="CIS", id=item, title=title, url=CIS_EXCHANGE_URL,
                source=CIS_EXCHANGE_SOURCE, note="a policy fails it when %s" % checks)


# The items as _exchange/_mobile_policies.CIS_EXCHANGE_2019_L1 judges them (a unit test checks
# ids and titles are the same there).
CIS_EXCHANGE_MOBILE = [
    _cis_exchange("3.1", "Ensure 'Allow simple passwords' is set to 'False'",
                  "AllowSimplePassword is true"),
    _cis_exchange("3.2", "Ensure 'Allow unmanaged devices' is set to 'False'",
                  "AllowNonProvisionableDevices is true (the Default policy Exchange setup "
                  "creates allows them)"),
    _cis_exchange("3.3", "Ensure 'Enforce password history' is set to '4' or greater",
                  "PasswordHistory is below 4"),
    _cis_exchange("3.4", "Ensure 'Minimum password length' is set to '4' or more",
                  "MinPasswordLength is not set or below 4"),
    _cis_exchange("3.5", "Ensure 'Number of attempts allowed' is set to '10'",
                  "MaxPasswordFailedAttempts is Unlimited or above 10 (whether fewer than 10 "
                  "passes is unconfirmed)"),
    _cis_exchange("3.6", "Ensure 'Password expiration' is set to '365' or less",
                  "PasswordExpiration is Unlimited or above 365 days"),
    _cis_exchange("3.7", "Ensure 'Refresh interval' is set to '1'",
                  "DevicePolicyRefreshInterval is Unlimited or above one hour (the unit is "
                  "unconfirmed: hours as Exchange 2010's console showed it, one day in other "
                  "tools)"),
    _cis_exchange("3.8", "Ensure 'Require alphanumeric password' is set to 'True'",
                  "AlphanumericPasswordRequired is false"),
    _cis_exchange("3.9", "Ensure 'Require encryption on device' is set to 'True'",
                  "RequireDeviceEncryption is false"),
    _cis_exchange("3.10", "Ensure 'Require password' is set to 'True'",
                  "PasswordEnabled is false (the Default policy Exchange setup creates requires "
                  "none)"),
    _cis_exchange("3.11", "Ensure 'Time without user input before password must be re-entered' "
                  "is set to '15'", "MaxInactivityTimeLock is Unlimited or above 15 minutes"),
]
CIS_ADMIN_ACCOUNTS = dict(
    framework="CIS", id="5.4",
    title="CIS Controls Safeguard 5.4: Restrict Administrator Privileges to Dedicated "
          "Administrator Accounts",
    url="https://github.com/CISecurity/ControlsAssessmentSpecification/blob/"
        "958d530596dce5af16f3e65eefa72a99b189222d/control-5/control-5.4.rst",
    source="CISecurity/ControlsAssessmentSpecification @ 958d5305, control-5/control-5.4.rst",
    note="email from the user's primary, non-privileged account, not from the administrative one")

# -- MITRE ATT&CK: the technique or mitigation a detection vendor or PingCastle classifies the
# same thing as (named in source), with ATT&CK's own name for it.
ATTACK = "https://attack.mitre.org/techniques/%s/"


def _attack(attack_id: str, title: str, url: str, source: str, note: str) -> dict[str, str]:
    return dict(framework="MITRE ATT&CK", id=attack_id, title=title, url=url, source=source,
                note=note)


ELASTIC_ALLOWED_DEVICE = (
    "Elastic detection-rules, 'New ActiveSyncAllowedDeviceID Added via PowerShell' (rule "
    "ce64d965-6cb0-466d-b74f-8d2c76f47f05, rules/windows/"
    "collection_persistence_powershell_exch_mailbox_activesync_add_device.toml): "
    "Set-CASMailbox -ActiveSyncAllowedDeviceIDs is T1098 / T1098.002; the name as ATT&CK v16.1 "
    "gives it (CTID Mappings Explorer)")
ATTACK_ALLOW_LIST = _attack(
    "T1098.002", "Account Manipulation: Additional Email Delegate Permissions",
    ATTACK % "T1098/002", ELASTIC_ALLOWED_DEVICE,
    "how detection vendors classify an addition to a user's ActiveSync allow list")
ATTACK_DEVICE_REGISTRATION = _attack(
    "T1098.005", "Account Manipulation: Device Registration", ATTACK % "T1098/005",
    "ATT&CK T1098.005, procedure example C0024 (SolarWinds Compromise): APT29 registered "
    "devices to enable mailbox syncing via Set-CASMailbox (the ATT&CK page as mirrored at "
    "redteam.y-security.de)",
    "a device allowed to sync a mailbox is a registered device")
SPLUNK_USER_ACL = (
    "Splunk security_content, 'Windows AD Dangerous User ACL Modification' "
    "(detections/endpoint/windows_ad_dangerous_user_acl_modification.yml, event 5136 on user "
    "objects): mitre_attack_id T1222.001, T1484")
ATTACK_DACL = _attack(
    "T1222.001", "File and Directory Permissions Modification: Windows File and Directory "
    "Permissions Modification", ATTACK % "T1222/001", SPLUNK_USER_ACL,
    "how detection vendors classify a change to a user object's DACL: the fix is one, and SIEM "
    "rules of this technique may fire when it runs")
ATTACK_DACL_RISKY = dict(ATTACK_DACL, note=(
    "the same rule fires on full control, WRITE_DAC, WRITE_OWNER or write-all-properties granted "
    "on a user object: what these rows would grant once inheritance is on"))
ELASTIC_ADMINSDHOLDER = (
    "Elastic security-docs, prebuilt rule 'AdminSDHolder Backdoor' (event 5136 on "
    "CN=AdminSDHolder,CN=System): Persistence, T1078 / T1078.002 and T1098")
ATTACK_ADMINSDHOLDER = [
    _attack(attack_id, title, ATTACK % path, ELASTIC_ADMINSDHOLDER,
            "how detection vendors classify a change to AdminSDHolder")
    for attack_id, title, path in (("T1078.002", "Valid Accounts: Domain Accounts", "T1078/002"),
                                   ("T1098", "Account Manipulation", "T1098"))]
PINGCASTLE_MITIGATIONS = ("vletoux/pingcastle @ 31d268da: Rules/RuleAttribute.cs "
                          "(MitreAttackMitigation ids) on the rule classes cited beside it")
ATTACK_MITIGATION = "https://attack.mitre.org/mitigations/%s/"
ATTACK_PRIVILEGED_ACCOUNTS = _attack(
    "M1026", "Privileged Account Management", ATTACK_MITIGATION % "M1026",
    PINGCASTLE_MITIGATIONS,
    "the mitigation PingCastle attaches to A-AdminSDHolder and P-AdminEmailOn")
ATTACK_AD_CONFIGURATION = _attack(
    "M1015", "Active Directory Configuration", ATTACK_MITIGATION % "M1015",
    PINGCASTLE_MITIGATIONS,
    "the mitigation PingCastle attaches to P-ExchangeAdminSDHolder, P-ExchangePrivEsc, "
    "P-DelegationEveryone and P-UnkownDelegation")

# -- Microsoft: the documents the fix follows. id: the KB number, else the page's last path
# segment.
# The project's research notes on AD and Exchange, where each of these pages is cited with its
# section; the notes are not shipped with the collection.
FACTS = "the project's AD facts notes (shared/reference/activesync_ad_facts.md)"


def _microsoft(doc_id: str, title: str, url: str, source: str, note: str) -> dict[str, str]:
    return dict(framework="Microsoft", id=doc_id, title=title, url=url, source=source, note=note)


MS_APPENDIX_C = _microsoft(
    "appendix-c--protected-accounts-and-groups-in-active-directory",
    "Appendix C: Protected Accounts and Groups in Active Directory",
    "https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/plan/security-best-practices/"
    "appendix-c--protected-accounts-and-groups-in-active-directory",
    "MicrosoftDocs/windowsserverdocs, WindowsServerDocs/identity/ad-ds/plan/"
    "security-best-practices/Appendix-C--Protected-Accounts-and-Groups-in-Active-Directory.md "
    "(APPC in %s)" % FACTS,
    "AdminSDHolder and SDProp: inheritance is disabled on protected accounts by design, and SDProp "
    "restores AdminSDHolder's DACL on them within the hour")
MS_KB817433 = _microsoft(
    "KB817433",
    "Delegated permissions are not available and inheritance is automatically disabled",
    "https://support.microsoft.com/topic/delegated-permissions-are-not-available-and-inheritance-"
    "is-automatically-disabled-56a70fa8-6d17-35ac-0f2c-87ec14b61980",
    "%s, section 4, orphaned adminCount" % FACTS,
    "why inheritance goes off on protected accounts, and stays off after they leave the group")
MS_INHERITANCE_POWERSHELL = _microsoft(
    "how-to-modify-security-inheritance-on-active-directory-objects-using-powershell",
    "How to modify security inheritance on Active Directory objects using PowerShell",
    "https://learn.microsoft.com/en-us/archive/blogs/muaddib/how-to-modify-security-inheritance-"
    "on-active-directory-objects-using-powershell",
    "%s, section 4, orphaned adminCount" % FACTS,
    "adminCount and disabled inheritance are not reversed when an account leaves the group: "
    "clear adminCount and turn inheritance back on, as the fix does")
MS_EXCHANGE_PERMISSIONS = _microsoft(
    "exchange-2013-deployment-permissions-reference-exchange-2013-help",
    "Exchange 2013 deployment permissions reference",
    "https://learn.microsoft.com/en-us/exchange/exchange-2013-deployment-permissions-reference-"
    "exchange-2013-help",
    "MicrosoftDocs/OfficeDocs-Exchange, Exchange/ExchangeServer2013/"
    "exchange-2013-deployment-permissions-reference-exchange-2013-help.md (EXDOC in %s, "
    "section 4)" % FACTS,
    "the ACEs Exchange setup grants, among them Exchange Servers' Create Child of "
    "msExchActiveSyncDevices that a user object receives by inheritance (and, on AdminSDHolder, "
    "what protected accounts receive from SDProp)")
MS_SET_CASMAILBOX = _microsoft(
    "set-casmailbox", "Set-CASMailbox",
    "https://learn.microsoft.com/en-us/powershell/module/exchange/set-casmailbox",
    "the Elastic rule cited for T1098.002 (its references) and PSDOC in %s, section 1.1"
    % FACTS,
    "ActiveSyncAllowedDeviceIDs and ActiveSyncBlockedDeviceIDs, the two lists")
MS_LEAST_PRIVILEGE = _microsoft(
    "implementing-least-privilege-administrative-models",
    "Implementing Least-Privilege Administrative Models",
    "https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/plan/security-best-practices/"
    "implementing-least-privilege-administrative-models",
    "MicrosoftDocs/windowsserverdocs, WindowsServerDocs/identity/ad-ds/plan/"
    "security-best-practices/implementing-leastprivilege-administrative-models.md",
    "read email with the least privileges necessary: not with a domain administrator's account")
MS_KB4490059 = _microsoft(
    "KB4490059", "Using shared permissions model to run Exchange Server",
    "https://support.microsoft.com/en-us/help/4490059/using-shared-permissions-model-to-run-"
    "exchange-server",
    "vletoux/pingcastle @ 31d268da: Healthcheck/Rules/RuleDescription.resx "
    "(P_ExchangePrivEsc_Documentation)",
    "the Exchange Windows Permissions rows: Microsoft's fix of the WRITE_DAC on the domain root")
MS_THROTTLING = _microsoft(
    "set-throttlingpolicy", "Set-ThrottlingPolicy",
    "https://learn.microsoft.com/en-us/powershell/module/exchange/set-throttlingpolicy",
    "%s, section 1.1, EasMaxDevices and EasMaxInactivityForDeviceCleanup" % FACTS,
    "EasMaxDevices (partnerships per user) and EasMaxInactivityForDeviceCleanup (stale "
    "partnerships removed by Exchange)")
MS_SET_MOBILE_POLICY = _microsoft(
    "set-mobiledevicemailboxpolicy", "Set-MobileDeviceMailboxPolicy",
    "https://learn.microsoft.com/en-us/powershell/module/exchange/set-mobiledevicemailboxpolicy",
    "MicrosoftDocs/office-docs-powershell @ 0e1b1ba6, exchange/exchange-ps/exchange/"
    "Set-MobileDeviceMailboxPolicy.md",
    "the cmdlet that changes a policy's settings: each CIS item's property is one of its "
    "parameters (PasswordEnabled, AllowNonProvisionableDevices, MinPasswordLength, ...)")
MS_KB3013802 = _microsoft(
    "KB3013802", "Exchange ActiveSync device is unexpectedly blocked by ABQ list",
    "https://learn.microsoft.com/en-us/exchange/troubleshoot/client-connectivity/"
    "eas-device-is-blocked-by-abq-list",
    "%s, section 1.1" % FACTS,
    "a wiped or reset device gets a new device ID: the old list entry stays behind")

# -- the kinds ----------------------------------------------------------------------------------
# key: the report's summary key (or the module result it comes from); label: as a heading says
# it (the one definition: the report's cards, tables and charts take it from here); meaning: one
# sentence for docs/benchmarks.md; where: what reports it.
REPORT = "compliance report"


def _kind(label: str, meaning: str, references: list[dict[str, str]], where: str = REPORT
          ) -> dict[str, Any]:
    return dict(label=label, meaning=meaning, where=where, references=references)


KINDS: dict[str, dict[str, Any]] = {
    "would_fail_act_now": _kind(
        "users whose first sync would fail - act now",
        "A user not protected by design whose first ActiveSync sync would fail (event "
        "1053): Exchange Servers cannot create the device container under the user, "
        "because inheritance is off or a deny blocks it.",
        [MS_EXCHANGE_PERMISSIONS]),
    "would_fail_protected": _kind(
        "first sync would fail, protected by design",
        "The same failure on a protected or unmarked account: SDProp stamps "
        "AdminSDHolder's DACL on it, so the fix leaves it alone; 'after SDProp' says "
        "whether AdminSDHolder carries Exchange's ACE.",
        [PC_EXCHANGE_ADMINSDHOLDER, MS_APPENDIX_C, MS_EXCHANGE_PERMISSIONS]),
    "inheritance_would_change": _kind(
        "objects the inheritance fix would change",
        "An object with inheritance off that the fix would turn back on.",
        [ATTACK_DACL, MS_EXCHANGE_PERMISSIONS, MS_INHERITANCE_POWERSHELL]),
    "risky_inherited": _kind(
        "risky rights the inheritance fix would pass down",
        "A right (full control, WRITE_DAC, WRITE_OWNER, write member, ...) set on a "
        "parent that the re-enabled objects would inherit.",
        [PC_EXCHANGE_PRIVESC, PC_EVERYONE, PC_UNKNOWN, ATTACK_DACL_RISKY,
         ATTACK_AD_CONFIGURATION, MS_KB4490059]),
    "admins_with_devices": _kind(
        "protected accounts with phones",
        "A protected or unmarked account with an ActiveSync partnership, or with "
        "ActiveSync on and a mailbox.",
        [PC_ADMIN_EMAIL, CIS_ADMIN_ACCOUNTS, ATTACK_PRIVILEGED_ACCOUNTS,
         MS_LEAST_PRIVILEGE]),
    "list_findings": _kind(
        "users with allow/block list findings",
        "A device ID on both of a user's lists, or stored twice in different case.",
        [ATTACK_ALLOW_LIST, ATTACK_DEVICE_REGISTRATION, MS_SET_CASMAILBOX]),
    "orphaned_accounts": _kind(
        "orphaned adminCount accounts",
        "adminCount=1 on an account no protected group holds any more: its inheritance "
        "stays off until someone turns it on.",
        [PC_ADMINCOUNT, ATTACK_PRIVILEGED_ACCOUNTS, MS_KB817433,
         MS_INHERITANCE_POWERSHELL, MS_APPENDIX_C]),
    "adminsdholder_findings": _kind(
        "AdminSDHolder deviations",
        "AdminSDHolder's owner, inheritance or an ACE that differs from Windows' "
        "default DACL, an Exchange ACE, or a risky right on it.",
        [PC_EXCHANGE_ADMINSDHOLDER, PC_EVERYONE, PC_UNKNOWN] + ATTACK_ADMINSDHOLDER
        + [ATTACK_AD_CONFIGURATION, MS_APPENDIX_C],
        where="protected_accounts_info (adminsdholder.findings)"),
    "stale_partnerships": _kind(
        "stale partnerships and list entries",
        "A device partnership nobody has synced for long, or an allow/block entry that "
        "matches no partnership of its user any more.",
        [ATTACK_DEVICE_REGISTRATION, MS_THROTTLING, MS_KB3013802],
        where="eas_device_cleanup (removed, stale_list_entries)"),
    "policy_below_baseline": _kind(
        "mobile policies below the CIS baseline",
        "A mobile device mailbox policy (msExchMobileMailboxPolicy) that misses at least "
        "one CIS Exchange Server 2019 Level 1 mobile item; the users it applies to are "
        "those linked to it and, for the default policy, every user without a link.",
        CIS_EXCHANGE_MOBILE + [MS_SET_MOBILE_POLICY],
        where="compliance report, eas_policy_info (policies[].baseline)"),
}
# What the compliance report shows, in its tables' order: report.json carries these.
REPORT_KINDS = ("would_fail_act_now", "would_fail_protected", "inheritance_would_change",
                "risky_inherited", "admins_with_devices", "list_findings", "orphaned_accounts",
                "policy_below_baseline")


def references_for(kind: str) -> list[dict[str, str]]:
    """The references of a kind of finding (copies); KeyError for a kind not in KINDS."""
    return copy.deepcopy(KINDS[kind]["references"])


def kind_label(kind: str) -> str:
    """A kind of finding as a heading, a card or a chart's legend says it; KeyError for a kind
    not in KINDS."""
    return str(KINDS[kind]["label"])


def label(reference: dict[str, str]) -> str:
    """A reference as a link says it: its framework and id; a Microsoft document by its title;
    a CIS item with its publication."""
    if reference["framework"] == "Microsoft":
        return "Microsoft: %s" % reference["title"]
    if reference["framework"] == "CIS":
        # the CIS Controls' safeguards, or an item of the CIS Exchange Server 2019 benchmark
        return "CIS %s %s" % ("Exchange 2019" if reference["url"] == CIS_EXCHANGE_URL
                              else "Controls", reference["id"])
    if reference["framework"] == "MITRE ATT&CK":
        return "ATT&CK %s" % reference["id"]
    return "%s %s" % (reference["framework"], reference["id"])


def report_references() -> dict[str, list[dict[str, str]]]:
    """{kind: references} of every kind the compliance report shows (report.json)."""
    return dict((kind, references_for(kind)) for kind in REPORT_KINDS)
