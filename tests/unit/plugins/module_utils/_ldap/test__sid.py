"""SIDs between their binary form and text: the lenient reading used where a SID is shown or
matched."""

from ansible_collections.adremedy.directory.plugins.module_utils._ldap._sid import (
    rid_in_domain, sid_from_str, sid_text)


def test_sid_text_reads_a_sid_and_gives_none_for_none_or_a_malformed_one():
    text = "S-1-5-21-1004336348-1177238915-682003330-512"
    assert sid_text(sid_from_str(text)) == text
    assert sid_text(bytearray(sid_from_str("S-1-5-32-544"))) == "S-1-5-32-544"
    assert sid_text(None) is None
    assert sid_text(b"") is None
    assert sid_text(b"\x01\x05\x00") is None  # truncated
    assert sid_text(b"\x02\x00" + bytes(6)) is None  # revision 2


def test_rid_in_domain_only_for_a_sid_of_that_domain():
    domain = "S-1-5-21-1-2-3"
    assert rid_in_domain(domain + "-512", domain) == 512
    assert rid_in_domain("S-1-5-21-1-2-33-512", domain) is None  # another domain, same prefix
    assert rid_in_domain("S-1-5-21-1-2-3-4-512", domain) is None  # no single RID
    assert rid_in_domain(domain, domain) is None
    assert rid_in_domain("S-1-5-32-544", domain) is None
