"""The lab: a real Samba AD DC on 127.0.0.1 for the tests and the demo.

    lab.py up [--size N] [--no-exchange] [--offline]
                                           install packages if missing, provision (or restore the
                                           cached provisioned copy), start, seed; sizes from
                                           OFFLINE_MIN_SIZE up (or --offline) are seeded offline
                                           (LDIF + ldbadd into the stopped DC) and cached seeded
    lab.py down | status | env [--json]
    lab.py seed [--size N]                 (re)create the deterministic demo/test data
    lab.py sdprop                          the SDProp stand-in (Samba has none)
    lab.py keytab --principal P --output F a keytab of P's keys (samba-tool exportkeytab)
    lab.py delegate ROLE --ou DN [--remove]
                                           svc-ROLE delegated as docs/least-privilege.md says
                                           (report, enforcement, rollout, cleanup, settings)
    lab.py eas-sync --user DN --device-id ID [--device-type T] [--model M]
                                           the EAS sync stand-in, bound as the Exchange server

Runs with Debian's /usr/bin/python3, which carries Samba's python bindings (python3-samba) and
python3-ldap3. Needs root: Samba refuses to run otherwise and 389/636 are privileged ports.
ADREMEDY_LAB_HOST binds the lab to another address than 127.0.0.1 (one configured on an interface,
e.g. a veth into another network namespace), so two labs can answer one ansible-playbook.
State lives in ADREMEDY_LAB_DIR (default tests/lab/.state); a provisioned copy is cached in
ADREMEDY_LAB_CACHE (default ~/.cache/adremedy-lab) so the next lab comes up in seconds.
"""

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import labschema  # noqa: E402
from seed import USER_PASSWORD  # noqa: E402

REALM = "LAB.EXAMPLE.TEST"
DOMAIN = "LAB"
BASE_DN = "DC=lab,DC=example,DC=test"
# Another address (already configured on an interface, e.g. a veth in a second network namespace)
# lets a second lab answer next to the first: ports 389/636 are fixed in Samba.
HOST = os.environ.get("ADREMEDY_LAB_HOST", "127.0.0.1")
# Lab-only secrets: the lab is throw-away and listens on loopback only.
ADMIN_PASSWORD = "Lab-Adm1n-Passw0rd!"
PACKAGES = ["samba-ad-dc", "samba-ad-provision", "ldb-tools", "ldap-utils", "openssl",
            "python3-samba", "python3-ldap3"]
LAB_VERSION = "1"  # bump when provisioning changes, to invalidate cached copies

LAB_DIR = os.path.abspath(os.environ.get("ADREMEDY_LAB_DIR", os.path.join(HERE, ".state")))
CACHE_DIR = os.environ.get("ADREMEDY_LAB_CACHE",
                           os.path.join(os.path.expanduser("~"), ".cache", "adremedy-lab"))
DC_DIR = os.path.join(LAB_DIR, "dc")
TLS_DIR = os.path.join(LAB_DIR, "tls")
PID_FILE = os.path.join(LAB_DIR, "samba.pid")
LOG_FILE = os.path.join(LAB_DIR, "samba.log")
INFO_FILE = os.path.join(LAB_DIR, "lab.json")
SMB_CONF = os.path.join(DC_DIR, "etc", "smb.conf")
SEED_FILE = os.path.join(LAB_DIR, "seed.json")
SAM_LDB = os.path.join(DC_DIR, "private", "sam.ldb")
KRB5_CONF = os.path.join(LAB_DIR, "krb5.conf")
HOSTS_FILE = os.path.join(LAB_DIR, "hosts")
# The DC's name as its certificate and service principals (ldap/dc1.lab.example.test) say it.
DC_FQDN = "dc1.%s" % REALM.lower()
# Run-time only: the provisioned copy (and its cache key) has "server services = ldap"; the
# running DC also answers Kerberos (port 88 on HOST), for the GSSAPI binds.
RUNTIME_OPTIONS = {"server services": "ldap, kdc"}
# ADREMEDY_LAB_STRONG_AUTH=1 starts the DC with Samba's default "ldap server require strong auth =
# yes", like a DC that requires LDAP signing: on 389 only signed or sealed SASL binds; over TLS only
# simple binds (Samba 4.17 refuses SASL inside TLS then). Run-time only: the cached copy is the same.
STRONG_AUTH_VARIABLE = "ADREMEDY_LAB_STRONG_AUTH"
OFFLINE_MIN_SIZE = 1000  # from here on the seed is loaded offline and its result cached
# "single" (one process, the least memory: the tests) or "prefork" (worker processes that serve
# connections in parallel, as AD DCs do: the benchmark's partitioned reads).
PROCESS_MODEL = os.environ.get("ADREMEDY_LAB_PROCESS_MODEL", "single")


