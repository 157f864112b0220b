# -*- coding: utf-8 -*-
# Copyright: (c) 2026, adremedy.directory contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The connection options every module takes. Set them once for all modules with
    # module_defaults and the action group adremedy.directory.ad.
    DOCUMENTATION = r"""
options:
  server:
    description:
      - One or more domain controllers as C(ldaps://host[:port]) or C(ldap://host[:port]), tried in
        order until one answers. A bare host name means LDAPS on port 636.
      - Bad credentials stop at the first server, so an account is never locked out by retries. A bind
        the DC refuses is one line saying what happened and what to do (wrong password, unknown,
        disabled, expired or locked-out account, password expired or to be changed, logon hours or
        workstations, channel binding required, signing required).
      - If not set, the value of the environment variable E(ADREMEDY_SERVER) is used (comma separated).
        Without either the module fails in one line naming both, and the playbooks' inventory
        variable C(adremedy_connection).
      - The aliases O(server_uri) (community.general's LDAP modules) and O(domain_server)
        (microsoft.ad) let settings written for those collections be reused.
    type: list
    elements: str
    aliases: [server_uri, domain_server]
  start_tls:
    description:
      - Upgrade C(ldap://) connections with StartTLS before binding.
      - If not set, the value of the environment variable E(ADREMEDY_START_TLS) is used, when it is not empty.
    type: bool
    default: false
  validate_certs:
    description:
      - Check the DC's TLS certificate and host name. Only turn this off in a lab.
      - If not set, the value of the environment variable E(ADREMEDY_VALIDATE_CERTS) is used, when it is not empty.
    type: bool
    default: true
  ca_cert:
    description:
      - PEM file with the CA that issued the DC's certificate. Without it the system's CAs are used.
      - A path that does not exist, is a directory or holds no PEM certificate fails before any
        connection, saying which.
      - If not set, the value of the environment variable E(ADREMEDY_CA_CERT) is used.
    type: path
  auth:
    description:
      - How to bind. See the collection's C(docs/authentication.md) for what each gives with each
        transport and DC policy.
      - V(simple) is a simple bind, only over LDAPS or StartTLS (the module refuses to send a password
        in clear text).
      - V(kerberos) is SASL GSSAPI. Without O(password) the ticket comes from the ticket cache
        (C(kinit), E(KRB5CCNAME)) or from the keytab E(KRB5_CLIENT_KTNAME) names; with O(password)
        the module gets a ticket for O(bind_dn) itself. O(bind_dn) is then a Kerberos principal
        (C(user@REALM)), not a DN. O(server) must name the DC as its service principal does
        (C(ldap/dc1.example.com)), not by IP address. The realm and its KDCs come from
        C(krb5.conf) (E(KRB5_CONFIG)). Needs the C(gssapi) Python package.
      - V(ntlm) is NTLM in SASL GSS-SPNEGO (O(bind_dn) as C(DOMAIN\\user) or C(user@domain), with
        O(password)). Needs the C(pyspnego) Python package (pure Python, it brings its own MD4, so
        it works on OpenSSL 3).
      - V(negotiate) is Kerberos when a ticket can be had (from O(bind_dn) and O(password), the
        cache or the keytab), else NTLM, as Windows clients do. O(bind_dn) as C(user@REALM) serves
        both. A wrong password or an account the KDC refuses is not tried again with NTLM.
      - V(kerberos), V(ntlm) and V(negotiate) over plain C(ldap://) without O(start_tls) are signed
        and sealed (the SASL security layer encrypts every LDAP message after the bind), so a DC
        without a certificate can be used; over LDAPS or StartTLS they add no security layer (AD
        refuses one inside TLS) and carry the C(tls-server-end-point) channel binding token, so a DC
        that enforces LDAP channel binding accepts them.
      - If not set, the value of the environment variable E(ADREMEDY_AUTH) is used, when it is not empty.
    type: str
    choices: [simple, kerberos, ntlm, negotiate]
    default: simple
  bind_dn:
    description:
      - The account to bind as, as a DN, a user principal name or C(DOMAIN\\user); with
        O(auth=kerberos) a Kerberos principal (C(user@REALM)).
      - If not set, the value of the environment variable E(ADREMEDY_BIND_DN) is used.
      - The alias O(domain_username) is microsoft.ad's name for it.
    type: str
    aliases: [domain_username]
  password:
    description:
      - The account's password.
      - If not set, the value of the environment variable E(ADREMEDY_PASSWORD) is used, else the
        content of the file the environment variable E(ADREMEDY_PASSWORD_FILE) names (without its
        final line break), which is how the collection's AWX credential type passes it.
      - The aliases O(bind_pw) (community.general's LDAP modules) and O(domain_password)
        (microsoft.ad) let settings written for those collections be reused.
    type: str
    aliases: [bind_pw, domain_password]
  connect_timeout:
    description:
      - Seconds each server gets to open a usable connection, all phases together - TCP connect,
        TLS handshake, StartTLS and bind. A server that accepts TCP and then says nothing fails
        with the phase named (for example C(TLS handshake with ldaps://dc1:636 did not finish
        within 10 s)) after about this long, and the next server in O(server) is tried.
    type: int
    default: 10
  operation_timeout:
    description:
      - Seconds to wait for the answer to one LDAP request (one page of a search, one modify).
      - A request with no answer in this time ends the task with the operation and object named;
        it is not retried (a wedged DC would make every retry wait as long again), and a search
        never returns the entries it got before as if they were all.
    type: int
    default: 120
  page_size:
    description:
      - Entries per page of a paged search.
    type: int
    default: 1000
  gc_server:
    description:
      - One or more Global Catalog servers of the forest, as C(ldaps://host[:port]) or
        C(ldap://host[:port]) (with O(start_tls)); without a port, 3269 for LDAPS and 3268 for LDAP.
        The same account, certificate checks and timeouts as for O(server) apply.
      - Used where the protected set is computed (the modules that classify AdminSDHolder-protected
        accounts - M(adremedy.directory.inheritance), M(adremedy.directory.inheritance_rollback),
        M(adremedy.directory.protected_accounts_info), M(adremedy.directory.eas_readiness_info),
        M(adremedy.directory.compliance_info)), and only when it is needed, so a run in a
        single-domain forest never connects to it. It follows members of protected groups that
        this domain does not hold (groups and accounts of other domains of the forest,
        Enterprise Admins and Schema Admins seen from a child domain) and reads C(tokenGroups)
        with the universal groups of the whole forest.
      - >-
        Without it, such a member cannot be followed. A member that cannot be followed (also a
        foreign security principal of another forest or an external domain, with or without it)
        makes every C(adminCount=1) account that is in no protected group the module can see
        V(protected) with the reason C(protected (unresolved: ...)), never orphaned, so it is
        never written.
      - If not set, the value of the environment variable E(ADREMEDY_GC_SERVER) is used (comma separated), when it is not empty.
    type: list
    elements: str
requirements:
  - ldap3 (Python library, on the managed node)
  - pyspnego (Python library) for O(auth=ntlm) and the NTLM part of O(auth=negotiate)
  - gssapi (Python library) for O(auth=kerberos) and the Kerberos part of O(auth=negotiate)
notes:
  - Transient failures (server busy or unavailable, connection reset) are retried three times with
    growing pauses; a search that loses its connection after it has returned entries fails rather
    than return a partial answer.
  - Security descriptors are read and written with the SD flags control set to DACL only, so the
    account needs no SeSecurityPrivilege.
"""
