"""deprecated_alias: old variable names warn, once used."""

from ansible_collections.adremedy.directory.plugins.filter.deprecated_alias import (
    deprecated_alias, display)


def test_deprecated_alias_warns_only_when_the_old_name_is_used(monkeypatch):
    calls = []
    monkeypatch.setattr(display, "deprecated", lambda msg, **kw: calls.append((msg, kw)))
    assert deprecated_alias("", "adremedy_journal", "journal") == ""
    assert deprecated_alias(None, "adremedy_journal", "journal") is None
    assert calls == []
    assert deprecated_alias("/j.jsonl", "adremedy_journal", "journal") == "/j.jsonl"
    assert calls == [("The variable adremedy_journal is deprecated, use journal instead",
                      dict(version="3.0.0", collection_name="adremedy.directory"))]
