"""Binding the way Windows clients do, against the lab's DC started as a DC that requires LDAP
signing (Samba's default 'ldap server require strong auth = yes', ADREMEDY_LAB_STRONG_AUTH=1):

- a simple bind on plain ldap:// is refused by the module in one line, and by the DC itself;
- NTLM, Kerberos and negotiate bind on plain ldap:// 389 signed and sealed, and real modules read
  (and plan in check mode) exactly what a simple bind over LDAPS reads, while tcpdump captures the
  loopback of the lab's network namespace: the capture holds none of the values read, and every
  client stream on 389 is the bind followed by SASL frames (4-byte length + wrapped token) and
  nothing else; a control capture of an anonymous RootDSE read shows the capture sees clear text;
- Samba 4.17 with 'yes' refuses SASL inside TLS (unsigned: strongerAuthRequired; signed:
  unwillingToPerform), which the module says in one line.

Then, on the default lab ('allow_sasl_over_tls', like Windows DCs): NTLM and Kerberos over LDAPS
and StartTLS with the channel binding token, and AD's bind refusals, one line each, by data code,
with a wrong password counted once over a list of two servers."""

import json
import os
import shutil
import signal
import struct
import subprocess
import time

import pytest

from conftest import LAB, Ansible, user_dn
from test_kerberos import OWN_HOSTS

BROKEN = user_dn(7)  # the seed breaks inheritance on users 7, 27, 47, ...
# Skipped by hand without tcpdump; in CI (make test installs it through tests/lab/prereqs.sh) a
# missing tcpdump fails, so the proof on the wire is never skipped unnoticed.
if shutil.which("tcpdump") is None and os.environ.get("CI"):
    raise RuntimeError("tcpdump is not installed, so the sealed-bind tests cannot run: "
                       "run tests/lab/prereqs.sh (make prereqs) or apt-get install tcpdump")
pytestmark = pytest.mark.skipif(shutil.which("tcpdump") is None,
                                reason="tcpdump is not installed (apt-get install tcpdump)")


def lab_up(strong):
    """Restart the lab's DC with or without 'ldap server require strong auth = yes'."""
    env = dict(os.environ)
    env.pop("ADREMEDY_LAB_STRONG_AUTH", None)
    if strong:
        env["ADREMEDY_LAB_STRONG_AUTH"] = "1"
    for command in (["down"], ["up"]):
        subprocess.run(LAB + command, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT, check=True, timeout=300)
    return json.loads(subprocess.check_output(LAB + ["env", "--json"]))


@pytest.fixture(scope="module")
def strong(lab, directory):
    info = lab_up(strong=True)
    directory.reconnect()
    assert info["strong_auth"] == "yes"
    try:
        yield info
    finally:
        assert lab_up(strong=False)["strong_auth"] == "allow_sasl_over_tls"
        directory.reconnect()


def runner_for(lab, tmp_path):
    """A runner whose modules resolve the DC's name and use the lab's krb5.conf (as
    test_kerberos does); no ticket cache: Kerberos gets its ticket from the password."""
    runner = Ansible(lab, str(tmp_path))
    runner.prefix = OWN_HOSTS[:5] + [lab["hosts_file"]] + OWN_HOSTS[5:]
    runner.env = dict(KRB5_CONFIG=lab["krb5_conf"],
                      KRB5CCNAME="FILE:%s" % (tmp_path / "no-ccache"))
    return runner


ACCOUNTS = {
    "ntlm": ("LAB\\Administrator", "ldap://127.0.0.1:389"),
    "kerberos": ("Administrator@LAB.EXAMPLE.TEST", "ldap://dc1.lab.example.test:389"),
    "negotiate": ("Administrator@LAB.EXAMPLE.TEST", "ldap://dc1.lab.example.test:389"),
}


def sealed_connection(lab, auth, server=None, **extra):
    account, uri = ACCOUNTS[auth]
    args = dict(server=[server or uri], auth=auth, bind_dn=account, password=lab["password"])
    args.update(extra)
    return args


# -- the capture ------------------------------------------------------------------------------

