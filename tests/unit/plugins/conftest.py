"""Fixtures for the unit tests of plugins/: a directory in memory in place of LdapClient, and
a runner for a module's main() through the module base."""

import pytest
from ansible.module_utils import basic

from fakes import CONNECTION, Exit, FakeDirectory, patch_module_args

from ansible_collections.adremedy.directory.plugins.module_utils._run import _module


@pytest.fixture
def directory():
    return FakeDirectory()


@pytest.fixture
def run_module(monkeypatch, directory):
    """run_module(module, args, check_mode=False, diff=False) -> the result main() exits with
    (failed True or False), the module talking to `directory`."""
    monkeypatch.setattr(_module, "LdapClient", directory)

    def exit_json(self, **result):
        raise Exit(result, False)

    def fail_json(self, msg, **result):
        raise Exit(dict(result, msg=msg), True)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(module, args, check_mode=False, diff=False):
        full = dict(CONNECTION, _ansible_check_mode=check_mode, _ansible_diff=diff)
        full.update(args)
        with patch_module_args(full):
            with pytest.raises(Exit) as info:
                module.main()
        return info.value.result
    return run


@pytest.fixture
def module(run_module):
    """An AdremedyModule built from the connection options alone, its exits and client patched
    as run_module patches them: for tests of the base's own blocks (client(), failing())."""
    with patch_module_args(dict(CONNECTION)):
        return _module.AdremedyModule()