class LabError(Exception):
    pass


def log(msg):
    print("lab: %s" % msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         check=False, **kw)
    if res.returncode != 0:
        raise LabError("%s failed (%d):\n%s" % (" ".join(cmd[:3]), res.returncode,
                                                res.stdout[-3000:]))
    return res.stdout


# ---------------------------------------------------------------------------------- packages

def missing_packages():
    missing = []
    for pkg in PACKAGES:
        res = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             check=False)
        if "install ok installed" not in res.stdout:
            missing.append(pkg)
    return missing


def ensure_packages():
    missing = missing_packages()
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise LabError("the lab needs Debian packages %s and this machine has no apt-get"
                       % " ".join(missing))
    log("installing %s" % " ".join(missing))
    # Keep the package scripts from starting a system-wide samba on the real ports.
    policy = "/usr/sbin/policy-rc.d"
    made_policy = not os.path.exists(policy)
    if made_policy:
        with open(policy, "w") as fh:
            fh.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        if subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + missing,
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          check=False).returncode:
            run(["apt-get", "update"], env=env)
            run(["apt-get", "install", "-y", "--no-install-recommends"] + missing, env=env)
    finally:
        if made_policy:
            os.unlink(policy)


# ------------------------------------------------------------------------------------- TLS

def make_tls():
    """A private CA and a server certificate valid for 127.0.0.1, so validate_certs works."""
    if os.path.exists(os.path.join(TLS_DIR, "server.pem")):
        return
    os.makedirs(TLS_DIR, exist_ok=True)
    ca_key, ca = os.path.join(TLS_DIR, "ca.key"), os.path.join(TLS_DIR, "ca.pem")
    key, csr = os.path.join(TLS_DIR, "server.key"), os.path.join(TLS_DIR, "server.csr")
    cert = os.path.join(TLS_DIR, "server.pem")
    ext = os.path.join(TLS_DIR, "server.ext")
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ca_key])
    # keyUsage on the CA and the server certificate: Python 3.13 verifies with
    # VERIFY_X509_STRICT, which refuses a CA without it ("CA cert does not include key usage").
    run(["openssl", "req", "-x509", "-new", "-key", ca_key, "-sha256", "-days", "3650",
         "-subj", "/CN=adremedy lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", ca])
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key])
    run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=dc1.%s" % REALM.lower(),
         "-out", csr])
    with open(ext, "w") as fh:
        fh.write("subjectAltName=IP:127.0.0.1,%sDNS:localhost,DNS:dc1.%s\n"
                 "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n"
                 "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
                 % ("" if HOST == "127.0.0.1" else "IP:%s," % HOST, REALM.lower()))
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-days", "3650", "-sha256", "-extfile", ext, "-out", cert])
    os.chmod(key, 0o600)
    os.chmod(ca_key, 0o600)


# ------------------------------------------------------------------------------- provision

def lab_options():
    run_dir = os.path.join(LAB_DIR, "run")
    return {
        "interfaces": HOST,
        "bind interfaces only": "yes",
        "server services": "ldap",
        # Like a hardened DC: no simple bind without TLS.
        "ldap server require strong auth": "allow_sasl_over_tls",
        "tls enabled": "yes",
        "tls keyfile": os.path.join(TLS_DIR, "server.key"),
        "tls certfile": os.path.join(TLS_DIR, "server.pem"),
        "tls cafile": "",
        "pid directory": run_dir,
        "ncalrpc dir": os.path.join(run_dir, "ncalrpc"),
        "winbindd socket directory": os.path.join(run_dir, "winbindd"),
        "ntp signd socket directory": os.path.join(run_dir, "ntp_signd"),
        "dsdb:schema update allowed": "true",
        "ldb:nosync": "true",
        "log level": "1",
    }


def cache_key(exchange):
    digest = hashlib.sha256()
    digest.update(LAB_VERSION.encode())
    # Paths and the address differ between labs and are rewritten on restore: not in the key.
    options = sorted((k, v.replace(LAB_DIR, "<lab>").replace(HOST, "127.0.0.1"))
                     for k, v in lab_options().items())
    digest.update(repr(options).encode())
    digest.update(repr(exchange).encode())
    if exchange:
        digest.update("".join(labschema.ldif_steps("X")).encode())
    return digest.hexdigest()[:16]


