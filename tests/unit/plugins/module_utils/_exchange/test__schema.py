"""The one table of Exchange classes and attributes (_exchange/_schema.py): its rows are sound,
every msExch name the code, the lab and the docs use is in it, and the lab's schema and the
docs' attribute tables agree with it."""

import glob
import importlib.util
import os
import re
import uuid

from ansible_collections.adremedy.directory.plugins.module_utils._exchange import _schema
from ansible_collections.adremedy.directory.plugins.module_utils._exchange import (
    _mobile_policies, _organization)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 5))
NAME = re.compile(r"\bmsExch[A-Za-z0-9]+")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ROWS = _schema.ATTRIBUTES + _schema.CLASSES


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def names_in(paths):
    """{msExch name: [files naming it]} over the files, as grep finds them."""
    found = {}
    for path in paths:
        for name in set(NAME.findall(read(path))):
            found.setdefault(name, []).append(os.path.relpath(path, ROOT))
    return found


def unknown(found):
    return dict((name, files) for name, files in found.items() if _schema.find(name) is None)


def files(pattern):
    return sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True))


def test_names_and_cns_are_unique():
    names = [row.name.lower() for row in ROWS]
    cns = [row.cn.lower() for row in ROWS]
    assert len(set(names)) == len(names)
    assert len(set(cns)) == len(cns)
    assert all(row.name.startswith("msExch") and row.cn.startswith("ms-Exch-") for row in ROWS)


def test_guids_are_lowercase_canonical_and_unique():
    guids = [row.schema_id_guid for row in ROWS if row.schema_id_guid is not None]
    assert all(GUID.match(guid) and str(uuid.UUID(guid)) == guid for guid in guids), guids
    assert len(set(guids)) == len(guids)


def test_sources_syntaxes_and_lab_oids():
    for row in ROWS:
        assert row.source in _schema.SOURCES, row
    for attribute in _schema.ATTRIBUTES:
        assert attribute.syntax in (_schema.STRING, _schema.INTEGER, _schema.DN, None)
        if attribute.attribute_id is not None:  # the lab adds it: it needs a syntax
            assert attribute.syntax is not None, attribute
    for ids, arc in (([a.attribute_id for a in _schema.ATTRIBUTES], _schema.LAB_ATTRIBUTE_ARC),
                     ([c.governs_id for c in _schema.CLASSES], _schema.LAB_CLASS_ARC)):
        numbers = [int(oid[len(arc):]) for oid in ids if oid is not None]
        assert all(oid.startswith(arc) for oid in ids if oid is not None)
        # an OID is the row's number in the lab: 1..n, each once
        assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_classes_hold_and_contain_only_known_names():
    known = set(c.name for c in _schema.CLASSES) | {"top", "container", "user", "inetOrgPerson"}
    for attribute in _schema.ATTRIBUTES:
        assert set(attribute.held_by) <= known, attribute
    for cls in _schema.CLASSES:
        assert cls.sub_class_of in known and set(cls.poss_superiors) <= known, cls
    assert load_labschema().may_contain(_schema.ACCESS_RULE) == [
        _schema.RULE_CHARACTERISTIC, _schema.RULE_QUERY_STRING, _schema.ACCESS_CONTROL]


def test_every_name_constant_and_schema_list_is_a_row():
    constants = [value for key, value in vars(_schema).items()
                 if key.isupper() and isinstance(value, str) and value.startswith("msExch")]
    assert len(constants) >= 25
    assert all(_schema.find(name) for name in constants)
    for names in (_schema.DEVICE_SCHEMA, _schema.POLICY_SCHEMA, _schema.MOBILE_POLICY_SCHEMA):
        assert all(_schema.find(name) for name in names), names
    assert _schema.find("MSEXCHDEVICEID").name == "msExchDeviceID"  # LDAP names ignore case
    assert _schema.find("msExchNoSuchThing") is None


def test_the_code_keeps_its_names_from_the_table():
    assert _organization.DEVICE_SCHEMA is _schema.DEVICE_SCHEMA
    assert _organization.POLICY_SCHEMA is _schema.POLICY_SCHEMA
    assert _mobile_policies.POLICY_SCHEMA is _schema.MOBILE_POLICY_SCHEMA
    assert _organization.DEVICE_CLASS == ("msExchActiveSyncDevice",
                                          "e8b2aff2-59a7-4eac-9a70-819adef701dd")
    assert _organization.DEVICES_CONTAINER_CLASS == ("msExchActiveSyncDevices",
                                                     "c975c901-6cea-4b6f-8319-d67f45449506")
    # every attribute the policies are decoded from is in the table
    for attribute in _mobile_policies.POLICY_READ:
        assert attribute == "cn" or attribute == "whenChanged" or _schema.find(attribute)


def test_every_msexch_name_in_plugins_is_in_the_table():
    found = names_in(f for f in files("plugins/**/*") if os.path.isfile(f))
    assert len(found) >= 30
    assert not unknown(found)


def test_the_lab_uses_only_names_its_schema_has():
    """The seed, the delegation and the sync stand-in write only what the lab's schema defines:
    the rows with a lab OID, or a class of the base schema (msExchConfigurationContainer)."""
    found = names_in(files("tests/lab/*.py"))
    assert not unknown(found)
    missing = [name for name in found if _schema.find(name).source != "ms-adsc"
               and (getattr(_schema.find(name), "attribute_id", None)
                    or getattr(_schema.find(name), "governs_id", None)) is None]
    assert not missing


