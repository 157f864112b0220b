"""Rights predicted, not discovered (issue 22 items 1 and 2), on the lab with the enforcement
account delegated as docs/least-privilege.md says (lab.py delegate enforcement: WRITE_DAC
inherited to the users of an OU this test makes).

Item 1: the delegated account runs `inheritance` in check mode on the OU, where some users'
inheritance was turned off with the inherited ACEs removed (ADUC's "Remove": the OU's
delegation no longer reaches them) and others with them converted (ADUC's "Convert": the
delegation's ACE stays as an explicit copy). Check mode says which fail, with
insufficientAccessRights (50) and why; the real run fails exactly those, unattempted, and fixes
the others; the DC's own verdict on the predicted ones (a write sent by hand) is 50 too.

Item 2: the doc's first-run recipe: the objects the delegation cannot reach are fixed once by a
more privileged account (here the lab's Administrator, a Domain Admin: the owner, and the
schema default's explicit ACE for Domain Admins), or after an admin grants the service account
WRITE_DAC on the object itself; scheduled enforcement with the delegated account then keeps
them fixed (inheritance turned off again with "Convert" is fixed by the service account)."""

import json

import ldap3
import pytest
from ldap3.protocol.microsoft import security_descriptor_control

from conftest import LAB_OU, lab_cli, run_playbook
from made_here import make_tree, protected, undo_all

from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    Ace, SecurityDescriptor)
from ansible_collections.adremedy.directory.plugins.module_utils._security._dacl import (
    disable_inheritance)

OU = "OU=Rights Prédites,%s" % LAB_OU
REMOVED = ["CN=Removed %d,%s" % (n, OU) for n in range(1, 4)]
CONVERTED = ["CN=Converted %d,%s" % (n, OU) for n in range(1, 3)]
FINE = "CN=Fine,%s" % OU


def _turn_off(directory, dn, mode):
    sd = disable_inheritance(SecurityDescriptor.parse(directory.read_sd(dn)), mode)[0]
    directory.write_sd(dn, sd.to_bytes())


@pytest.fixture
def estate(lab, directory):
    """The OU, its users (three with the inherited ACEs removed, two converted, one fine), and
    svc-enforcement delegated on it; all taken away afterwards."""
    users = dict((dn, "rp-%d" % n) for n, dn in enumerate(REMOVED + CONVERTED + [FINE]))
    try:
        make_tree(directory, [OU], users)
        account = json.loads(lab_cli("delegate", "enforcement", "--ou", OU).splitlines()[-1])
        for dn in REMOVED:
            _turn_off(directory, dn, "remove")
        for dn in CONVERTED:
            _turn_off(directory, dn, "preserve")
        yield dict(account=account, lab=lab)
    finally:
        undo_all(lambda: directory.tree_delete(OU),
                 lambda: lab_cli("delegate", "enforcement", "--remove"))


def as_service(ansible, estate, args, check=False):
    lab, account = estate["lab"], estate["account"]
    return ansible.run("inheritance", dict(args, server=[lab["server"]], ca_cert=lab["ca_cert"],
                                           bind_dn=account["bind_dn"],
                                           password=account["password"]),
                       check=check, defaults=False)


def failed_of(result):
    return sorted(o["dn"] for o in result["objects"] if o["status"] == "failed")


def dc_verdict(estate, dn, directory):
    """The DC's own answer to the write the module held back: the object's DACL with
    inheritance on, sent as the service account by hand (SD flags 4)."""
    lab, account = estate["lab"], estate["account"]
    conn = ldap3.Connection(ldap3.Server(lab["server"], use_ssl=True,
                                         tls=ldap3.Tls(ca_certs_file=lab["ca_cert"])),
                            account["bind_dn"], account["password"], auto_bind=True)
    try:
        sd = SecurityDescriptor.parse(directory.read_sd(dn))
        sd.control &= ~0x1000
        conn.modify(dn, {"nTSecurityDescriptor": [(ldap3.MODIFY_REPLACE, [sd.to_bytes()])]},
                    controls=security_descriptor_control(sdflags=4))
        return conn.result["result"]
    finally:
        conn.unbind()