def provision(exchange):
    """Provision into DC_DIR, add the Exchange schema offline, keep a copy in the cache."""
    tarball = os.path.join(CACHE_DIR, "dc-%s.tar" % cache_key(exchange))
    # LAB_DIR moves between clones, so the cache is keyed without it and paths are rewritten.
    if os.path.exists(tarball):
        os.makedirs(DC_DIR, exist_ok=True)
        run(["tar", "-xSf", tarball, "-C", DC_DIR])
        write_smb_conf()
        return "cache"
    if os.path.exists(DC_DIR):
        shutil.rmtree(DC_DIR)
    os.makedirs(DC_DIR)
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as empty:
        cmd = ["samba-tool", "domain", "provision", "-s", empty.name,
               "--realm=%s" % REALM, "--domain=%s" % DOMAIN, "--server-role=dc",
               "--dns-backend=NONE", "--backend-store=mdb", "--host-name=dc1",
               "--adminpass=%s" % ADMIN_PASSWORD, "--targetdir=%s" % DC_DIR]
        for key, value in lab_options().items():
            cmd.append("--option=%s = %s" % (key, value))
        run(cmd)
    if exchange:
        sam = os.path.join(DC_DIR, "private", "sam.ldb")
        schema_dn = "CN=Schema,CN=Configuration,%s" % BASE_DN
        for step in labschema.ldif_steps(schema_dn):
            with tempfile.NamedTemporaryFile("w", suffix=".ldif") as fh:
                fh.write(step)
                fh.flush()
                run(["ldbmodify", "-H", sam, "--option=dsdb:schema update allowed=true",
                     fh.name])
    os.makedirs(CACHE_DIR, exist_ok=True)
    run(["tar", "-cSf", tarball + ".tmp", "-C", DC_DIR, "."])
    os.replace(tarball + ".tmp", tarball)
    return "provisioned"


def seed_cache_key(size, exchange):
    """Changes with the provisioned copy, the seed's code and the size."""
    digest = hashlib.sha256(cache_key(exchange).encode())
    with open(os.path.join(HERE, "seed.py"), "rb") as fh:
        digest.update(fh.read())
    digest.update(str(size).encode())
    return digest.hexdigest()[:16]


def offline_seed(size, exchange):
    """A seeded DC in DC_DIR without starting it: restore the cached seeded copy, or provision
    (from its cache), load the seed as LDIF with ldbadd in batch mode, finish it through Samba's
    handle, and cache the result. The DC must be stopped."""
    import seed
    tarball = os.path.join(CACHE_DIR, "seeded-%s-%d.tar" % (seed_cache_key(size, exchange), size))
    if os.path.exists(DC_DIR):
        shutil.rmtree(DC_DIR)
    if os.path.exists(tarball):
        os.makedirs(DC_DIR)
        run(["tar", "-xSf", tarball, "-C", DC_DIR])
        write_smb_conf()
        return "seeded cache"
    began = time.time()
    provision(exchange)
    write_smb_conf()
    steps = seed.write_ldif(lambda n: os.path.join(LAB_DIR, "seed-%d.ldif" % n), BASE_DN,
                            "CN=Configuration,%s" % BASE_DN, size, exchange)
    log("seed LDIF for %d users written in %.1f s" % (size, time.time() - began))
    for number, (kind, what) in enumerate(steps):
        if kind == "ldif":
            step_began, cpu_before = time.time(), child_cpu()
            run(["ldbadd", "--configfile=%s" % SMB_CONF, "-o", "batch_mode:1", "--nosync",
                 "-H", SAM_LDB, what])
            os.unlink(what)
            log("LDIF %d/%d loaded in %.1f s (ldbadd CPU %.1f s)" % (
                number + 1, len(steps), time.time() - step_began, child_cpu() - cpu_before))
        else:
            seed.apply_offline(samdb(), what)
    log("loaded at %.1f s" % (time.time() - began))
    seed.finish(samdb(), size, exchange)
    log("seed finished at %.1f s" % (time.time() - began))
    os.makedirs(CACHE_DIR, exist_ok=True)
    run(["tar", "-cSf", tarball + ".tmp", "-C", DC_DIR, "."])
    os.replace(tarball + ".tmp", tarball)
    return "offline seed"


def child_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_seed_file(size, exchange, how):
    with open(SEED_FILE, "w") as fh:
        json.dump({"size": size, "exchange": exchange, "how": how}, fh)