class Capture(object):
    """tcpdump on the loopback of this network namespace, TCP port 389, whole packets."""

    def __init__(self, path):
        self.path = str(path)
        self.proc = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-U", "-s", "0", "-w", self.path, "tcp port 389"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.time() + 10
        while not os.path.exists(self.path) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # listening once the file exists; a little more for the filter

    def stop(self):
        time.sleep(0.5)
        os.killpg(self.proc.pid, signal.SIGINT)
        self.proc.wait(timeout=10)
        with open(self.path, "rb") as fh:
            return fh.read()


def tcp_streams(pcap):
    """{(client port, server port): bytes} of every TCP direction in a pcap of the loopback
    (Ethernet framing, IPv4), in capture order (loopback neither loses nor reorders)."""
    magic = struct.unpack("<I", pcap[:4])[0]
    endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    offset, streams, seen = 24, {}, set()
    while offset + 16 <= len(pcap):
        _sec, _usec, caplen, _length = struct.unpack(endian + "IIII", pcap[offset:offset + 16])
        frame = pcap[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        if frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6:
            continue
        tcp = ip[ihl:]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4:]
        if not payload or (sport, dport, seq) in seen:  # a retransmission is counted once
            continue
        seen.add((sport, dport, seq))
        streams[(sport, dport)] = streams.get((sport, dport), b"") + payload
    return streams


def ber_length(data, at):
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    return int.from_bytes(data[at + 1:at + 1 + count], "big"), at + 1 + count


def split_client_stream(stream):
    """(LDAP messages sent in clear, SASL frames after them, bytes that are neither)."""
    clear, at = [], 0
    while at < len(stream) and stream[at] == 0x30:
        length, body = ber_length(stream, at + 1)
        clear.append(stream[at:body + length])
        at = body + length
    frames = []
    while at + 4 <= len(stream):
        length = struct.unpack(">I", stream[at:at + 4])[0]
        if at + 4 + length > len(stream):
            break
        frames.append(stream[at + 4:at + 4 + length])
        at += 4 + length
    return clear, frames, stream[at:]


def is_bind_request(message):
    """LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp [APPLICATION 0] BindRequest }"""
    _length, at = ber_length(message, 1)
    assert message[at] == 0x02  # messageID
    id_length, at = ber_length(message, at + 1)
    return message[at + id_length] == 0x60


def secrets_of(results):
    """Values the modules read that must not cross 389 in clear: the accounts'
    sAMAccountNames and the attribute name the searches ask for."""
    names = set()
    for result in results:
        for item in result.get("objects") or result.get("devices") or []:
            for key in ("sam_account_name", "owner_sam_account_name"):
                if item.get(key):
                    names.add(item[key])
    names.discard("Administrator")  # the bind account's name is in NTLM's AUTHENTICATE message
    return names


@pytest.fixture(scope="module")
def baseline(lab, tmp_path_factory):
    """What a simple bind over LDAPS reads (the default lab, before the restart)."""
    runner = Ansible(lab, str(tmp_path_factory.mktemp("baseline")))
    protected = runner.run("protected_accounts_info")
    devices = runner.run("eas_device_info")
    assert not protected.get("failed") and not devices.get("failed")
    return dict(protected=protected, devices=devices)


# -- the default lab (like Windows DCs): SASL over TLS with the channel binding -------------------

@pytest.mark.parametrize("auth", ["ntlm", "kerberos", "negotiate"])
@pytest.mark.parametrize("over", ["ldaps", "start_tls"])
def test_sasl_over_tls_with_channel_binding(lab, baseline, tmp_path, auth, over):
    runner = runner_for(lab, tmp_path)
    account, uri = ACCOUNTS[auth]
    extra = dict(ca_cert=lab["ca_cert"])
    if over == "ldaps":
        uri = uri.replace("ldap://", "ldaps://").replace(":389", ":636")
    else:
        extra["start_tls"] = True
    result = runner.run("protected_accounts_info", sealed_connection(lab, auth, uri, **extra),
                        defaults=False, env=runner.env)
    assert not result.get("failed"), result.get("msg")
    assert result["objects"] == baseline["protected"]["objects"]


