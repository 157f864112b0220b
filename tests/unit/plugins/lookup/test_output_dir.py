"""The output_dir lookup: the directory of each host in a play."""

import os

from ansible_collections.adremedy.directory.plugins.lookup.output_dir import host_path


def test_output_dir_per_host_in_a_play_over_several_hosts():
    def play(*hosts):
        return {"ansible_play_hosts_all": list(hosts), "inventory_hostname": hosts[0]}
    assert host_path("out", play("localhost")) == "out"
    assert host_path("out", play("corp", "emea")) == os.path.join("out", "corp")
    assert host_path("/srv/r", {}) == "/srv/r"
