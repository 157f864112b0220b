"""The compliance report's mobile device mailbox policies section (issue 25 item 6): what it says
of each policy (users in scope, CIS items failed, the values found), its one number in every
file and message, and the note that stands in for it when the policies were not read."""

import csv
import json
import re

from markdown_it import MarkdownIt

from ansible_collections.adremedy.directory.plugins.module_utils._exchange._mobile_policies import (
    PolicyTally, decode_policy)
from ansible_collections.adremedy.directory.plugins.module_utils._ldap._transport import Entry
from ansible_collections.adremedy.directory.plugins.module_utils._run import (
    _policy_section, _report, _report_content)
from ansible_collections.adremedy.directory.plugins.module_utils._run._trends import findings_of

POLICIES = "CN=Mobile Mailbox Policies,CN=Org,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=x"
LEGACY = "CN=Legacy Devices," + POLICIES


def policy(name, rdn=None, **attrs):
    values = dict((key.lower(), [str(value).encode()]) for key, value in attrs.items())
    values["cn"] = [name.encode()]
    return decode_policy(Entry("CN=%s,%s" % (rdn or name, POLICIES), values))


def policies():
    """Default (meets every item, marked default) and Legacy Devices (no password, unmanaged
    devices, min length 4), as the lab seeds them; a name that is markup, to be escaped."""
    return [
        policy("Default", msExchMobileFlags=0x2 | 0x4 | 0x40 | 0x1000,
               msExchMobileAdditionalFlags=7314395 | 0x4, msExchMobileMinDevicePasswordLength=6,
               msExchMobileMaxDevicePasswordFailedAttempts=10,
               msExchMobileDevicePasswordExpiration=90 * 86400,
               msExchMobileDeviceNumberOfPreviousPasswordsDisallowed=5,
               msExchMobileMaxInactivityTimeDeviceLock=900,
               msExchMobileDevicePolicyRefreshInterval=3600, whenChanged="20260101000000.0Z"),
        policy("Legacy Devices", msExchMobileFlags=0x40 | 0x20000 | 0x40000,
               msExchMobileMinDevicePasswordLength=4,
               msExchMobileDevicePolicyRefreshInterval=86400),
        policy("<b>Kiosk|*x*", "Kiosk", msExchMobileFlags=0x40 | 0x2),
    ]


def tally(linked=3, others=5):
    found = PolicyTally(policies())
    for i in range(linked):
        found.add("CN=L%d,OU=S,DC=x" % i, LEGACY, "l%d" % i)
    for i in range(others):
        found.add("CN=U%d,OU=S,DC=x" % i, None, "u%d" % i)
    # a policy below the baseline is a finding only where it applies to a selected user
    found.add("CN=K0,OU=S,DC=x", "CN=Kiosk," + POLICIES, "k0")
    return found


def section():
    """PolicyTally.result() of three users linked to Legacy Devices and five on the default."""
    return tally().result()


def with_policies(doc, found=None):
    """doc with the policy section and its counts, as Compliance.report() puts them."""
    found = found or section()
    doc["mobile_policies"] = found
    doc["summary"]["policy_below_baseline"] = found["summary"]["policies_failing_baseline"]
    doc["summary"]["users_on_failing_policies"] = found["summary"]["users_on_failing_policies"]
    doc["finding_counts"], doc["findings"] = _report_content.count_findings(doc["summary"])
    return doc


def test_rows_say_users_and_failed_items_with_the_values_found():
    s = section()
    rows = list(_policy_section.policy_rows(s))
    # below the baseline first, by name
    assert [r[0] for r in rows] == ["<b>Kiosk|*x*", "Legacy Devices", "Default"]
    legacy = rows[1]
    assert legacy[1:6] == ("no", 3, 0, 3,
                           "10 of 11: 3.1, 3.2, 3.3, 3.5, 3.6, 3.7, 3.8, 3.9, 3.10, 3.11")
    assert rows[2][1:6] == ("yes", 0, 5, 5, "none")
    failing = _policy_section.below_baseline(s)
    assert [p["name"] for p in failing] == ["<b>Kiosk|*x*", "Legacy Devices"]
    assert _policy_section.heading(failing[1]) == (
        "Legacy Devices: fails 10 of 11 CIS items, applies to 3 users (3 linked, 0 by default)")
    items = dict((r[0], r) for r in _policy_section.item_rows(failing[1]))
    assert "3.4" not in items  # passed: not listed
    assert items["3.2"][2:4] == ("false", "true")
    assert items["3.7"][2:] == ("<= 1 hour", "1 day", items["3.7"][4])
    assert "unconfirmed" in items["3.7"][4]
    assert items["3.11"][2:4] == ("<= 15 minutes", "not set")
    assert _policy_section.intro(s) == (
        "Compared with the CIS Microsoft Exchange Server 2019 Benchmark v1.0.0 Level 1: 3 "
        "policies, the default policy (for users without a link) is Default; 2 of them below "
        "the baseline, applying to 4 of the 9 users read.")