def test_check_mode_predicts_the_real_runs_failures_for_the_delegated_account(
        ansible, directory, estate, tmp_path):
    check = as_service(ansible, estate, {"search_base": OU}, check=True)
    assert check["failed"]
    assert failed_of(check) == sorted(REMOVED)
    assert check["counts"]["changed"] == len(CONVERTED)
    for item in check["objects"]:
        if item["status"] == "failed":
            assert item["ldap_code"] == 50 and item["predicted"] and item["dn"] in item["error"]
            assert "insufficientAccessRights (50)" in item["error"]
            assert "lacks WRITE_DAC" in item["error"] and "\n" not in item["error"]
            assert "inheritance is off on this user, so the OU's delegation does not reach it" \
                in item["error"]
    assert sorted(i["dn"] for i in check["insufficient_rights"]) == sorted(REMOVED)
    assert all(protected(directory, dn) for dn in REMOVED + CONVERTED)  # nothing written
    # the DC agrees: the held-back write, sent by hand, is refused with 50
    assert [dc_verdict(estate, dn, directory) for dn in REMOVED] == [50] * len(REMOVED)
    real = as_service(ansible, estate, {"search_base": OU})
    assert real["failed"]
    assert (real["counts"], real["objects"]) == (check["counts"], check["objects"])
    assert all(protected(directory, dn) for dn in REMOVED)
    assert not any(protected(directory, dn) for dn in CONVERTED + [FINE])
    print("PREDICTED %d failed in check mode; real run %d failed (50), %d changed"
          % (check["counts"]["failed"], real["counts"]["failed"], real["counts"]["changed"]))
    # the enforcement role's summary names the objects that need a more privileged first run
    lab, account = estate["lab"], estate["account"]
    run = run_playbook("enforce_inheritance", dict(
        search_base=OU, output_dir=str(tmp_path / "enforce"),
        adremedy_connection=dict(server=[lab["server"]], ca_cert=lab["ca_cert"],
                                 bind_dn=account["bind_dn"], password=account["password"])))
    assert run.rc != 0
    assert "need a more privileged first run" in run.output
    assert all(dn in run.output for dn in REMOVED), run.output[-3000:]
    record = json.loads((tmp_path / "enforce" / "last-run.json").read_text())
    assert sorted(record["needs_privileged_run"]) == sorted(REMOVED)


def test_the_first_run_recipe_then_scheduled_enforcement_keeps_them_fixed(
        ansible, directory, estate):
    # (a) an admin grants the service account WRITE_DAC on one such object (dsacls /G ...:WD);
    # the service account then fixes it itself
    granted = REMOVED[0]
    sd = SecurityDescriptor.parse(directory.read_sd(granted))
    sid = _sid(directory, estate["account"]["bind_dn"])
    sd.dacl.aces.insert(0, Ace(0x00, 0, 0x40000, sid))
    directory.write_sd(granted, sd.to_bytes())
    assert not as_service(ansible, estate, {"dn": [granted]}, check=True)["failed"]
    fixed = as_service(ansible, estate, {"dn": [granted]})
    assert not fixed["failed"] and fixed["counts"]["changed"] == 1
    # (b) the rest once with a more privileged account (Domain Admins: the owner and the
    # schema default's explicit ACE); no prediction holds an administrator back
    first = ansible.run("inheritance", {"search_base": OU})
    assert not first.get("failed"), first.get("msg")
    assert first["insufficient_rights"] == []
    assert not any(protected(directory, dn) for dn in REMOVED + CONVERTED + [FINE])
    # scheduled enforcement: the delegation reaches them all now; turned off again with
    # ADUC's "Convert", the service account fixes them itself
    for dn in REMOVED:
        _turn_off(directory, dn, "preserve")
    again = as_service(ansible, estate, {"search_base": OU})
    assert not again["failed"], again.get("msg")
    assert again["counts"]["changed"] == len(REMOVED)
    assert not any(protected(directory, dn) for dn in REMOVED)


def _sid(directory, dn):
    from made_here import sid_and_guid
    return sid_and_guid(directory.conn, dn)[0]


def test_a_list_write_the_account_may_not_make_is_predicted_as_the_dc_refuses_it(
        ansible, directory, estate):
    # svc-enforcement holds WRITE_DAC only: write property on the allow list is refused by the
    # DC (sent by hand), and eas_allowed_devices predicts exactly that, in check mode too
    lab, account = estate["lab"], estate["account"]
    conn = ldap3.Connection(ldap3.Server(lab["server"], use_ssl=True,
                                         tls=ldap3.Tls(ca_certs_file=lab["ca_cert"])),
                            account["bind_dn"], account["password"], auto_bind=True)
    try:
        conn.modify(FINE, {"msExchMobileAllowedDeviceIDs": [(ldap3.MODIFY_ADD, ["RPDC0001"])]})
        assert conn.result["result"] == 50, conn.result
    finally:
        conn.unbind()
    args = dict(entries=[dict(user=FINE, allowed=["RP0001"])], server=[lab["server"]],
                ca_cert=lab["ca_cert"], bind_dn=account["bind_dn"], password=account["password"])
    check = ansible.run("eas_allowed_devices", args, check=True, defaults=False)
    real = ansible.run("eas_allowed_devices", args, defaults=False)
    assert (check["counts"], check["objects"]) == (real["counts"], real["objects"])
    [item] = real["objects"]
    assert item["status"] == "failed" and item["ldap_code"] == 50 and item["predicted"]
    assert "write property on msExchMobileAllowedDeviceIDs" in item["error"]
    assert directory.attribute(FINE, "msExchMobileAllowedDeviceIDs") in (None, [])
