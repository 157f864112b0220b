# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance_info's run: the report directory marked incomplete first, what every user's row
needs read once (ReadinessSetup, the protected set's rows with their phones), the one pass
over the users of the Selection (_compliance.Compliance) with the device partnerships read
alongside on a second connection and each user counted for its mobile device mailbox policy,
who and what made the report (provenance), and the files. Reads only. Private."""

from __future__ import annotations

import datetime
import time
from typing import Any, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._errors import Failure, LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
    POLICY_SCHEMA, PolicyTally, read_policies)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._organization import (
    require_exchange_schema)
from ansible_collections.adremedy.directory.plugins.module_utils._exchange._eas_readiness import (
    DeviceCounts, ReadinessSetup)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import dn_key
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._prefetch import (
    Background, prefetch)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    missing_user, select_entries)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._run._compliance import (
    Compliance)
from ansible_collections.adremedy.directory.plugins.module_utils._run._protected_accounts import (
    report_objects)
from ansible_collections.adremedy.directory.plugins.module_utils._run._report import (
    ReportWriter, make_verdict, mark_incomplete)
from ansible_collections.adremedy.directory.plugins.module_utils._run._version import (
    COLLECTION_VERSION, ansible_core_version)
from ansible_collections.adremedy.directory.plugins.module_utils._security._descriptors import (
    guid_of)

# Users read before the device partnerships are counted that are kept in memory (about 1 KB
# each, their descriptors shared) before the users' read waits for the devices.
MAX_WAITING = 10000
# LDAP results that mean the policies are not there to read: the schema lacks their class
# (undefinedAttributeType, require_exchange_schema), no Exchange organization or settings
# container (noSuchObject), none of ours (no code: e.g. two organizations, which a report cannot
# choose between). Anything else - a DC lost mid-read (52) - ends the run as before.
POLICIES_ABSENT = (17, 32, None)


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def start(report_dir: str | None) -> None:
    """Before anything is read: the report directory marked incomplete (INCOMPLETE.json), so
    a run that stops leaves no report that looks whole and current."""
    if report_dir:
        try:
            mark_incomplete(report_dir, utc_now())
        except (IOError, OSError) as exc:
            raise Failure("cannot write the report to %s: %s" % (report_dir, exc))


def mobile_policies(client: LdapClient) -> tuple[PolicyTally | None, str | None]:
    """The organization's mobile device mailbox policies, read before the users' pass counts
    its users for each: (PolicyTally, None), or (None, why not) when they cannot be read
    because they are not there (POLICIES_ABSENT): the report then says so instead of the
    section."""
    try:
        require_exchange_schema(client, POLICY_SCHEMA)
        policies, warnings = read_policies(client)
    except LdapError as exc:
        if exc.code not in POLICIES_ABSENT:
            raise
        return None, str(exc)
    return PolicyTally(policies, warnings=warnings), None


def read_directory(client: LdapClient, selection: Mapping[str, Any], params: Mapping[str, Any],
                   writer: ReportWriter | None, second: LdapClient | None = None,
                   catalog: Any = None) -> tuple[dict[str, Any], Compliance]:
    """One pass over the users: (the report's document without the per-user rows, which went
    to the writer, the Compliance that made it). With a second connection, the device
    partnerships are read on it while the users stream in on the others; users that arrive
    before the devices are counted wait in memory (their descriptors shared), up to
    MAX_WAITING."""
    devices = Background(lambda: DeviceCounts.of_selection(second, selection)) if second \
        else None
    setup = ReadinessSetup(client, None if second else selection, catalog)
    exs = setup.exchange
    objects, phones = report_objects(setup.protected, client,
                                     params["protected_base"] or selection["search_base"])
    for obj in objects:  # their objectGUID was read with them: the trend matches by it
        known = setup.protected.entries.get(dn_key(obj["dn"]))
        obj.setdefault("object_guid", guid_of(known) if known is not None else None)
    # AdminSDHolder's verdict and the policies are read now, before the users' read keeps the
    # connection busy
    setup.after_sdprop.verdict()
    policies, policies_note = mobile_policies(client)
    compliance = Compliance(setup.protected.by_dn(), objects, setup.counts,
                            dict(dn=exs["dn"], sid=exs["sid"], token=exs["token"],
                                 servers=exs["servers"]),
                            setup.container_guid, setup.sddl, setup.after_sdprop, phones,
                            policies, policies_note)
    waiting: list[Entry] = []

    def add(entry: Entry) -> None:
        user = compliance.add(entry)
        if user is not None and writer is not None:
            writer.add_user(*user)

    entries = select_entries(client, selection, compliance.attributes, missing_user)
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
    doc = compliance.report(client, selection["search_base"] or ", ".join(selection["dn"]),
                            utc_now())
    return doc, compliance


def reader_of(client: LdapClient, params: Mapping[str, Any]) -> str:
    """The account that read, as the DC names it (LDAP Who am I?, RFC 4532), else bind_dn."""
    try:
        conn: Any = client.conn
        who = conn.extend.standard.who_am_i()
    except Exception:  # pylint: disable=broad-except
        who = None
    if isinstance(who, bytes):
        who = who.decode("utf-8", "replace")
    if who:
        return who[3:] if who[:3] in ("dn:", "u:") else who
    return params.get("bind_dn") or "(the ticket cache's principal)"


def provenance(client: LdapClient, params: Mapping[str, Any], started: str,
               began: float) -> dict[str, Any]:
    """Who and what made the report (the options as the user gave them)."""
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


def write_report(client: LdapClient, selection: Mapping[str, Any], params: Mapping[str, Any],
                 catalog: Any = None) -> tuple[dict[str, Any], dict[str, str] | None]:
    """The report's document and its files; the devices on a connection of their own to the
    same DC when read_connections is above 1."""
    second = writer = None
    try:
        if params["report_dir"]:
            writer = ReportWriter(params["report_dir"], params["title"])
        if params["read_connections"] > 1:
            second = client.same_server()
        started, began = utc_now(), time.monotonic()
        doc, compliance = read_directory(client, selection, params, writer, second, catalog)
        doc["provenance"] = provenance(client, params, started, began)
        doc["warnings"] = compliance.warnings
        doc["verdict"] = make_verdict(doc, params["fail_on_findings"])
        files = writer.finish(doc) if writer else None
    except (IOError, OSError) as exc:
        raise Failure("cannot write the report to %s: %s" % (params["report_dir"], exc))
    finally:
        if second is not None:
            second.close()
        if writer is not None:
            writer.abort()  # the temporary files go; after finish() there are none
    return doc, files


def module_result(doc: Mapping[str, Any], files: dict[str, str] | None) -> dict[str, Any]:
    """compliance_info's result: the summary, counts and file paths, never per-user rows."""
    result = dict(changed=False, summary=doc["summary"], finding_counts=doc["finding_counts"],
                  findings=doc["findings"], plan_counts=doc["inheritance_plan"]["counts"],
                  verdict=doc["verdict"], provenance=doc["provenance"],
                  generated=doc["generated"], exchange_servers=doc["exchange_servers"])
    if files:
        result["files"] = files
    if doc.get("trend"):  # bounded: the first LIST_LIMIT findings of each change, 52 points
        result["trend"] = doc["trend"]
    return result