def test_value_texts():
    assert [_policy_section.span(v) for v in (900, 3600, 86400 * 365, 61, 7200)] == [
        "15 minutes", "1 hour", "365 days", "61 seconds", "2 hours"]
    assert _policy_section.value_text("password_enabled", False) == "false"
    assert _policy_section.value_text("min_password_length", None) == "not set"
    assert _policy_section.value_text("min_password_length", 4) == "4"


def document():
    import test__report_numbers as numbers
    doc = with_policies(numbers.document())
    doc["verdict"] = _report.make_verdict(doc, False)
    return doc


def test_the_count_is_one_number_in_every_file_and_message(tmp_path):
    import test__report_numbers as numbers
    doc = document()
    doc["verdict"] = _report.make_verdict(doc, True)
    assert doc["finding_counts"]["policy_below_baseline"] == 2 and doc["findings"] == 12
    files = numbers.write(tmp_path, doc)
    page = open(files["html"]).read()
    cards = re.findall(r'<div class="card finding[^"]*"><b>(\d+)</b>([^<]*)</div>', page)
    assert sum(int(v) for v, _label in cards) == 12 and '<span id="findings">12</span>' in page
    assert ("2", "mobile policies below the CIS baseline") in cards
    facts = dict((label, int(v)) for v, label in
                 re.findall(r'<div class="card"><b>(\d+)</b>([^<]*)</div>', page))
    assert facts["users on mobile policies below the CIS baseline"] == 4
    markdown = open(files["markdown"]).read()
    table = dict(re.findall(r"^\| \**([^|*]+?)\** \| (\d+) \|$", markdown, re.M))
    assert table["mobile policies below the CIS baseline"] == "2"
    assert "**12 findings** (the sum of the first 5 rows)" in markdown
    data = json.loads(open(files["json"]).read())
    assert data["finding_counts"]["policy_below_baseline"] == 2 and data["findings"] == 12
    assert data["mobile_policies"]["summary"]["policies_failing_baseline"] == 2
    assert [r["id"] for r in data["references"]["policy_below_baseline"]][:2] == ["3.1", "3.2"]
    message = data["verdict"]["message"]
    assert ("2 orphaned adminCount accounts, 2 mobile device mailbox policies below the CIS "
            "baseline; 3 more users") in message
    assert "2 mobile device mailbox policies below the CIS baseline." in " ".join(
        data["verdict"]["sentences"])
    # the trend's findings are the rows the counts count: the two policies, by DN
    found = findings_of(data, _report_content.PROTECTED_BY_DESIGN)
    assert sorted(i["name"] for i in found if i["kind"] == "policy_below_baseline") == [
        "<b>Kiosk|*x*", "Legacy Devices"]
    # one policy is 'policy', more are 'policies'
    assert _report.policies_phrase(dict(policy_below_baseline=1)) == (
        ", 1 mobile device mailbox policy below the CIS baseline")


def test_html_has_a_table_of_policies_and_one_per_policy_below_the_baseline(tmp_path):
    import test__report_numbers as numbers
    files = numbers.write(tmp_path, document())
    page = open(files["html"]).read()
    part = page.split('id="policies-count">3</span></h2>', 1)[1].split('id="users-count"', 1)[0]
    assert "Compared with the CIS Microsoft Exchange Server 2019" in part
    assert "<b>What to do:</b> Change each policy with Set-MobileDeviceMailboxPolicy" in part
    # a link per CIS item, its title on hover, and Set-MobileDeviceMailboxPolicy
    assert ('title="Ensure &#x27;Allow unmanaged devices&#x27; is set to &#x27;False&#x27;" '
            'rel="noopener noreferrer">CIS Exchange 2019 3.2</a>') in part
    assert part.count(">CIS Exchange 2019 3.") == 11
    assert ">Microsoft: Set-MobileDeviceMailboxPolicy</a>" in part
    policies_table = part.split('<table id="policies"', 1)[1].split("</table>", 1)[0]
    assert "<td>Legacy Devices</td><td>no</td><td>3</td><td>0</td><td>3</td>" in policies_table
    assert '<td title="%s">' % LEGACY in policies_table  # the DN shortened, whole on hover
    assert "<b>Kiosk" not in page and "&lt;b&gt;Kiosk|*x*" in page
    headings = re.findall(r"<h3>([^<]*)</h3>", part)
    assert headings == [
        "&lt;b&gt;Kiosk|*x*: fails 8 of 11 CIS items, applies to 1 users (1 linked, 0 by "
        "default)", "Legacy Devices: fails 10 of 11 CIS items, applies to 3 users (3 linked, "
        "0 by default)"]
    legacy = part.split('<table id="policy-items-1"', 1)[1].split("</table>", 1)[0]
    assert "<td>3.10</td><td>Ensure &#x27;Require password&#x27; is set to &#x27;True&#x27;</td>" \
        "<td>true</td><td>false</td>" in legacy


