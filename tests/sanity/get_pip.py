"""Offline stand-in for the get-pip.py bootstrap that ansible-test downloads.

ansible-test runs this file (as ~/.ansible/test/cache/get_pip_<version>.py) inside each new
virtual environment with pip's install arguments. The real script comes from a host this
machine cannot reach; the standard library's ensurepip plus an ordinary pip install from the
package index does the same job.
"""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q"] + args)
