"""make bench: the collection against raw OpenLDAP client tools on the same lab, in one run.

    bench/run.py [--size 10000] [--runs 3] [--lab-dir DIR] [--out bench/results.json] [--only NAME]

Brings up a lab of --size users in its own directory (ADREMEDY_LAB_DIR, default bench/.lab;
seeded offline and cached, see tests/lab/lab.py), never the test lab's; run it in its own network
namespace (the Makefile does) because the DC's ports are fixed. Each figure is the whole process
from outside (wall seconds), min and median of --runs; ratios are medians taken in this run, so
a busy machine moves both sides. Writes results.json and results.md next to --out and exits 1
when a target (DESIGN section 8) is missed.
"""

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB_PY = os.path.join(ROOT, "tests", "lab", "lab.py")
VENV_BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

USER_FILTER = "(&(objectCategory=person)(objectClass=user))"
USER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "nTSecurityDescriptor", "adminCount",
                   "msExchOmaAdminWirelessEnable", "msExchMobileAllowedDeviceIDs",
                   "msExchMobileBlockedDeviceIDs"]
DEVICE_ATTRIBUTES = ["msExchDeviceID", "msExchDeviceType", "msExchDeviceModel", "msExchDeviceOS",
                     "msExchDeviceUserAgent", "msExchDeviceAccessState",
                     "msExchDeviceAccessStateReason", "msExchDeviceAccessControlRuleLink"]
OWNER_ATTRIBUTES = ["sAMAccountName", "userPrincipalName", "msExchOmaAdminWirelessEnable",
                    "msExchMobileAllowedDeviceIDs", "msExchMobileBlockedDeviceIDs"]
SD_FLAGS_OID = "1.2.840.113556.1.4.801"
SD_FLAGS_VALUE = base64.b64encode(b"\x30\x03\x02\x01\x04").decode()  # SEQUENCE { INTEGER 4 }
SD_FLAGS_4 = "%s=::%s" % (SD_FLAGS_OID, SD_FLAGS_VALUE)

