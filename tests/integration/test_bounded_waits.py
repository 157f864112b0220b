"""Bounded waits against real silent listeners: a DC that accepts TCP and then says nothing costs
connect_timeout plus a little, names the server and the phase, and the next server is tried; a DC
that stops answering mid-search fails within operation_timeout naming the operation and the base,
never with a partial set."""

import os
import time

import pytest

from conftest import STAFF
from faults import FreezingProxy, SilentAfterTls, SilentServer

from ansible_collections.adremedy.directory.plugins.module_utils._errors import LdapError
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import LdapClient

TIMEOUT = 3
SLACK = 1.5  # seconds over the timeout that a silent DC may cost (measured: < 0.1)
WAITS = []  # (case, seconds) measured here, printed at the end for the notes


@pytest.fixture(scope="module", autouse=True)
def report_waits():
    yield
    if WAITS:
        print("\nlongest waits against a silent DC: " + ", ".join(
            "%s %.2f s" % case for case in sorted(WAITS, key=lambda c: -c[1])))


def client(lab, servers, **overrides):
    params = dict(server=servers, ca_cert=lab["ca_cert"], bind_dn=lab["bind_dn"],
                  password=lab["password"], auth="simple", start_tls=False,
                  validate_certs=True, connect_timeout=TIMEOUT, operation_timeout=TIMEOUT)
    params.update(overrides)
    return LdapClient(params)


def timed_failure(case, lab, servers, **overrides):
    start = time.monotonic()
    with pytest.raises(LdapError) as err:
        client(lab, servers, **overrides).connect()
    elapsed = time.monotonic() - start
    WAITS.append((case, elapsed))
    assert elapsed < TIMEOUT + SLACK, (case, elapsed)
    assert err.value.code == 52 and "\n" not in str(err.value)
    return str(err.value)


@pytest.fixture
def silent():
    with SilentServer() as server:
        yield server


def test_ldaps_to_a_silent_dc_ends_at_the_tls_handshake(lab, silent):
    uri = "ldaps://127.0.0.1:%d" % silent.port
    msg = timed_failure("LDAPS", lab, [uri])
    assert msg == ("cannot reach any server: TLS handshake with %s did not finish within %d s"
                   % (uri, TIMEOUT))
    assert WAITS[-1][1] >= TIMEOUT - 0.1  # it waited for the handshake, not the default 120 s


def test_start_tls_to_a_silent_dc_ends_at_start_tls(lab, silent):
    uri = "ldap://127.0.0.1:%d" % silent.port
    msg = timed_failure("StartTLS", lab, [uri], start_tls=True)
    assert msg == ("cannot reach any server: StartTLS with %s did not finish within %d s"
                   % (uri, TIMEOUT))


def test_a_dc_that_finishes_tls_but_never_answers_the_bind(lab):
    tls_dir = os.path.dirname(lab["ca_cert"])
    with SilentAfterTls(os.path.join(tls_dir, "server.pem"),
                        os.path.join(tls_dir, "server.key")) as dead:
        uri = "ldaps://127.0.0.1:%d" % dead.port
        msg = timed_failure("bind over LDAPS", lab, [uri])
    assert msg == ("cannot reach any server: bind as %s to %s did not finish within %d s"
                   % (lab["bind_dn"], uri, TIMEOUT))


def test_every_silent_server_costs_one_connect_timeout(lab, silent):
    servers = ["ldaps://127.0.0.1:%d" % silent.port, "ldap://127.0.0.1:%d" % silent.port]
    start = time.monotonic()
    with pytest.raises(LdapError) as err:
        client(lab, servers, start_tls=True).connect()
    elapsed = time.monotonic() - start
    WAITS.append(("two silent servers", elapsed))
    assert elapsed < 2 * TIMEOUT + SLACK
    assert "TLS handshake with %s" % servers[0] in str(err.value)
    assert "StartTLS with %s" % servers[1] in str(err.value)


@pytest.mark.parametrize("start_tls", [False, True], ids=["ldaps", "starttls"])
def test_failover_from_a_silent_dc_to_the_lab(lab, silent, start_tls):
    good = lab["start_tls_server"] if start_tls else lab["server"]
    scheme = "ldap" if start_tls else "ldaps"
    servers = ["%s://127.0.0.1:%d" % (scheme, silent.port), good]
    start = time.monotonic()
    ldap = client(lab, servers, start_tls=start_tls).connect()
    elapsed = time.monotonic() - start
    WAITS.append(("failover %s" % scheme, elapsed))
    assert ldap.uri.endswith(good.split("://")[1].split("/")[0].split(":")[0] + ":" +
                             ("389" if start_tls else "636"))
    assert ldap.root_dse.default_naming_context
    assert elapsed < TIMEOUT + SLACK
    ldap.close()