@pytest.mark.parametrize("auth", ["ntlm", "kerberos"])
def test_sealed_on_the_default_lab_too(lab, baseline, tmp_path, auth):
    runner = runner_for(lab, tmp_path)
    result = runner.run("protected_accounts_info", sealed_connection(lab, auth), defaults=False,
                        env=runner.env)
    assert not result.get("failed"), result.get("msg")
    assert result["objects"] == baseline["protected"]["objects"]


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_sealed_from_a_ticket_cache(lab, baseline, tmp_path, auth):
    """kinit, then no bind_dn and no password: the ticket cache's principal, sealed."""
    runner = runner_for(lab, tmp_path)
    runner.env["KRB5CCNAME"] = "FILE:%s" % (tmp_path / "ccache")
    subprocess.run(["kinit", lab["admin_principal"]], input=lab["password"] + "\n", text=True,
                   env=dict(os.environ, **runner.env), stdout=subprocess.DEVNULL, check=True)
    result = runner.run("protected_accounts_info", dict(
        server=["ldap://%s:389" % lab["dc_fqdn"]], auth=auth), defaults=False, env=runner.env)
    assert not result.get("failed"), result.get("msg")
    assert result["objects"] == baseline["protected"]["objects"]


def test_negotiate_falls_back_to_ntlm_where_kerberos_cannot_be_had(lab, baseline, tmp_path):
    """By IP address the KDC has no ldap/127.0.0.1 service principal: negotiate uses NTLM."""
    runner = runner_for(lab, tmp_path)
    result = runner.run("protected_accounts_info", sealed_connection(
        lab, "negotiate", "ldap://127.0.0.1:389"), defaults=False, env=runner.env)
    assert not result.get("failed"), result.get("msg")
    assert result["objects"] == baseline["protected"]["objects"]


# -- AD's bind refusals, one line each -----------------------------------------------------------

PROBE = "CN=Sealed Probe,CN=Users,DC=lab,DC=example,DC=test"
PROBE_PASSWORD = "Pr0be-Passw0rd!x"


@pytest.fixture
def probe(lab, directory):
    import ldap3
    conn = directory.conn
    conn.delete(PROBE)
    assert conn.add(PROBE, ["top", "person", "organizationalPerson", "user"], {
        "sAMAccountName": "sealed-probe", "userPrincipalName": "sealed-probe@lab.example.test",
        "unicodePwd": ('"%s"' % PROBE_PASSWORD).encode("utf-16-le"),
        "userAccountControl": "512"}), conn.result
    domain = lab["base_dn"]
    conn.search(domain, "(objectClass=*)", search_scope="BASE", attributes=["lockoutThreshold"])
    threshold = conn.response[0]["raw_attributes"]["lockoutThreshold"][0]
    try:
        yield conn
    finally:
        conn.modify(domain, {"lockoutThreshold": [(ldap3.MODIFY_REPLACE, [threshold])]})
        conn.delete(PROBE)


def bad_pwd_count(conn):
    conn.search(PROBE, "(objectClass=*)", search_scope="BASE", attributes=["badPwdCount"])
    return int(conn.response[0]["raw_attributes"]["badPwdCount"][0])


REFUSALS = [
    ("533", {"userAccountControl": "514"}, "the account is disabled; enable it"),
    ("773", {"pwdLastSet": "0"}, "the account must change its password before it logs on"),
    ("701", {"accountExpires": "116444736000000000"},
     "the account has expired (accountExpires); extend it"),
    ("530", {"logonHours": bytes(21)}, "the account may not log on at this time"),
    ("531", {"userWorkstations": "ELSEWHERE"}, "the account may not log on from this host"),
]


