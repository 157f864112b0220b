#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: compliance_info
short_description: The Exchange ActiveSync compliance report in one read of the directory
version_added: 2.0.0
description:
  - Reads every user in scope once (paged, SD flags 0x4) and works out from that one pass what
    M(adremedy.directory.eas_readiness_info) (who would hit event 1053 and why),
    M(adremedy.directory.inheritance) in check mode (the inheritance fix's plan) and
    M(adremedy.directory.protected_accounts_info) (protected, unmarked and orphaned accounts)
    report, and the allow and block list findings.
  - With O(report_dir), writes the report files there while the users stream past, namely
    C(report.json) (machine-readable), C(users.csv) (one row per user), C(report.md) and
    C(report.html) (one self-contained page, summary and findings first; the per-user table is
    drawn from data embedded in the page, a page at a time, sortable and filterable). Each file is
    written under a temporary name and the four are renamed into place together when all are
    complete; C(INCOMPLETE.json) marks the directory from the start of the run until then, so a
    failed run leaves no report that looks whole and current.
  - The HTML and Markdown reports open with a verdict (pass or fail against O(fail_on_findings)),
    three sentences to forward and the C(ansible-playbook adremedy.directory.enforce_inheritance)
    command, with this report's values, that fixes what a playbook can fix; then the counts
    (the findings total is the sum of the finding counts), how the report was made
    (RV(provenance)), and the tables, each saying what to do about its rows. They also list the
    risky rights the inheritance fix would pass down (as M(adremedy.directory.inheritance)'s
    C(risky_inherited)) and the protected accounts with phones.
  - Returns the summary, the findings counts and the file paths, never a per-user list, so the
    result stays small on any directory.
  - With O(read_connections) above V(1), the device partnerships are read on one more
    connection while the users stream in on the others.
  - Reads only; the report files are written in check mode too (they change nothing in the
    directory). The files are written where the module runs, normally the controller.
  - Report cells are made safe for their readers, namely CSV cells starting with C(=), C(+),
    C(-), C(@), a tab or a carriage return get a leading C('), Markdown and HTML escape markup
    (device models and names come from phones).
extends_documentation_fragment:
  - adremedy.directory.connection
  - adremedy.directory.selection.INFO_MODULE
  - adremedy.directory.selection
options:
  report_dir:
    description:
      - Directory the four report files are written to (created when missing). Without it,
        only the summary and counts are returned.
    type: path
  title:
    description: Title of the Markdown and HTML reports.
    type: str
    default: Exchange ActiveSync compliance
  fail_on_findings:
    description:
      - The gate the report's verdict is judged against - with V(true) a report with findings
        says the run fails (the module itself never fails on findings; the
        C(compliance_report) role does). Recorded in RV(verdict).
    type: bool
    default: false
    version_added: 2.0.0
  protected_base:
    description:
      - Protected and orphaned accounts are listed at or below this DN. Defaults to
        O(search_base) (the whole domain with O(dn)).
    type: str
seealso:
  - module: adremedy.directory.eas_readiness_info
  - module: adremedy.directory.inheritance
  - module: adremedy.directory.protected_accounts_info
author:
  - adremedy.directory maintainers (@adremedy)
"""

EXAMPLES = r"""
- name: The compliance report of OU=Staff, its four files written to /srv/reports/eas
  adremedy.directory.compliance_info:
    search_base: OU=Staff,DC=example,DC=com
    report_dir: /srv/reports/eas
  register: report

- name: Gate on findings
  ansible.builtin.assert:
    that: report.findings == 0
    fail_msg: "{{ report.findings }} findings, see {{ report.files.html }}"
"""

RETURN = r"""
verdict:
  description:
    - Pass or fail against the gate (O(fail_on_findings)), three sentences a manager can
      forward, the command that fixes what a playbook can fix (null when nothing), and
      C(message), the one-line account of the findings the role's messages use.
  returned: success
  type: dict
  version_added: 2.0.0
provenance:
  description:
    - Which DC answered (its C(dnsHostName)), the account that read (as the DC names it, else
      the configured bind_dn), the collection and ansible-core versions, the options that
      shaped the report, when it started (UTC) and how long it took in seconds.
  returned: success
  type: dict
  version_added: 2.0.0
summary:
  description:
    - Counts over the users in scope, the keys of RV(adremedy.directory.eas_readiness_info#module:summary)
      and the inheritance plan's and protected accounts' counts.
  returned: success
  type: dict
  sample:
    users: 50
    would_fail: 6
    would_fail_act_now: 3
    would_fail_protected: 3
    inheritance_would_change: 3
    list_findings: 2
    inheritance_skipped: 4
    protected_accounts: 3
    unmarked_accounts: 1
    orphaned_accounts: 2
finding_counts:
  description:
    - Findings by kind, namely users not protected by design whose first sync would fail,
      objects the inheritance fix would change, users with list conflicts or case-duplicates,
      orphaned adminCount accounts.
  returned: success
  type: dict
  sample: {would_fail: 3, inheritance_would_change: 3, list_findings: 2, orphaned_accounts: 2}
findings:
  description: The sum of RV(finding_counts).
  returned: success
  type: int
plan_counts:
  description: The inheritance fix's counts, as M(adremedy.directory.inheritance) returns them in check mode.
  returned: success
  type: dict
  sample: {matched: 57, changed: 3, unchanged: 50, skipped: 4, failed: 0}
files:
  description: The report files written, by format (C(json), C(csv), C(markdown), C(html)).
  returned: when report_dir is set
  type: dict
  sample: {json: /srv/reports/eas/report.json, csv: /srv/reports/eas/users.csv}
generated:
  description: When the report was made (UTC).
  returned: success
  type: str
exchange_servers:
  description:
    - The Exchange Servers group used, and the SIDs Exchange creates the devices container with
      (RV(exchange_servers.token)) - the group and the groups it is nested in, Everyone,
      Authenticated Users and, for each account that is a member of the group (the Exchange
      servers' computer accounts), its own SID and its groups (C(tokenGroups), such as Domain Computers,
      Exchange Trusted Subsystem and the like), so that a deny on any of them is seen.
    - Each server is judged with its own token (RV(exchange_servers.servers)); Exchange can create
      the container only when every server can.
  returned: success
  type: dict
  contains:
    dn:
      description: The Exchange Servers group's DN.
      type: str
    sid:
      description: The Exchange Servers group's SID.
      type: str
    token:
      description: Every SID of every Exchange server's token.
      type: list
      elements: str
    servers:
      description: Each account that is a member of Exchange Servers, with its token.
      type: list
      elements: dict
      version_added: 2.0.0
"""

import datetime
import time

from ansible_collections.adremedy.directory.plugins.module_utils._run._argspec import ArgumentSpec
from ansible_collections.adremedy.directory.plugins.module_utils._run._compliance import Compliance
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key, is_at_or_below
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_access import (
    PROTECTED_CLASSES, account_phones, phone_counts)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    AfterSdprop, DeviceCounts, exchange_token)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    DEVICES_CONTAINER_CLASS, exchange_servers, schema_guid)
from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    LdapError, check_selection, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._run._module import AdremedyModule
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._prefetch import (
    Background, prefetch)
from ansible_collections.adremedy.directory.plugins.module_utils._security._protected import ProtectedSet
from ansible_collections.adremedy.directory.plugins.module_utils._run._report import (
    ReportWriter, make_verdict, mark_incomplete)
from ansible_collections.adremedy.directory.plugins.module_utils._run._version import (
    COLLECTION_VERSION, ansible_core_version)
from ansible_collections.adremedy.directory.plugins.module_utils._security._sddl import Sddl

OPTIONS = ArgumentSpec(dict(
    report_dir=dict(type="path"),
    title=dict(type="str", default="Exchange ActiveSync compliance"),
    protected_base=dict(type="str"),
    fail_on_findings=dict(type="bool", default=False),
))


def missing(dn):
    raise LdapError("user %s does not exist: noSuchObject (32)" % dn, code=32, dn=dn)


# Users read before the device partnerships are counted that are kept in memory (about 1 KB
# each, their descriptors shared) before the users' read waits for the devices.
MAX_WAITING = 10000


def read_directory(client, params, writer, second=None, catalog=None):
    """One pass over the users: (the report's document without the per-user rows, which went
    to the writer, the Compliance that made it). With a second connection, the device
    partnerships are read on it while the users stream in on the others; users that arrive
    before the devices are counted wait in memory (their descriptors shared), up to
    MAX_WAITING."""
    check_selection(client, params)
    devices = Background(lambda: DeviceCounts.of_selection(second, params)) if second else None
    dse = client.root_dse
    sddl = Sddl(dse.domain_sid, dse.forest_root_sid)
    exs = exchange_token(client, exchange_servers(client))
    container_guid = schema_guid(client, DEVICES_CONTAINER_CLASS)[0]
    counts = DeviceCounts() if second else DeviceCounts.of_selection(client, params)
    found = ProtectedSet(client, catalog).load()
    base = params["protected_base"] or params["search_base"]
    objects = [o for o in found.objects() if not base or is_at_or_below(o["dn"], base)]
    phones = add_phones(client, objects)
    # AdminSDHolder's verdict is read now, before the users' read keeps the connection busy
    after_sdprop = AfterSdprop(client, exs["token"], container_guid, sddl)
    after_sdprop.verdict()
    compliance = Compliance(found.by_dn(), objects, counts,
                            dict(dn=exs["dn"], sid=exs["sid"], token=exs["token"],
                                 servers=exs["servers"]),
                            container_guid, sddl, after_sdprop, phones)
    waiting = []

    def add(entry):
        user = compliance.add(entry)
        if user is not None and writer is not None:
            writer.add_user(*user)

    entries = select_entries(client, params, compliance.attributes, missing)
    if params["read_connections"] == 1:
        entries = prefetch(entries)  # a split read reads ahead in its own threads already
    for entry in entries:
        if devices is not None:
            # users that come before the devices are counted wait, up to MAX_WAITING: then the
            # users' read pauses (its queues fill) until the devices are in, so memory stays
            # bounded however fast the users come
            if not devices.done() and len(waiting) < MAX_WAITING:
                waiting.append(compliance.cache.intern(entry))
                continue
            compliance.device_counts = devices.result()
            devices = None
        if waiting:
            for early in waiting:
                add(early)
            waiting = []
        add(entry)
    if devices is not None:
        compliance.device_counts = devices.result()
    for entry in waiting:
        add(entry)
    doc = compliance.report(client, params["search_base"] or ", ".join(params["dn"]),
                            utc_now())
    return doc, compliance


def add_phones(client, objects):
    """mail, activesync_enabled and devices on every protected and unmarked row, as
    protected_accounts_info gives them (account_phones), read before the users' read; the
    phone counts (None where the forest's schema cannot tell)."""
    admins = [o for o in objects if o["classification"] in PROTECTED_CLASSES]
    phones, how = account_phones(client, admins)
    for obj in admins:
        obj.update(phones[dn_key(obj["dn"])])
    return phone_counts(objects, how)


def reader_of(client, params):
    """The account that read, as the DC names it (LDAP Who am I?, RFC 4532), else bind_dn."""
    try:
        who = client.conn.extend.standard.who_am_i()
    except Exception:  # pylint: disable=broad-except
        who = None
    if isinstance(who, bytes):
        who = who.decode("utf-8", "replace")
    if who:
        return who[3:] if who[:3] in ("dn:", "u:") else who
    return params.get("bind_dn") or "(the ticket cache's principal)"


def provenance(client, params, started, began):
    """Who and what made the report."""
    options = dict((key, params.get(key)) for key in (
        "search_base", "dn", "scope", "filter", "protected_base"))
    if options["search_base"]:
        options.pop("dn")
    else:
        options.pop("scope")
    return dict(dc=client.root_dse.dns_host_name, read_as=reader_of(client, params),
                collection_version=COLLECTION_VERSION,
                ansible_core_version=ansible_core_version(), options=options,
                started=started, duration_seconds=round(time.monotonic() - began, 1))


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_report(module, client, catalog=None):
    """The report's document and its files; the devices on a connection of their own to the
    same DC when read_connections is above 1."""
    params = module.params
    second = writer = None
    try:
        if params["report_dir"]:
            writer = ReportWriter(params["report_dir"], params["title"])
        if params["read_connections"] > 1:
            second = client.same_server()
        started, began = utc_now(), time.monotonic()
        doc, compliance = read_directory(client, params, writer, second, catalog)
        doc["provenance"] = provenance(client, params, started, began)
        doc["warnings"] = compliance.warnings
        doc["verdict"] = make_verdict(doc, params["fail_on_findings"])
        files = writer.finish(doc, compliance.outcome.summary(check_mode=True)) if writer else None
    except (IOError, OSError) as exc:
        raise Failure("cannot write the report to %s: %s" % (params["report_dir"], exc))
    finally:
        if second is not None:
            second.close()
        if writer is not None:
            writer.abort()  # the temporary files go; after finish() there are none
    return doc, files


def main():
    module = AdremedyModule(OPTIONS, selection=True)
    params = module.params
    if params["report_dir"]:
        try:
            mark_incomplete(params["report_dir"], utc_now())
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot write the report to %s: %s"
                             % (params["report_dir"], exc))
    with module.client() as client, module.global_catalog() as catalog:
        doc, files = write_report(module, client, catalog)
    for warning in doc.get("warnings") or []:
        module.warn(warning)
    result = dict(changed=False, summary=doc["summary"], finding_counts=doc["finding_counts"],
                  findings=doc["findings"], plan_counts=doc["inheritance_plan"]["counts"],
                  verdict=doc["verdict"], provenance=doc["provenance"],
                  generated=doc["generated"], exchange_servers=doc["exchange_servers"])
    if files:
        result["files"] = files
    module.exit_json(**result)


if __name__ == "__main__":
    main()