def seeded_as():
    try:
        with open(SEED_FILE) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def runtime_options():
    options = dict(RUNTIME_OPTIONS)
    if os.environ.get(STRONG_AUTH_VARIABLE, "") not in ("", "0"):
        options["ldap server require strong auth"] = "yes"
    return options


def strong_auth():
    """The running configuration's 'ldap server require strong auth'."""
    try:
        with open(SMB_CONF) as fh:
            for line in fh:
                key, _equals, value = line.strip().partition("=")
                if key.strip() == "ldap server require strong auth":
                    return value.strip()
    except OSError:
        pass
    return None


def write_smb_conf():
    """smb.conf holds absolute paths; rewrite it for where the lab lives now."""
    lines = ["[global]",
             "\tnetbios name = DC1",
             "\trealm = %s" % REALM,
             "\tserver role = active directory domain controller",
             "\tworkgroup = %s" % DOMAIN,
             "\tprivate dir = %s" % os.path.join(DC_DIR, "private"),
             "\tlock dir = %s" % os.path.join(DC_DIR, "state"),
             "\tstate directory = %s" % os.path.join(DC_DIR, "state"),
             "\tcache directory = %s" % os.path.join(DC_DIR, "cache"),
             "\tbinddns dir = %s" % os.path.join(DC_DIR, "bind-dns")]
    lines += ["\t%s = %s" % kv for kv in dict(lab_options(), **runtime_options()).items()]
    lines += ["", "[sysvol]", "\tpath = %s" % os.path.join(DC_DIR, "state", "sysvol"),
              "\tread only = No", "", "[netlogon]",
              "\tpath = %s" % os.path.join(DC_DIR, "state", "sysvol", REALM.lower(), "scripts"),
              "\tread only = No", ""]
    os.makedirs(os.path.dirname(SMB_CONF), exist_ok=True)
    with open(SMB_CONF, "w") as fh:
        fh.write("\n".join(lines))


# ---------------------------------------------------------------------------- run and stop