def test_markdown_lists_policies_and_failed_items_escaped(tmp_path):
    import test__report_numbers as numbers
    files = numbers.write(tmp_path, document())
    text = open(files["markdown"]).read()
    part = text.split("## Mobile device mailbox policies", 1)[1]
    assert "| Legacy Devices | no | 3 | 0 | 3 | 10 of 11: 3.1, 3.2," in part
    assert "### Legacy Devices: fails 10 of 11 CIS items, applies to 3 users" in part
    assert "| 3\\.2 | Ensure 'Allow unmanaged devices' is set to 'False' | false | true |" in part
    assert "\\<b>Kiosk\\|\\*x\\*" in part
    assert "References: CIS Exchange 2019 3.1, 3.2, 3.3" in part
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    assert "<b>Kiosk" not in rendered and "&lt;b&gt;Kiosk|*x*" in rendered
    assert part.index("### Legacy") < part.index("Per-user detail: `users.csv`")


def test_not_read_a_note_and_no_count(tmp_path):
    """The schema lacks the policy class: the section is a note, the kind is not counted (not
    known, not 0), the messages do not mention it."""
    import test__report_numbers as numbers
    doc = numbers.document()
    doc["mobile_policies"] = dict(note="the Exchange schema is not in this forest: "
                                       "msExchMobileMailboxPolicy is not defined")
    assert "policy_below_baseline" not in doc["finding_counts"] and doc["findings"] == 10
    assert "mobile" not in doc["verdict"]["message"]
    files = numbers.write(tmp_path, doc)
    page = open(files["html"]).read()
    assert '<p class="none" id="policies-note">Not read: the Exchange schema is not in this ' \
        'forest: msExchMobileMailboxPolicy is not defined</p>' in page
    assert "mobile policies below" not in page and '<table id="policies"' not in page
    text = open(files["markdown"]).read()
    assert "## Mobile device mailbox policies\n\nNot read: the Exchange schema" in text
    assert "mobile policies below" not in text


def test_users_csv_names_each_users_policy(tmp_path):
    writer = _report.ReportWriter(str(tmp_path), "T")
    import test__report as report_tests
    writer.add_user(report_tests.row(1, mobile_policy="Legacy Devices"), "unchanged")
    writer.add_user(report_tests.row(2), "unchanged")  # policies not read: empty
    files = writer.finish(with_policies(report_tests.document(2)))
    rows = list(csv.DictReader(open(files["csv"])))
    assert [r["mobile_policy"] for r in rows] == ["Legacy Devices", ""]
    data = json.loads(open(files["json"]).read())
    assert data["users"][0]["mobile_policy"] == "Legacy Devices"


def test_a_policy_below_the_baseline_that_no_selected_user_has_is_no_finding():
    """A report scoped to one OU is not failed by a policy none of its users has: it is counted
    apart and said in the section's first sentence, and it is no finding of the trend."""
    found = PolicyTally(policies())
    for i in range(4):
        found.add("CN=U%d,OU=S,DC=x" % i, None, "u%d" % i)  # all on the default policy
    s = found.result()
    assert s["summary"]["policies_failing_baseline"] == 0
    assert s["summary"]["policies_failing_baseline_unused"] == 2
    assert _policy_section.below_baseline(s) == []
    assert _policy_section.intro(s).endswith(
        "2 more below the baseline apply to none of these users and are not counted as findings "
        "here.")
    doc = dict(mobile_policies=s)
    assert [f for f in findings_of(doc, ()) if f["kind"] == "policy_below_baseline"] == []


def test_the_counts_the_section_and_the_trend_name_the_same_policies():
    """_mobile_policies' summary, the section's tables and the trend's findings ask one function
    (_policy_findings.is_finding), so they name the same policies."""
    found = tally()
    found.add("CN=K1,OU=S,DC=x", "CN=Kiosk," + POLICIES, "k1")
    s = found.result()
    names = [p["name"] for p in _policy_section.below_baseline(s)]
    assert names == ["<b>Kiosk|*x*", "Legacy Devices"]
    assert s["summary"]["policies_failing_baseline"] == len(names)
    assert s["summary"]["users_on_failing_policies"] == 3 + 2
    trend = sorted(f["name"] for f in findings_of(dict(mobile_policies=s), ())
                   if f["kind"] == "policy_below_baseline")
    assert trend == sorted(names)
