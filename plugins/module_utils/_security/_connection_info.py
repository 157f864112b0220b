# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the connection_info module reports: what a DC offers (TLS and its certificate, SASL
mechanisms, controls, name, site, functional levels, Global Catalog), how the bind was made and
protected, who the account is (its token by name) and whether it can read what the collection
reads. Read-only; nothing secret is returned."""

from __future__ import annotations

import datetime
from typing import Any, Callable, Iterable, Mapping

from ansible_collections.adremedy.directory.plugins.module_utils._errors import (
    Failure, DnError, LdapError)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._dn import (
    first_rdn_value, parent)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._search import (
    escape_filter_bytes, escape_filter_value, read_objects_matching)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._settings import (
    parse_server, server_uri)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import (
    Entry, LdapClient)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    sid_from_str, sid_to_str)

CONTROLS = dict(
    paged_results="1.2.840.113556.1.4.319",
    sd_flags="1.2.840.113556.1.4.801",
    permissive_modify="1.2.840.113556.1.4.1413",
    tree_delete="1.2.840.113556.1.4.805",
)
# msDS-Behavior-Version values (MS-ADTS 6.1.4.2)
FUNCTIONAL_LEVELS = {0: "2000", 1: "2003 interim", 2: "2003", 3: "2008", 4: "2008 R2", 5: "2012",
                     6: "2012 R2", 7: "2016", 10: "2025"}
# SIDs a token holds that no directory object carries
WELL_KNOWN = {
    "S-1-1-0": "Everyone", "S-1-5-2": "NETWORK", "S-1-5-4": "INTERACTIVE",
    "S-1-5-11": "Authenticated Users", "S-1-5-15": "This Organization",
    "S-1-5-64-10": "NTLM Authentication", "S-1-5-64-14": "SChannel Authentication",
    "S-1-5-64-21": "Digest Authentication",
    "S-1-18-1": "Authentication authority asserted identity",
    "S-1-18-2": "Service asserted identity",
    "S-1-5-32-544": "BUILTIN\\Administrators", "S-1-5-32-545": "BUILTIN\\Users",
    "S-1-5-32-548": "BUILTIN\\Account Operators", "S-1-5-32-549": "BUILTIN\\Server Operators",
    "S-1-5-32-550": "BUILTIN\\Print Operators", "S-1-5-32-551": "BUILTIN\\Backup Operators",
    "S-1-5-32-554": "BUILTIN\\Pre-Windows 2000 Compatible Access",
    "S-1-5-32-560": "BUILTIN\\Windows Authorization Access Group",
}
ROOT_DSE = ["dnsHostName", "serverName", "dsServiceName", "defaultNamingContext",
            "configurationNamingContext", "supportedSASLMechanisms", "supportedControl",
            "supportedLDAPVersion", "domainFunctionality", "forestFunctionality",
            "domainControllerFunctionality", "isGlobalCatalogReady", "isSynchronized",
            "currentTime"]


def certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, subject alternative names and expiry of a DER certificate."""
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        san_dns = names.get_values_for_type(x509.DNSName)
        san_ip = [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        san_dns, san_ip = [], []
    not_after = getattr(cert, "not_valid_after_utc", None) or \
        cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    left = not_after - datetime.datetime.now(datetime.timezone.utc)
    return dict(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                san_dns=list(san_dns), san_ip=san_ip, not_after=not_after.isoformat(),
                days_left=left.days, signature_hash=getattr(cert.signature_hash_algorithm,
                                                            "name", None))


def tls_of(client: LdapClient, validated: bool) -> dict[str, Any] | None:
    """The TLS session of the client's connection (LDAPS or StartTLS), None without TLS."""
    sock = getattr(getattr(client, "conn", None), "socket", None)
    if sock is None or not hasattr(sock, "getpeercert"):
        return None
    der = sock.getpeercert(True)
    cipher = sock.cipher() or (None,)
    return dict(version=sock.version(), cipher=cipher[0], validated=validated,
                certificate=certificate(der) if der else None)


def bind_of(client: LdapClient, auth: str) -> dict[str, Any]:
    """How the client bound and what protects the connection now."""
    bound = getattr(client, "bind_info", None)
    if bound is None:
        return dict(auth=auth, mechanism=None, protocol=None, protection=None, sealed=False,
                    channel_binding=False, kerberos_not_used=None)
    return dict(auth=auth, mechanism=bound.mechanism, protocol=bound.protocol,
                protection=bound.protection, sealed=bound.sealed,
                channel_binding=bound.channel_bound,
                kerberos_not_used=getattr(bound, "fallback", None))


def _level(entry: Entry, name: str) -> str | None:
    value = entry.int(name)
    return None if value is None else FUNCTIONAL_LEVELS.get(value, str(value))


def site_of(server_name: str | None) -> str | None:
    """The site in serverName (CN=DC1,CN=Servers,CN=<site>,CN=Sites,CN=Configuration,...)."""
    if not server_name:
        return None
    try:
        return first_rdn_value(parent(parent(server_name)))
    except DnError:  # an unexpected spelling: no site rather than a failure
        return None


def offer_of(root: Entry | None) -> dict[str, Any]:
    """What the DC's RootDSE says it offers and is."""
    if root is None:
        return dict(dc=None, sasl_mechanisms=[], controls={}, supported_controls=[])
    controls = sorted(set(root.texts("supportedControl")))
    return dict(
        dc=dict(dns_host_name=root.text("dnsHostName"), server=root.text("serverName"),
                site=site_of(root.text("serverName")),
                domain=root.text("defaultNamingContext"),
                domain_functionality=_level(root, "domainFunctionality"),
                forest_functionality=_level(root, "forestFunctionality"),
                dc_functionality=_level(root, "domainControllerFunctionality"),
                global_catalog=(root.text("isGlobalCatalogReady") or "").upper() == "TRUE",
                synchronized=(root.text("isSynchronized") or "").upper() == "TRUE",
                current_time=root.text("currentTime")),
        sasl_mechanisms=root.texts("supportedSASLMechanisms"),
        controls=dict((name, oid in controls) for name, oid in CONTROLS.items()),
        supported_controls=controls,
    )


def names_of(client: LdapClient, base: str, sids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{sid: {name, dn, classes}} for the SIDs the domain holds (one search per ten)."""
    sids = list(sids)
    found: dict[str, dict[str, Any]] = {}
    clauses = ["(objectSid=%s)" % escape_filter_bytes(sid_from_str(sid)) for sid in sids]
    for entry in read_objects_matching(client, base, clauses,
                                       ["objectSid", "sAMAccountName", "objectClass"]):
        raw = entry.raw("objectSid")
        if raw is None:
            continue  # matched by its objectSid, so it has one
        sid = sid_to_str(raw)
        found[sid] = dict(name=entry.text("sAMAccountName"), dn=entry.dn,
                          classes=[c.lower() for c in entry.texts("objectClass")])
    return found


def whoami(client: LdapClient) -> str | None:
    """The Who am I? extended operation (RFC 4532): 'u:EXAMPLE\\svc' or 'dn:CN=...', None
    where the DC does not offer it (Samba)."""
    conn = getattr(client, "conn", None)
    if conn is None:
        return None
    try:
        answer = conn.extend.standard.who_am_i()
    except Exception:  # ldap3 raises on some servers; the operation is optional
        return None
    return answer or None


def _account_named(client: LdapClient, base: str, me: str) -> dict[str, Any] | None:
    """The account a Who am I? answer names ('dn:CN=...' or 'u:EXAMPLE\\sam'), or None."""
    attributes = ["objectSid", "sAMAccountName"]
    try:
        if me.startswith("dn:"):
            entry = client.read(me[3:], attributes)
        elif me.startswith("u:"):
            sam = me[2:].split("\\")[-1]
            entry = next(iter(client.search(base, "(sAMAccountName=%s)" % escape_filter_value(sam),
                                            attributes)), None)
        else:
            entry = None
    except LdapError:
        entry = None
    raw = entry.raw("objectSid") if entry is not None else None
    if entry is None or not raw:
        return None
    return dict(sid=sid_to_str(raw), dn=entry.dn,
                name=entry.text("sAMAccountName"), classes=[])


def account_of(client: LdapClient, root: Entry | None) -> dict[str, Any]:
    """Who the bound account is: Who am I?, and its token (the RootDSE's tokenGroups) by name;
    the account itself is the user among the token's SIDs."""
    base = client.root_dse.default_naming_context
    sids = [sid_to_str(blob) for blob in (root.raws("tokenGroups") if root else [])]
    named = names_of(client, base, [s for s in sids if s not in WELL_KNOWN]) if sids else {}
    user = next((dict(sid=sid, **named[sid]) for sid in sids if sid in named
                 and "user" in named[sid]["classes"] and "computer" not in named[sid]["classes"]),
                None)
    me = whoami(client)
    if user is None and me:  # AD's RootDSE tokenGroups may leave the account's own SID out
        user = _account_named(client, base, me)
    groups = []
    for sid in sids:
        if user is not None and sid == user["sid"]:
            continue
        name = named.get(sid, {}).get("name") or WELL_KNOWN.get(sid)
        groups.append(dict(sid=sid, name=name))
    return dict(whoami=me, dn=user["dn"] if user else None,
                sam_account_name=user["name"] if user else None,
                sid=user["sid"] if user else None, groups=groups)


def rights_of(client: LdapClient, account_dn: str | None) -> dict[str, Any]:
    """Whether the account reads what the collection reads: nTSecurityDescriptor with SD
    flags 4 (the DACL) on the domain head and on its own object, and Exchange's configuration."""
    root = client.root_dse
    result: dict[str, Any] = {}
    for key, dn in (("read_dacl_domain", root.default_naming_context),
                    ("read_dacl_own_object", account_dn)):
        if not dn:
            result[key] = None
            continue
        try:
            entry = client.read(dn, ["nTSecurityDescriptor"])
            result[key] = bool(entry is not None and entry.raw("nTSecurityDescriptor"))
        except LdapError:
            result[key] = False
    exchange = "CN=Microsoft Exchange,CN=Services,%s" % root.configuration_naming_context
    try:
        if client.read(exchange, ["cn"]) is None:
            result.update(exchange_configuration="absent", exchange_organizations=[])
            return result
        organizations = [e.text("cn") or e.dn for e in client.search(
            exchange, "(objectClass=msExchOrganizationContainer)", ["cn"], scope="onelevel")]
        result.update(exchange_configuration="readable", exchange_organizations=organizations)
    except LdapError:
        result.update(exchange_configuration="unreadable", exchange_organizations=[])
    return result


def describe_server(client: LdapClient, uri: str,
                    settings: Mapping[str, Any]) -> tuple[dict[str, Any], Entry | None]:
    """One server's entry (what it offers, how the bind was made and protected) and its
    RootDSE as read (with the account's tokenGroups)."""
    root = client.read("", ROOT_DSE + ["tokenGroups"], what="RootDSE")
    info = dict(server=uri, reachable=True, error=None,
                tls=tls_of(client, bool(settings.get("validate_certs", True))),
                bind=bind_of(client, settings.get("auth") or "simple"))
    info.update(offer_of(root))
    return info, root


def check_server(new_client: Callable[[str], LdapClient], settings: Mapping[str, Any], uri: str,
                 first: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """One server's entry; with first, also the account and its rights. new_client(uri) is
    an LdapClient for that server alone, not connected yet (the module base's new_client)."""
    scheme, host, port = parse_server(uri)
    name = server_uri(scheme, host, port)
    client = new_client(uri)
    try:
        client.connect()
        info, root = describe_server(client, name, settings)
        extra = {}
        if first:
            extra["account"] = account_of(client, root)
            extra["rights"] = rights_of(client, extra["account"]["dn"])
        return info, extra
    finally:
        client.close()


def check_servers(new_client: Callable[[str], LdapClient],
                  settings: Mapping[str, Any]) -> dict[str, Any]:
    """connection_info's result: each server in settings["server"] bound in turn and
    described, the account and its rights from the first that binds. A server that cannot be
    bound is reported with its one-line error and the next is tried; a refused account stops
    there (no lockout spray over the list). Failure, with the servers, when none could be
    bound."""
    servers: list[dict[str, Any]] = []
    account = rights = refused = None
    for uri in settings["server"]:
        if refused is not None:
            servers.append(dict(server=uri, reachable=False, error="not tried: the account "
                                "was refused by the server before"))
            continue
        try:
            info, extra = check_server(new_client, settings, uri, account is None)
        except LdapError as exc:
            servers.append(dict(server=uri, reachable=False, error=str(exc)))
            if exc.code == 49 or " bind as " in str(exc):
                refused = exc
            continue
        servers.append(info)
        if account is None:
            account, rights = extra["account"], extra["rights"]
    if account is None:
        raise Failure("no server could be bound: %s"
                      % "; ".join(s["error"] for s in servers if s.get("error")),
                      servers=servers, account=None, rights=None)
    return dict(changed=False, servers=servers, account=account, rights=rights)