def read_pid():
    try:
        with open(PID_FILE) as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def port_open(port, timeout=0.2):
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def start():
    if read_pid():
        return
    write_smb_conf()
    for port in (389, 636):
        if port_open(port):
            raise LabError("port %d on %s is taken by another program; the lab needs it "
                           "(ports 389/636 are fixed in Samba)" % (port, HOST))
    os.makedirs(os.path.join(LAB_DIR, "run"), exist_ok=True)
    logfh = open(LOG_FILE, "ab")
    # Own session: the lab stops it by its process group, never by name.
    proc = subprocess.Popen(["samba", "--foreground", "--no-process-group", "-M", PROCESS_MODEL,
                             "-s", SMB_CONF, "--debug-stdout"],
                            stdout=logfh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    with open(PID_FILE, "w") as fh:
        fh.write(str(proc.pid))
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise LabError("samba exited with %s; see %s" % (proc.returncode, LOG_FILE))
        if port_open(389) and port_open(636) and ldap_ready():
            ensure_kerberos()
            return
        time.sleep(0.1)
    stop()
    raise LabError("samba did not answer LDAP within 60 s; see %s" % LOG_FILE)


def ldap_ready():
    try:
        admin_connection().unbind()
        return True
    except Exception:  # noqa: BLE001 - still starting
        return False


def stop():
    pid = read_pid()
    if pid is None:
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    os.unlink(PID_FILE)
    return True


# -------------------------------------------------------------------------------- Kerberos

def ensure_kerberos():
    """The client side of the lab's KDC: a krb5.conf (KRB5_CONFIG) and a hosts file mapping the
    DC's name to HOST, and the DC's ldap/ service principals (provisioning registers only HOST/
    ones; a Windows DC registers them itself, Samba's dnsupdate service would, which the lab does
    not run). Adding the SPNs writes the lab's own database, never the cached copy."""
    with open(KRB5_CONF, "w") as fh:
        fh.write("[libdefaults]\n"
                 "\tdefault_realm = %(realm)s\n"
                 "\tdns_lookup_kdc = false\n"
                 "\tdns_lookup_realm = false\n"
                 # The service principal is built from the name the client was given, never from
                 # the reverse lookup of the address (127.0.0.1 would give ldap/localhost).
                 "\tdns_canonicalize_hostname = false\n"
                 "\trdns = false\n"
                 "[realms]\n"
                 "\t%(realm)s = {\n\t\tkdc = %(host)s\n\t}\n"
                 "[domain_realm]\n"
                 "\t.%(domain)s = %(realm)s\n"
                 "\t%(domain)s = %(realm)s\n"
                 % dict(realm=REALM, host=HOST, domain=REALM.lower()))
    with open(HOSTS_FILE, "w") as fh:
        fh.write("%s\t%s dc1\n" % (HOST, DC_FQDN))
    dn = "CN=DC1,OU=Domain Controllers,%s" % BASE_DN
    conn = admin_connection()  # over LDAP: opening Samba's own handle costs more than the rest
    try:
        conn.search(dn, "(objectClass=*)", search_scope="BASE",
                    attributes=["servicePrincipalName"])
        have = set(v.lower() for v in conn.response[0]["attributes"]["servicePrincipalName"])
        wanted = ["ldap/%s" % DC_FQDN, "ldap/%s/%s" % (DC_FQDN, REALM.lower()),
                  "ldap/%s/%s" % (DC_FQDN, DOMAIN), "ldap/DC1", "ldap/DC1/%s" % DOMAIN]
        missing = [spn for spn in wanted if spn.lower() not in have]
        if missing and not conn.modify(dn, {"servicePrincipalName": [("MODIFY_ADD", missing)]}):
            raise LabError("adding the DC's ldap/ service principals failed: %s" % conn.result)
    finally:
        conn.unbind()


def export_keytab(principal, path):
    """A keytab with principal's current keys, read from the DC's database (samba-tool)."""
    if os.path.exists(path):
        os.unlink(path)
    run(["samba-tool", "domain", "exportkeytab", path, "--principal=%s" % principal,
         "-s", SMB_CONF])
    os.chmod(path, 0o600)


# ------------------------------------------------------------------------------ connections

def connection_info():
    return {
        "server": "ldaps://%s:636" % HOST,
        "start_tls_server": "ldap://%s:389" % HOST,
        "ca_cert": os.path.join(TLS_DIR, "ca.pem"),
        "bind_dn": "CN=Administrator,CN=Users,%s" % BASE_DN,
        "password": ADMIN_PASSWORD,
        "base_dn": BASE_DN,
        "realm": REALM,
        "domain": DOMAIN,
        "user_password": USER_PASSWORD,
        "lab_dir": LAB_DIR,
        "dc_fqdn": DC_FQDN,
        "krb5_conf": KRB5_CONF,
        "hosts_file": HOSTS_FILE,
        "admin_principal": "Administrator@%s" % REALM,
        "strong_auth": strong_auth(),
        "seed": seeded_as(),
    }


def admin_connection(user=None, password=None):
    """ldap3 connection over LDAPS, validating the lab CA."""
    import ssl
    import ldap3
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=os.path.join(TLS_DIR, "ca.pem"))
    server = ldap3.Server(HOST, port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE,
                          connect_timeout=5)
    return ldap3.Connection(server, user or connection_info()["bind_dn"],
                            password or ADMIN_PASSWORD, auto_bind=True, raise_exceptions=False,
                            receive_timeout=30)


def samdb():
    """Samba's own database handle on the running DC (system session: no ACL checks)."""
    from samba.param import LoadParm
    from samba.samdb import SamDB
    from samba.auth import system_session
    lp = LoadParm()
    lp.load(SMB_CONF)
    return SamDB(url=os.path.join(DC_DIR, "private", "sam.ldb"), session_info=system_session(),
                 lp=lp)


# ---------------------------------------------------------------------------------- commands

def require_root():
    if os.geteuid() != 0:
        raise LabError("the lab runs a Samba AD DC on ports 389/636 and must run as root "
                       "(it also installs Debian packages with apt-get)")


def cmd_up(args):
    require_root()
    began = time.time()
    ensure_packages()
    how = "running"
    if read_pid():
        log("already running (pid %d)" % read_pid())
    else:
        make_tls()
        fresh = not os.path.exists(SAM_LDB)
        offline = fresh and (args.offline or args.size >= OFFLINE_MIN_SIZE)
        if offline:
            how = offline_seed(args.size, not args.no_exchange)
            write_seed_file(args.size, not args.no_exchange, how)
        else:
            how = provision(not args.no_exchange) if fresh else "existing"
        if how == "existing":
            write_smb_conf()
        start()
        log("samba up from %s in %.1f s" % (how, time.time() - began))
    if how in ("cache", "provisioned") or args.seed:
        import seed
        seed.seed(samdb(), size=args.size, exchange=not args.no_exchange)
        write_seed_file(args.size, not args.no_exchange, "online seed")
        log("seeded %d users in %.1f s total" % (args.size, time.time() - began))
    with open(INFO_FILE, "w") as fh:
        json.dump(connection_info(), fh, indent=1)
    cmd_env(argparse.Namespace(json=False))