@pytest.mark.parametrize("auth", ["simple", "ntlm"])
@pytest.mark.parametrize("data, change, meaning", REFUSALS)
def test_each_refusal_is_one_line(lab, probe, ansible, auth, data, change, meaning):
    import ldap3
    assert probe.modify(PROBE, dict((k, [(ldap3.MODIFY_REPLACE, [v])])
                                    for k, v in change.items())), probe.result
    account = PROBE if auth == "simple" else "LAB\\sealed-probe"
    server = lab["server"] if auth == "simple" else "ldap://127.0.0.1:389"
    result = ansible.run("protected_accounts_info", dict(
        server=[server], ca_cert=lab["ca_cert"], auth=auth, bind_dn=account,
        password=PROBE_PASSWORD), defaults=False)
    operation = "bind" if auth == "simple" else "ntlm bind"
    assert result["failed"] and "\n" not in result["msg"] and PROBE_PASSWORD not in str(result)
    assert result["msg"].startswith("%s as %s to %s failed: invalidCredentials (49), data %s: %s"
                                    % (operation, account, server, data, meaning))


def test_wrong_password_is_tried_on_one_dc_only_and_lockout_is_named(lab, probe, ansible):
    import ldap3
    assert probe.modify(lab["base_dn"], {"lockoutThreshold": [(ldap3.MODIFY_REPLACE, ["2"])]})
    two = dict(server=["ldap://127.0.0.1:389", "ldaps://127.0.0.1:636"], ca_cert=lab["ca_cert"],
               auth="ntlm", bind_dn="LAB\\sealed-probe", password="not-the-password")
    result = ansible.run("protected_accounts_info", two, defaults=False)
    assert result["msg"] == ("ntlm bind as LAB\\sealed-probe to ldap://127.0.0.1:389 failed: "
                             "invalidCredentials (49), data 52e: wrong password (or an account "
                             "the DC does not know); check bind_dn and password")
    assert bad_pwd_count(probe) == 1  # the second server was not tried
    ansible.run("protected_accounts_info", two, defaults=False)  # the second bad one: locked
    result = ansible.run("protected_accounts_info", dict(two, password=PROBE_PASSWORD),
                         defaults=False)
    assert result["msg"] == ("ntlm bind as LAB\\sealed-probe to ldap://127.0.0.1:389 failed: "
                             "invalidCredentials (49), data 775: the account is locked out; wait "
                             "for the lockout to end or unlock it")


# -- strong auth: what is refused, what is sealed -----------------------------------------------

def test_simple_bind_on_plain_ldap_is_refused_in_one_line(strong, ansible):
    args = ansible.connection()
    args.update(server=[strong["start_tls_server"]])
    result = ansible.run("protected_accounts_info", args, defaults=False)
    assert result["failed"] and result["msg"] == (
        "simple bind to ldap://127.0.0.1:389 would send the password in clear text; use ldaps://, "
        "start_tls: true, or auth kerberos, ntlm or negotiate (signed and sealed on plain LDAP)")


@pytest.mark.parametrize("over", ["ldaps", "start_tls"])
def test_simple_over_tls_still_works(strong, baseline, ansible, over):
    args = ansible.connection()
    if over == "start_tls":
        args.update(server=[strong["start_tls_server"]], start_tls=True)
    result = ansible.run("protected_accounts_info", args, defaults=False)
    assert not result.get("failed"), result.get("msg")
    assert result["objects"] == baseline["protected"]["objects"]


def test_the_dc_itself_refuses_an_unsigned_simple_bind(strong):
    import ldap3
    conn = ldap3.Connection(ldap3.Server("127.0.0.1", port=389, get_info=ldap3.NONE),
                            strong["bind_dn"], strong["password"])
    conn.open()
    assert not conn.bind()
    assert conn.result["result"] == 8 and "Transport encryption required" in conn.result["message"]
    conn.unbind()