def load_labschema():
    spec = importlib.util.spec_from_file_location(
        "labschema_under_test", os.path.join(ROOT, "tests", "lab", "labschema.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lab_schema_is_built_from_the_table():
    labschema = load_labschema()
    steps = labschema.ldif_steps("CN=Schema,CN=Configuration,DC=x")
    lab_attributes = [a for a in _schema.ATTRIBUTES if a.attribute_id]
    lab_classes = [c for c in _schema.CLASSES if c.governs_id]
    # attributes in one step, each class in its own (dependency order), then the user class
    assert len(steps) == 1 + len(lab_classes) + 1
    records = steps[0].split("\n\n")
    for attribute in lab_attributes:
        record = [r + "\n" for r in records if "lDAPDisplayName: %s\n" % attribute.name in r]
        assert len(record) == 1, attribute.name
        assert "attributeID: %s\n" % attribute.attribute_id in record[0]
        assert "isSingleValued: %s\n" % ("TRUE" if attribute.single_valued else "FALSE") \
            in record[0]
        if attribute.schema_id_guid:
            assert "schemaIDGUID: %s\n" % attribute.schema_id_guid in record[0]
    for step, cls in zip(steps[1:], sorted(lab_classes, key=lambda c: int(
            c.governs_id.rsplit(".", 1)[1]))):
        assert "lDAPDisplayName: %s\n" % cls.name in step
        assert "governsID: %s\n" % cls.governs_id in step
        assert all("mayContain: %s\n" % name in step for name in labschema.may_contain(cls.name))
    assert all("mayContain: %s\n" % name in steps[-1] for name in labschema.may_contain("user"))
    # the classes are applied after what their possSuperiors need
    order = [c.name for c in sorted(lab_classes, key=lambda c: int(c.governs_id.rsplit(".")[-1]))]
    for position, cls in enumerate(order):
        superiors = _schema.find(cls).poss_superiors
        assert all(s not in order or order.index(s) < position for s in superiors), cls


def markdown_table(text, header_has):
    """The rows of the first Markdown table whose header names every column in header_has, as
    dicts by column name, backticks and bold stripped."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and all(column in cells for column in header_has):
            rows = []
            for row in lines[index + 2:]:
                if not row.startswith("|"):
                    break
                values = [v.strip().strip("*").strip("`") for v in row.strip().strip("|").split("|")]
                rows.append(dict(zip(cells, values)))
            return rows
    raise AssertionError("no table with %s" % header_has)


def test_the_mobile_policy_reference_table_agrees_with_the_table():
    """docs/reference/mobile-mailbox-policies.md lists the policy attributes with their cn and
    schemaIDGUID: each one the collection uses has the table's, and every one the code decodes
    is listed."""
    rows = markdown_table(read("docs/reference/mobile-mailbox-policies.md"),
                          ["lDAPDisplayName", "cn", "schemaIDGUID"])
    documented = dict((row["lDAPDisplayName"], row) for row in rows)
    used = [a for a in _schema.ATTRIBUTES if _schema.MOBILE_POLICY in a.held_by]
    assert len(used) == 12
    for attribute in used:
        row = documented[attribute.name]
        assert (row["cn"], row["schemaIDGUID"]) == (attribute.cn, attribute.schema_id_guid)
    not_used = [name for name in documented if _schema.find(name) is None]
    assert not_used == ["msExchMobileInitialMaxAttachmentSize"]  # listed, not decoded


DOCS = ["README.md", "docs/*.md", "docs/awx/**/*.md", "roles/**/*.md"]


def test_the_docs_name_only_classes_and_attributes_of_the_table():
    """least-privilege.md's rights per attribute and class, and every other user-facing
    document (the reference notes on mobile policies also name attributes the collection
    does not use, checked above)."""
    paths = sorted(set(path for pattern in DOCS for path in files(pattern)))
    found = names_in(paths)
    assert "docs/least-privilege.md" in found[_schema.WIRELESS_ENABLE]
    assert not unknown(found)


def test_a_schemaidguid_in_the_docs_is_the_tables():
    """Where a document gives an attribute's or class's schemaIDGUID in its text, it is the
    table's, for the last msExch name before it in the paragraph; a cn of the schema named in
    a DN is a row's."""
    checked = 0
    for path in sorted(set(p for pattern in DOCS + ["docs/reference/*.md"] for p in files(pattern))):
        for paragraph in read(path).split("\n\n"):
            if paragraph.lstrip().startswith("|"):
                continue  # tables: checked by columns
            for match in re.finditer(r"schemaIDGUID\s+\**`([0-9a-fA-F-]{36})`", paragraph):
                names = NAME.findall(paragraph[:match.start()])
                assert names, (path, match.group(0))
                row = _schema.find(names[-1])
                assert row is not None and row.schema_id_guid == match.group(1).lower(), (
                    path, names[-1], match.group(1))
                checked += 1
            for cn in re.findall(r"CN=(ms-Exch-[A-Za-z0-9-]+),CN=Schema", paragraph):
                assert cn.lower() in set(r.cn.lower() for r in ROWS), (path, cn)
                checked += 1
    assert checked >= 4