def test_the_module_names_server_and_phase_and_tries_the_next_one(ansible, lab, silent):
    uri = "ldaps://127.0.0.1:%d" % silent.port
    conn = ansible.connection()
    start = time.monotonic()  # ansible-playbook's own cost: a server that refuses at once
    refused = ansible.run("protected_accounts_info",
                          dict(conn, server=["ldaps://127.0.0.1:1"]), defaults=False)
    baseline = time.monotonic() - start
    assert refused["failed"]
    start = time.monotonic()
    failed = ansible.run("protected_accounts_info",
                         dict(conn, server=[uri], connect_timeout=TIMEOUT), defaults=False)
    elapsed = time.monotonic() - start
    assert failed["failed"] and failed["ldap_code"] == 52
    assert failed["msg"] == ("cannot reach any server: TLS handshake with %s did not finish "
                             "within %d s" % (uri, TIMEOUT))
    WAITS.append(("module over ansible-playbook, less its start-up", elapsed - baseline))
    assert elapsed - baseline < TIMEOUT + SLACK + 5  # 5 s for a busy machine
    ok = ansible.run("protected_accounts_info",
                     dict(conn, server=[uri, lab["server"]], connect_timeout=TIMEOUT),
                     defaults=False)
    assert not ok.get("failed"), ok.get("msg")
    assert ok["objects"]


# -- a DC that stops answering mid-search ---------------------------------------------------------

def search_all(ldap):
    return [e.dn for e in ldap.search(STAFF, "(objectClass=user)", ["nTSecurityDescriptor"])]


def test_a_dc_that_wedges_mid_search_fails_within_operation_timeout(lab):
    with FreezingProxy(636) as proxy:  # first measure the whole conversation through it
        ldap = client(lab, ["ldaps://127.0.0.1:%d" % proxy.port], page_size=5).connect()
        expected = search_all(ldap)
        ldap.close()
        total = proxy.from_server
    assert len(expected) >= 50
    with FreezingProxy(636, freeze_after=total * 6 // 10) as proxy:
        uri = "ldaps://127.0.0.1:%d" % proxy.port
        ldap = client(lab, [uri], page_size=5).connect()
        seen = []
        start = time.monotonic()
        with pytest.raises(LdapError) as err:
            for entry in ldap.search(STAFF, "(objectClass=user)", ["nTSecurityDescriptor"]):
                seen.append(entry.dn)
        elapsed = time.monotonic() - start  # includes the pages before the freeze
        assert proxy.frozen.is_set()
    WAITS.append(("mid-search", elapsed))
    assert 0 < len(seen) < len(expected)  # it stopped mid-way, and said so
    assert str(err.value) == ("search under %s failed: %s did not answer within %d s "
                              "(operation_timeout) after %d entries (no partial result is "
                              "returned)" % (STAFF, uri, TIMEOUT, len(seen)))
    assert err.value.code == 52
    assert elapsed < TIMEOUT + SLACK + 2  # the pages before the freeze take well under 2 s


def test_a_module_over_a_wedging_dc_fails_and_reports_no_partial_plan(ansible, lab):
    args = dict(search_base=STAFF, state="enabled", page_size=5, operation_timeout=TIMEOUT)
    with FreezingProxy(636) as proxy:
        conn = dict(ansible.connection(), server=["ldaps://127.0.0.1:%d" % proxy.port])
        start = time.monotonic()
        whole = ansible.run("inheritance", dict(conn, **args), check=True, defaults=False)
        whole_elapsed = time.monotonic() - start  # ansible-playbook's start-up and every page
        total = proxy.from_server
    assert not whole.get("failed"), whole.get("msg")
    with FreezingProxy(636, freeze_after=total * 6 // 10) as proxy:
        uri = "ldaps://127.0.0.1:%d" % proxy.port
        conn = dict(ansible.connection(), server=[uri])
        start = time.monotonic()
        result = ansible.run("inheritance", dict(conn, **args), check=True, defaults=False)
        elapsed = time.monotonic() - start
    assert result["failed"] and result["ldap_code"] == 52
    assert "did not answer within %d s (operation_timeout)" % TIMEOUT in result["msg"]
    assert uri in result["msg"] and "\n" not in result["msg"]
    assert "changed" not in result or result["changed"] is False
    # the run up to the freeze costs at most what the whole run did (on a loaded machine tens of
    # seconds, mostly ansible-playbook's start-up); the wedge adds the operation timeout only
    assert elapsed < whole_elapsed + TIMEOUT + 10