# (name, measured, baseline or list of baselines summed, limit, sizes it applies from)
TARGETS = [
    ("compliance report vs raw search", "report", ["raw_users"], 1.5, 0),
    ("compliance report vs raw search (100k)", "report", ["raw_users"], 1.2, 100000),
    ("enforcement fixing the broken users vs raw search + raw modify", "enforce_fix",
     ["raw_users", "raw_modify"], 1.5, 0),
    ("idempotent enforcement vs raw search", "enforce_quiet", ["raw_users"], 1.5, 0),
    ("eas_device_info vs raw devices + owners", "device_info", ["raw_devices"], 2.0, 0),
    ("eas_access_plan vs raw devices + owners", "access_plan", ["raw_devices"], 2.0, 0),
]


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.lab_dir = os.path.abspath(args.lab_dir)
        self.env = dict(os.environ, ADREMEDY_LAB_DIR=self.lab_dir, ANSIBLE_NOCOLOR="1")
        # Samba's own default, and like an AD DC (one service, many threads): connections are
        # served in parallel, as read_connections expects. The test lab runs "single".
        self.env.setdefault("ADREMEDY_LAB_PROCESS_MODEL", "prefork")
        self.env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(ROOT, "build", "collections"))
        self.work = tempfile.mkdtemp(prefix="adremedy-bench-")
        self.results = {}
        self.rss_log = os.path.join(self.work, "rss.log")

    # -- the lab ------------------------------------------------------------------------------

    def lab(self, *args, check=True):
        return subprocess.run(["/usr/bin/python3", LAB_PY] + list(args), env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              check=check)

    def ensure_lab(self):
        seed_file = os.path.join(self.lab_dir, "seed.json")
        try:
            with open(seed_file) as fh:
                seeded = json.load(fh)
        except (OSError, ValueError):
            seeded = None
        dirty = os.path.exists(os.path.join(self.lab_dir, "bench-dirty"))
        if seeded is None or seeded.get("size") != self.args.size or dirty:
            log("lab of %d users in %s (from the seeded cache when there is one)"
                % (self.args.size, self.lab_dir))
            self.lab("down", "--purge")
        began = time.time()
        out = self.lab("up", "--size", str(self.args.size), "--offline")
        log("lab up in %.1f s" % (time.time() - began))
        del out
        self.info = json.loads(self.lab("env", "--json").stdout)
        self.base = "OU=Lab,%s" % self.info["base_dn"]
        self.inventory = os.path.join(self.work, "inventory.yml")
        conn = {"server": [self.info["server"]], "ca_cert": self.info["ca_cert"],
                "bind_dn": self.info["bind_dn"], "password": self.info["password"]}
        interpreter = self.rss_wrapper()
        with open(self.inventory, "w") as fh:
            json.dump({"all": {"hosts": {"localhost": {
                "ansible_connection": "local", "ansible_python_interpreter": interpreter}},
                "vars": {"adremedy_connection": conn}}}, fh)

    def rss_wrapper(self):
        """An interpreter for modules that logs each module process's peak RSS."""
        path = os.path.join(self.work, "python-rss")
        with open(path, "w") as fh:
            fh.write("#!/bin/sh\nexec /usr/bin/time -a -o %s -f '%%M %%e' %s \"$@\"\n"
                     % (self.rss_log, sys.executable))
        os.chmod(path, 0o755)
        return path

    # -- timing -------------------------------------------------------------------------------

    def timed(self, name, cmd, runs=None, before=None, env=None, ok=(0,)):
        """Wall seconds of a whole process, min and median over runs."""
        if self.args.only and name not in self.args.only:
            return None
        runs = runs or self.args.runs
        times = []
        for run in range(runs):
            if before:
                before()
            if os.path.exists(self.rss_log):
                os.unlink(self.rss_log)
            began = time.monotonic()
            proc = subprocess.run(cmd, env=dict(self.env, **(env or {})),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, check=False)
            elapsed = time.monotonic() - began
            if proc.returncode not in ok:
                raise SystemExit("bench: %s failed (%d):\n%s" % (name, proc.returncode,
                                                                 proc.stdout[-4000:].decode()))
            times.append(elapsed)
        entry = {"runs": [round(t, 3) for t in times], "min": round(min(times), 3),
                 "median": round(statistics.median(times), 3)}
        rss = self.module_rss()
        if rss:
            entry["module_peak_rss_mb"] = rss
        self.results[name] = entry
        log("%-16s min %7.2f s  median %7.2f s%s" % (name, entry["min"], entry["median"],
                                                     "  module peak RSS %.0f MB" % rss
                                                     if rss else ""))
        return entry

    def module_rss(self):
        try:
            with open(self.rss_log) as fh:
                peaks = [int(line.split()[0]) for line in fh if line.split()
                         and line.split()[0].isdigit()]
        except OSError:
            return None
        return round(max(peaks) / 1024.0, 1) if peaks else None

    # -- raw baselines ------------------------------------------------------------------------

    def ldap_env(self):
        return {"LDAPTLS_CACERT": self.info["ca_cert"], "LDAPTLS_REQCERT": "demand"}

    def ldapsearch(self, base, search_filter, attributes, sd_flags=False):
        cmd = ["ldapsearch", "-LLL", "-x", "-H", self.info["server"], "-D", self.info["bind_dn"],
               "-w", self.info["password"], "-b", base, "-E", "pr=1000/noprompt"]
        if sd_flags:
            cmd += ["-E", "!" + SD_FLAGS_4]
        return cmd + [search_filter] + attributes

    def ldapmodify(self, ldif):
        return ["ldapmodify", "-x", "-H", self.info["server"], "-D", self.info["bind_dn"],
                "-w", self.info["password"], "-f", ldif]

    def sh(self, *cmds):
        """One shell line of commands, outputs to /dev/null (the raw tools print everything)."""
        import shlex
        return ["sh", "-c", " && ".join(" ".join(shlex.quote(a) for a in c) + " >/dev/null"
                                        for c in cmds)]

    # -- the collection -----------------------------------------------------------------------

    def playbook(self, name, extra, check=False):
        cmd = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", self.inventory,
               os.path.join(ROOT, "playbooks", name + ".yml"), "-e", json.dumps(extra)]
        return cmd + (["--check"] if check else [])

    def one_task(self, module, args, name, check=False, loop=None):
        """A playbook of one task of the collection (with a loop when given)."""
        task = {"adremedy.directory.%s" % module: args, "check_mode": check}
        if loop is not None:
            task["loop"] = loop
        play = [{"hosts": "localhost", "gather_facts": False,
                 "module_defaults": {"group/adremedy.directory.ad": "{{ adremedy_connection }}"},
                 "tasks": [task]}]
        path = os.path.join(self.work, name + ".yml")
        with open(path, "w") as fh:
            json.dump(play, fh)
        return [os.path.join(VENV_BIN, "ansible-playbook"), "-i", self.inventory, path]

    # -- descriptors for the enforcement runs -------------------------------------------------

    def connection(self):
        import ssl
        import ldap3
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.info["ca_cert"])
        server = ldap3.Server("127.0.0.1", port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE)
        return ldap3.Connection(server, self.info["bind_dn"], self.info["password"],
                                auto_bind=True)

    def read_sds(self, dns):
        from ldap3.protocol.microsoft import security_descriptor_control
        conn = self.connection()
        out = {}
        for dn in dns:
            conn.search(dn, "(objectClass=*)", search_scope="BASE",
                        attributes=["nTSecurityDescriptor"],
                        controls=security_descriptor_control(sdflags=4))
            out[dn] = conn.response[0]["raw_attributes"]["nTSecurityDescriptor"][0]
        conn.unbind()
        return out

    def broken_users(self):
        """Users whose DACL is protected and who are not in the protected set: what the
        enforcement run fixes."""
        from ldap3.protocol.microsoft import security_descriptor_control
        conn = self.connection()
        dns = []
        for item in conn.extend.standard.paged_search(
                self.base, USER_FILTER, attributes=["nTSecurityDescriptor", "adminCount"],
                controls=security_descriptor_control(sdflags=4), paged_size=1000,
                generator=True):
            raw = item.get("raw_attributes") or {}
            sd = (raw.get("nTSecurityDescriptor") or [b""])[0]
            if len(sd) > 3 and sd[3] & 0x10 and not raw.get("adminCount"):
                dns.append(item["dn"])
        conn.unbind()
        return dns

    @staticmethod
    def sd_ldif(path, sds):
        with open(path, "w") as fh:
            for dn, blob in sds.items():
                # ldapmodify has no generic control option; LDIF carries it (RFC 2849).
                fh.write("dn:: %s\ncontrol: %s true:: %s\nchangetype: modify\n"
                         "replace: nTSecurityDescriptor\n"
                         "nTSecurityDescriptor:: %s\n-\n\n"
                         % (base64.b64encode(dn.encode()).decode(), SD_FLAGS_OID,
                            SD_FLAGS_VALUE, base64.b64encode(blob).decode()))

    def restore(self, ldif):
        def run():
            subprocess.run(self.ldapmodify(ldif), env=dict(self.env, **self.ldap_env()),
                           stdout=subprocess.DEVNULL, check=True)
        return run

    # -- the run ------------------------------------------------------------------------------

    def run(self):
        self.ensure_lab()
        ldap_env = self.ldap_env()
        size = self.args.size
        users = self.ldapsearch(self.base, USER_FILTER, USER_ATTRIBUTES, sd_flags=True)
        self.timed("raw_users", self.sh(users), env=ldap_env)
        self.timed("ldap3_users", [sys.executable, "-c", LDAP3_SEARCH, self.info["server"],
                                   self.info["ca_cert"], self.info["bind_dn"],
                                   self.info["password"], self.base, USER_FILTER]
                   + USER_ATTRIBUTES)
        devices = self.ldapsearch(self.base, "(objectClass=msExchActiveSyncDevice)",
                                  DEVICE_ATTRIBUTES)
        owners = self.ldapsearch(self.base, USER_FILTER, OWNER_ATTRIBUTES)
        self.timed("raw_devices", self.sh(devices, owners), env=ldap_env)

        report_dir = os.path.join(self.work, "report")
        self.timed("report", self.playbook("compliance_report", {
            "search_base": self.base, "output_dir": report_dir}, check=True))
        self.html(os.path.join(report_dir, "report.html"))

        self.timed("device_info", self.one_task("eas_device_info", {
            "search_base": self.base}, "device_info"))
        changes = [{"action": "remove_rule", "name": "iPhone15,2 (DeviceModel)"}]
        self.timed("access_plan", self.one_task("eas_access_plan", {
            "search_base": self.base, "changes": changes}, "access_plan"))

        # Enforcement: the broken users are fixed, put back (raw, untimed), fixed again.
        wanted = {"enforce_fix", "enforce_quiet", "raw_modify", "loop"}
        if not self.args.only or set(self.args.only) & wanted:
            self.enforcement(users, ldap_env, size)
        return self.finish()

    def enforcement(self, users, ldap_env, size):
        broken = self.broken_users()
        log("%d users with inheritance off and not protected" % len(broken))
        with open(os.path.join(self.lab_dir, "bench-dirty"), "w") as fh:
            fh.write("the enforcement runs wrote here; the next bench restores the lab\n")
        broken_ldif = os.path.join(self.work, "broken.ldif")
        self.sd_ldif(broken_ldif, self.read_sds(broken))
        enforce_dir = os.path.join(self.work, "enforce")
        fix = self.playbook("enforce_inheritance", {
            "search_base": self.base, "output_dir": enforce_dir,
            "max_changes": max(len(broken), 1)})
        self.timed("enforce_fix", fix, before=self.restore(broken_ldif))
        fixed_ldif = os.path.join(self.work, "fixed.ldif")
        self.sd_ldif(fixed_ldif, self.read_sds(broken))
        self.timed("raw_modify", self.sh(self.ldapmodify(fixed_ldif)), env=ldap_env,
                   before=self.restore(broken_ldif))
        self.restore(fixed_ldif)()
        self.timed("enforce_quiet", fix)
        # A loop of one-object tasks, as people write it without set-based modules.
        items = 20
        self.timed("loop", self.one_task("inheritance", {"dn": ["{{ item }}"]}, "loop",
                                         check=True, loop=broken[:items] or [self.base]),
                   runs=1)
        loop = self.results.get("loop")
        if loop:
            per_item = loop["median"] / items
            bulk = self.results["enforce_quiet"]["median"]
            loop["per_item"] = round(per_item, 3)
            loop["bulk_factor"] = round(per_item * (size + 10) / bulk, 1)

    def html(self, page):
        """Open the report in headless Chromium: wall seconds and the PSS of all its
        processes (sampled), until its script has run."""
        if self.args.only and "html" not in self.args.only:
            return
        empty = os.path.join(self.work, "empty.html")
        with open(empty, "w") as fh:
            fh.write("<!DOCTYPE html><html><body><p>empty</p></body></html>\n")
        for name, path in (("html_floor", empty), ("html", page)):
            out = subprocess.run([sys.executable, "-c", CHROMIUM_PROBE, path],
                                 stdout=subprocess.PIPE, text=True, check=True)
            self.results[name] = json.loads(out.stdout)
            self.results[name]["bytes"] = os.path.getsize(path)
            log("%-16s %.2f s, %.0f MB PSS, %d bytes" % (
                name, self.results[name]["seconds"], self.results[name]["pss_mb"],
                self.results[name]["bytes"]))

    def finish(self):
        size = self.args.size
        rows, missed = [], []
        for title, name, bases, limit, from_size in TARGETS:
            if size < from_size or name not in self.results or any(
                    b not in self.results for b in bases):
                continue
            base = sum(self.results[b]["median"] for b in bases)
            ratio = self.results[name]["median"] / base
            ok = ratio <= limit
            rows.append((title, self.results[name]["median"], base, ratio, "<= %.1fx" % limit, ok))
            if not ok:
                missed.append(title)
        loop = self.results.get("loop")
        if loop and "bulk_factor" in loop:
            ok = loop["bulk_factor"] >= 200
            rows.append(("bulk vs a loop of one-object tasks (%.2f s per item)"
                         % loop["per_item"], self.results["enforce_quiet"]["median"],
                         loop["per_item"] * (size + 10), loop["bulk_factor"], ">= 200x", ok))
            if not ok:
                missed.append("bulk vs loop")
        peaks = [r["module_peak_rss_mb"] for r in self.results.values()
                 if isinstance(r, dict) and r.get("module_peak_rss_mb")]
        if peaks and size >= 100000:
            ok = max(peaks) <= 150
            rows.append(("peak RSS of a module process (MB)", max(peaks), 150,
                         max(peaks) / 150, "<= 150 MB", ok))
            if not ok:
                missed.append("module RSS")
        html, floor = self.results.get("html"), self.results.get("html_floor")
        if html and floor and size >= 100000:
            # Chromium itself (an empty page, same flags, same run) is the floor: on this loaded
            # 2-core machine it alone takes seconds and ~380 MB PSS; the target is the page's part.
            seconds = html["seconds"] - floor["seconds"]
            megabytes = html["pss_mb"] - floor["pss_mb"]
            ok = seconds <= 3 and megabytes < 300
            rows.append(("HTML report in headless Chromium over an empty page (s, MB in ratio "
                         "column)", seconds, floor["seconds"], megabytes, "<= 3 s, < 300 MB", ok))
            if not ok:
                missed.append("HTML report")
        doc = {"size": size, "runs": self.args.runs, "when": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "load_average": os.getloadavg(),
            "cores": os.cpu_count(), "dc_process_model": self.env["ADREMEDY_LAB_PROCESS_MODEL"],
            "results": self.results,
            "targets": [dict(zip(("target", "measured_s", "baseline_s", "ratio", "limit", "met"),
                                 r)) for r in rows], "missed": missed}
        out = os.path.abspath(self.args.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out + ".tmp", "w") as fh:
            json.dump(doc, fh, indent=1)
        os.replace(out + ".tmp", out)
        table = markdown(doc)
        with open(os.path.splitext(out)[0] + ".md", "w") as fh:
            fh.write(table)
        print(table)
        if not self.args.keep_lab:
            self.lab("down", check=False)
        return 1 if missed else 0


