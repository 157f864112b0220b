"""The lab's own promise to the suite: a reseed gives the same directory every time, so a test
that reseeds (the `reseeded` fixture) starts from what the seed describes however often the suite
ran before on this lab. Before, every reseed left the previous Exchange Servers group's four ACEs
on the domain root (the group is deleted with OU=Lab and made again with a new SID): after one
suite run every object inherited about 6 KB more, and the large-DACL case of test_limits ran out
of room on the second run."""

from conftest import BASE, STAFF, lab_cli

from ansible_collections.adremedy.directory.plugins.module_utils._security._inheritance import (
    passed_down_size)
from ansible_collections.adremedy.directory.plugins.module_utils._security._codec import (
    SecurityDescriptor)


def root_and_passed_down(directory):
    root = SecurityDescriptor.parse(directory.read_sd(BASE))
    staff = SecurityDescriptor.parse(directory.read_sd(STAFF))
    return sorted(ace.to_bytes() for ace in root.dacl.aces), passed_down_size(staff)


def test_a_reseed_leaves_the_domain_root_as_the_seed_describes_it(lab, directory):
    lab_cli("seed")
    root, passed_down = root_and_passed_down(directory)
    for _reseed in range(2):
        lab_cli("seed")
        again, again_passed_down = root_and_passed_down(directory)
        assert len(again) == len(root), "the domain root gained %d ACEs in a reseed" % (
            len(again) - len(root))
        assert again_passed_down == passed_down
