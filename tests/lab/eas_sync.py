"""The EAS sync stand-in: what Exchange does in AD when a phone first syncs.

Exchange binds as its server account (a member of Exchange Servers), creates
CN=ExchangeActiveSyncDevices under the user if it is missing, then the device object
CN=<DeviceType>§<DeviceId> in it (Exchange 2013 ADDeviceManager.CreateMobileDevice). Done here
over LDAPS as EXCH01, so the DC's own access check decides: on a user whose inheritance is off the
container create fails with insufficientAccessRights (50), which is event 1053.
"""

import lab
from seed import USER_PASSWORD

EXCHANGE_ACCOUNT = "CN=EXCH01,OU=Service Accounts,OU=Lab,%s" % lab.BASE_DN


def _code(conn):
    return conn.result.get("result"), conn.result.get("description")


def sync(user_dn, device_id, device_type, model, os_name="", user_agent="", state=1, reason=3):
    conn = lab.admin_connection(EXCHANGE_ACCOUNT, USER_PASSWORD)
    try:
        container = "CN=ExchangeActiveSyncDevices,%s" % user_dn
        created = False
        if not conn.search(container, "(objectClass=*)", search_scope="BASE", attributes=["cn"]):
            if not conn.add(container, ["top", "msExchActiveSyncDevices"]):
                code, name = _code(conn)
                return {"result": name, "code": code, "step": "container", "dn": container,
                        "event": 1053}
            created = True
        device = "CN=%s\u00a7%s,%s" % (device_type, device_id, container)
        attrs = {"msExchDeviceID": device_id, "msExchDeviceType": device_type,
                 "msExchDeviceAccessState": str(state),
                 "msExchDeviceAccessStateReason": str(reason)}
        if model:
            attrs.update({"msExchDeviceModel": model, "msExchDeviceOS": os_name,
                          "msExchDeviceUserAgent": user_agent})
        if not conn.add(device, ["top", "msExchActiveSyncDevice"], attrs):
            code, name = _code(conn)
            if code == 68:  # entryAlreadyExists: the partnership is there, as on a re-sync
                return {"result": "success", "code": 0, "step": "device", "dn": device,
                        "container_created": created, "device_created": False}
            return {"result": name, "code": code, "step": "device", "dn": device, "event": 1054}
        return {"result": "success", "code": 0, "step": "device", "dn": device,
                "container_created": created, "device_created": True}
    finally:
        conn.unbind()