@pytest.mark.parametrize("auth", ["ntlm", "kerberos", "negotiate"])
def test_modules_read_sealed_on_389_and_nothing_read_crosses_in_clear(
        strong, baseline, directory, tmp_path, auth):
    runner = runner_for(strong, tmp_path)
    connection = sealed_connection(strong, auth)
    before = directory.read_sd(BROKEN)
    capture = Capture(tmp_path / "sealed.pcap")
    try:
        protected = runner.run("protected_accounts_info", connection, defaults=False,
                               env=runner.env)
        devices = runner.run("eas_device_info", connection, defaults=False, env=runner.env)
        plan = runner.run("inheritance", dict(connection, dn=[BROKEN]), check=True,
                          defaults=False, env=runner.env)
    finally:
        pcap = capture.stop()
    for result in (protected, devices, plan):
        assert not result.get("failed"), result.get("msg")
    assert protected["counts"] == baseline["protected"]["counts"]
    assert protected["objects"] == baseline["protected"]["objects"]
    assert devices["devices"] == baseline["devices"]["devices"]
    assert [(o["dn"], o["status"]) for o in plan["objects"]] == [(BROKEN, "changed")]
    assert directory.read_sd(BROKEN) == before  # check mode wrote nothing

    values = secrets_of([protected, devices])
    assert len(values) >= 3, values
    needles = [v.encode("utf-8") for v in values] + [v.encode("utf-16-le") for v in values]
    needles += [b"sAMAccountName", b"nTSecurityDescriptor", b"OU=Staff"]
    assert len(pcap) > 10000
    leaked = [n for n in needles if n in pcap]
    assert not leaked, "read in clear on 389: %r" % leaked

    streams = tcp_streams(pcap)
    to_dc = dict((ports, data) for ports, data in streams.items() if ports[1] == 389)
    assert len(to_dc) >= 3  # one connection per module run at least
    for ports, stream in to_dc.items():
        clear, frames, rest = split_client_stream(stream)
        assert clear and all(is_bind_request(m) for m in clear), ports
        assert frames and rest == b"", (ports, len(rest))


def test_a_capture_sees_what_is_sent_in_clear(strong, tmp_path):
    """The control: the same capture of an anonymous RootDSE read on 389 shows its words."""
    import ldap3
    capture = Capture(tmp_path / "clear.pcap")
    try:
        conn = ldap3.Connection(ldap3.Server("127.0.0.1", port=389, get_info=ldap3.NONE))
        conn.open()
        assert conn.search("", "(objectClass=*)", search_scope="BASE",
                           attributes=["supportedSASLMechanisms"])
        conn.unbind()
    finally:
        pcap = capture.stop()
    assert b"supportedSASLMechanisms" in pcap and b"GSS-SPNEGO" in pcap


@pytest.mark.parametrize("auth", ["ntlm", "kerberos"])
def test_sasl_inside_tls_is_refused_by_samba_in_strong_mode(strong, tmp_path, auth):
    runner = runner_for(strong, tmp_path)
    account, uri = ACCOUNTS[auth]
    ldaps = uri.replace("ldap://", "ldaps://").replace(":389", ":636")
    result = runner.run("protected_accounts_info", dict(
        sealed_connection(strong, auth, ldaps), ca_cert=strong["ca_cert"]), defaults=False,
        env=runner.env)
    assert result["failed"] and "\n" not in result["msg"]
    assert result["msg"].startswith(
        "%s bind as %s to %s failed: strongerAuthRequired (8): the DC wants SASL binds signed "
        "or sealed even over TLS, and refuses signing inside TLS (Samba's 'ldap server require "
        "strong auth = yes'); bind over ldap:// without start_tls (sealed) or with auth simple "
        "over TLS" % (auth, account, ldaps))


@pytest.mark.parametrize("auth", ["ntlm", "kerberos"])
def test_a_real_write_through_the_sealed_layer(strong, directory, tmp_path, auth):
    """inheritance writes the DACL, reads it back and verifies it, all sealed on 389."""
    from made_here import put_back, protected
    runner = runner_for(strong, tmp_path)
    before = directory.read_sd(BROKEN)
    assert protected(directory, BROKEN)
    try:
        result = runner.run("inheritance", dict(sealed_connection(strong, auth), dn=[BROKEN]),
                            defaults=False, env=runner.env)
        assert not result.get("failed"), result.get("msg")
        assert [(o["dn"], o["status"]) for o in result["objects"]] == [(BROKEN, "changed")]
        assert not protected(directory, BROKEN)
        again = runner.run("inheritance", dict(sealed_connection(strong, auth), dn=[BROKEN]),
                           defaults=False, env=runner.env)
        assert again["changed"] is False, again.get("msg")
    finally:
        put_back(directory, BROKEN, before)