def cmd_down(args):
    log("stopped" if stop() else "not running")
    if args.purge and os.path.exists(LAB_DIR):
        shutil.rmtree(LAB_DIR)


def cmd_status(_args):
    pid = read_pid()
    if pid:
        print("running pid=%d ldap=%s ldaps=%s dir=%s"
              % (pid, port_open(389), port_open(636), LAB_DIR))
        return 0
    print("stopped dir=%s" % LAB_DIR)
    return 3


def cmd_env(args):
    info = connection_info()
    if args.json:
        print(json.dumps(info, indent=1))
        return
    print("export ADREMEDY_SERVER=%s" % info["server"])
    print("export ADREMEDY_CA_CERT=%s" % info["ca_cert"])
    print("export ADREMEDY_BIND_DN='%s'" % info["bind_dn"])
    print("export ADREMEDY_PASSWORD='%s'" % info["password"])
    print("export ADREMEDY_BASE_DN='%s'" % info["base_dn"])
    print("export KRB5_CONFIG=%s" % info["krb5_conf"])


def cmd_seed(args):
    require_root()
    import seed
    seed.seed(samdb(), size=args.size, exchange=not args.no_exchange)
    write_seed_file(args.size, not args.no_exchange, "online seed")


def cmd_sdprop(_args):
    require_root()
    import seed
    for dn in seed.sdprop(samdb()):
        print(dn)


def cmd_keytab(args):
    require_root()
    export_keytab(args.principal, os.path.abspath(args.output))


def cmd_delegate(args):
    """The workflow's account delegated as docs/least-privilege.md says (tests/lab/delegation.py)."""
    require_root()
    import delegation
    account = delegation.delegate(samdb(), args.role, args.ou, remove=args.remove)
    print(json.dumps({"bind_dn": account, "password": USER_PASSWORD}))


def cmd_eas_sync(args):
    """One JSON line per user; exit 0 only when every sync succeeded."""
    import eas_sync
    ok = True
    for user in args.user:
        result = eas_sync.sync(user, args.device_id, args.device_type, args.model,
                               os_name=args.os, user_agent=args.user_agent)
        print(json.dumps(result))
        ok = ok and result["result"] == "success"
    return 0 if ok else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up")
    p.add_argument("--size", type=int, default=int(os.environ.get("LAB_SIZE", "50")))
    p.add_argument("--no-exchange", action="store_true")
    p.add_argument("--seed", action="store_true", help="reseed an existing lab")
    p.add_argument("--offline", action="store_true",
                   help="seed a fresh lab offline (LDIF + ldbadd) whatever its size")
    p.set_defaults(func=cmd_up)
    p = sub.add_parser("down")
    p.add_argument("--purge", action="store_true", help="also delete the lab's directory")
    p.set_defaults(func=cmd_down)
    sub.add_parser("status").set_defaults(func=cmd_status)
    p = sub.add_parser("env")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_env)
    p = sub.add_parser("seed")
    p.add_argument("--size", type=int, default=int(os.environ.get("LAB_SIZE", "50")))
    p.add_argument("--no-exchange", action="store_true")
    p.set_defaults(func=cmd_seed)
    sub.add_parser("sdprop").set_defaults(func=cmd_sdprop)
    p = sub.add_parser("keytab", help="export a principal's keys from the DC into a keytab")
    p.add_argument("--principal", required=True, help="e.g. Administrator@%s" % REALM)
    p.add_argument("--output", required=True)
    p.set_defaults(func=cmd_keytab)
    p = sub.add_parser("delegate")
    p.add_argument("role", choices=["report", "enforcement", "rollout", "cleanup", "settings"])
    p.add_argument("--ou", action="append", default=[])
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_delegate)
    p = sub.add_parser("eas-sync")
    p.add_argument("--user", required=True, action="append",
                   help="user DN; repeat to sync one device ID for several users")
    p.add_argument("--device-id", required=True)
    p.add_argument("--device-type", default="iPhone")
    p.add_argument("--model", default="iPhone15,2")
    p.add_argument("--os", default="iOS 17.1 21B74")
    p.add_argument("--user-agent", default="Apple-iPhone15C2/2101.74")
    p.set_defaults(func=cmd_eas_sync)
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except LabError as exc:
        print("lab: error: %s" % exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