def markdown(doc):
    lines = ["# make bench: %d users, median of %d (%s, load %.1f, DC %s)" % (
        doc["size"], doc["runs"], doc["when"], doc["load_average"][0],
        doc.get("dc_process_model", "single")), "",
        "| what | min s | median s | module peak RSS MB |", "|---|---:|---:|---:|"]
    for name, r in doc["results"].items():
        if "median" in r:
            rss = r.get("module_peak_rss_mb", "")
            lines.append("| %s | %.2f | %.2f | %s |" % (name, r["min"], r["median"], rss))
    lines += ["", "| target | measured | baseline | ratio | limit | met |",
              "|---|---:|---:|---:|---|---|"]
    for t in doc["targets"]:
        lines.append("| %s | %.2f | %.2f | %.2f | %s | %s |" % (
            t["target"], t["measured_s"], t["baseline_s"], t["ratio"], t["limit"],
            "yes" if t["met"] else "**no**"))
    return "\n".join(lines) + "\n"


# The floor with the chosen library: ldap3's paged search of the same attributes, nothing else.
LDAP3_SEARCH = r"""
import ssl, sys, ldap3
from ldap3.protocol.microsoft import security_descriptor_control
server, ca, who, pw, base, flt = sys.argv[1:7]
tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=ca)
conn = ldap3.Connection(ldap3.Server("127.0.0.1", port=636, use_ssl=True, tls=tls,
                                     get_info=ldap3.NONE), who, pw, auto_bind=True)
n = 0
for _ in conn.extend.standard.paged_search(base, flt, attributes=sys.argv[7:], paged_size=1000,
                                           controls=security_descriptor_control(sdflags=4),
                                           generator=True):
    n += 1
"""

# Chromium opens the page; the sampler adds up the PSS of every process of its session.
CHROMIUM_PROBE = r"""
import json, os, subprocess, sys, time
page = sys.argv[1]
began = time.monotonic()
proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                         "--dump-dom", "file://" + page], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, start_new_session=True)
peak = 0
def pss():
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getsid(int(pid)) != proc.pid:
                continue
            with open("/proc/%s/smaps_rollup" % pid) as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            pass
    return total
import threading
done = []
def sample():
    global peak
    while not done:
        peak = max(peak, pss())
        time.sleep(0.05)
t = threading.Thread(target=sample)
t.start()
out = proc.communicate()[0]
seconds = time.monotonic() - began
done.append(1)
t.join()
print(json.dumps({"seconds": round(seconds, 2), "pss_mb": round(peak / 1024.0, 1),
                  "script_ran": b'data-ready="1"' in out}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lab-dir", default=os.path.join(ROOT, "bench", ".lab"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results.json"))
    parser.add_argument("--only", action="append", help="measure only these (repeat)")
    parser.add_argument("--keep-lab", action="store_true", help="leave the bench lab running")
    args = parser.parse_args()
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
