"""The collection as users get it: built into a tarball, installed with ansible-galaxy into a
directory of its own, its playbooks run by FQCN from some other working directory."""

import json
import os
import subprocess
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)


def install(tmp):
    """Build the tarball from the work tree and install it under tmp; the collections path."""
    build, collections = os.path.join(tmp, "dist"), os.path.join(tmp, "collections")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force",
                    "--output-path", build, ROOT], check=True, stdout=subprocess.DEVNULL)
    tarball = [os.path.join(build, f) for f in os.listdir(build) if f.endswith(".tar.gz")][0]
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force",
                    "-p", collections, tarball], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return collections


def playbooks_dir(collections):
    return os.path.join(collections, "ansible_collections", "adremedy", "directory", "playbooks")


def tree(path):
    """Every file below path, relative to it."""
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, _dirs, files in os.walk(path) for f in files)


def write_inventory(path, connection=None):
    """localhost with the controller's Python and, when given, adremedy_connection."""
    host = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {"all": {"hosts": {"localhost": host}}}
    if connection:
        inventory["all"]["vars"] = {"adremedy_connection": connection}
    with open(path, "w") as f:
        yaml.safe_dump(inventory, f)
    return path


def run_fqcn(name, extra_vars, cwd, collections, inventory, check=False):
    """ansible-playbook adremedy.directory.<name> in cwd; (rc, output)."""
    cmd = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "adremedy.directory." + name,
           "-e", json.dumps(extra_vars)] + (["--check"] if check else [])
    environ = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR="1")
    environ.pop("ANSIBLE_PYTHON_INTERPRETER", None)
    proc = subprocess.run(cmd, cwd=cwd, env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)
    return proc.returncode, proc.stdout
