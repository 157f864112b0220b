"""The Exchange schema subset the lab adds to Samba, built from the collection's one table of
Exchange classes and attributes, plugins/module_utils/_exchange/_schema.py: every row with a lab
OID (attributeID, governsID) is added, with its lDAPDisplayName, cn, syntax, single-valuedness
and schemaIDGUID (Exchange's real names and GUIDs; where each comes from is the row's source).

Samba only makes new schema objects usable in a *later* ldbmodify process, so the LDIF comes in
steps: attributes first, then classes in the order their possSuperiors need, then the user class.
"""

import importlib.util
import os
import uuid

# The table imports nothing but the standard library: loaded by its path, no Ansible needed.
_SPEC = importlib.util.spec_from_file_location("adremedy_exchange_schema", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "plugins", "module_utils",
    "_exchange", "_schema.py"))
schema = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(schema)

STRING, INTEGER, DN = schema.STRING, schema.INTEGER, schema.DN

# Indexed in the lab (searchFlags 1), for the searches of devices by ID, type, model and state.
# The two lists are not indexed: an index refuses the case-duplicates that AD stores.
INDEXED = {schema.DEVICE_ID, schema.DEVICE_TYPE, schema.DEVICE_MODEL, schema.ACCESS_STATE}


def _oid_number(oid):
    return int(oid.rsplit(".", 1)[1])


def may_contain(class_name):
    """The attributes the lab lets a class carry, in table order."""
    return [row.name for row in schema.ATTRIBUTES if class_name in row.held_by]


# The rows the lab adds, in OID order (an OID is the row's number in the lab).
ATTRIBUTES = sorted((a for a in schema.ATTRIBUTES if a.attribute_id),
                    key=lambda a: _oid_number(a.attribute_id))
# Classes in dependency order (each applied in its own step). msExchConfigurationContainer
# (CN=Microsoft Exchange) has no lab OID: Samba's base schema already has it.
CLASSES = sorted((c for c in schema.CLASSES if c.governs_id),
                 key=lambda c: _oid_number(c.governs_id))
USER_ATTRS = may_contain("user")

# AD classes carry a default DACL for new objects: Domain Admins and SYSTEM full control,
# Authenticated Users read. Exchange's exact value is not known here; without any, the children
# of a user whose DACL inherits nothing (inheritance removed) get an empty DACL, and Samba then
# fails every subtree search with an in-chain filter with operationsError (1) "Indexed and full
# searches both failed".
DEFAULT_SECURITY_DESCRIPTOR = ("D:(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;DA)"
                               "(A;;RPWPCRCCDCLCLORCWOWDSDDTSW;;;SY)(A;;RPLCLORC;;;AU)")

# Base64 BER of the OM object class of DN-syntax attributes, as in Samba's own schema files.
DN_OM_OBJECT_CLASS = "KwwCh3McAIVK"


def _schema_object(schema_dn, cn, name, object_class):
    return ["dn: CN=%s,%s" % (cn, schema_dn), "changetype: add", "objectClass: top",
            "objectClass: %s" % object_class, "cn: %s" % cn, "lDAPDisplayName: %s" % name]


def _attribute_ldif(schema_dn, attribute):
    name, cn, syntax, guid = (attribute.name, attribute.cn, attribute.syntax,
                              attribute.schema_id_guid)
    lines = _schema_object(schema_dn, cn, name, "attributeSchema") + [
        "attributeID: %s" % attribute.attribute_id,
        "isSingleValued: %s" % ("TRUE" if attribute.single_valued else "FALSE"),
        "searchFlags: %d" % (1 if name in INDEXED else 0),
        "systemOnly: FALSE",
    ]
    if syntax == STRING:
        lines += ["attributeSyntax: 2.5.5.12", "oMSyntax: 64"]
    elif syntax == INTEGER:
        lines += ["attributeSyntax: 2.5.5.9", "oMSyntax: 2"]
    else:  # DN (test__schema checks every row the lab adds has one of the three syntaxes)
        lines += ["attributeSyntax: 2.5.5.1", "oMSyntax: 127",
                  "oMObjectClass:: %s" % DN_OM_OBJECT_CLASS]
    if guid:
        lines.append("schemaIDGUID: %s" % uuid.UUID(guid))
    return "\n".join(lines) + "\n"


def _class_ldif(schema_dn, cls):
    name, cn, guid = cls.name, cls.cn, cls.schema_id_guid
    lines = _schema_object(schema_dn, cn, name, "classSchema") + [
        "governsID: %s" % cls.governs_id,
        "subClassOf: %s" % cls.sub_class_of,
        "objectClassCategory: 1",
        "rDNAttID: cn",
        "systemOnly: FALSE",
        "defaultHidingValue: TRUE",
        "defaultSecurityDescriptor: %s" % DEFAULT_SECURITY_DESCRIPTOR,
    ]
    lines += ["possSuperiors: %s" % s for s in cls.poss_superiors]
    lines += ["mayContain: %s" % m for m in may_contain(name)]
    if guid:
        lines.append("schemaIDGUID: %s" % uuid.UUID(guid))
    return "\n".join(lines) + "\n"


def _refresh():
    return "dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-\n"


def ldif_steps(schema_dn):
    """The LDIF to apply, one string per ldbmodify process."""
    steps = ["\n".join(_attribute_ldif(schema_dn, a) for a in ATTRIBUTES) + "\n" + _refresh()]
    for cls in CLASSES:
        steps.append(_class_ldif(schema_dn, cls) + "\n" + _refresh())
    user = ["dn: CN=User,%s" % schema_dn, "changetype: modify", "add: mayContain"]
    user += ["mayContain: %s" % a for a in USER_ATTRS]
    steps.append("\n".join(user) + "\n-\n\n" + _refresh())
    return steps
