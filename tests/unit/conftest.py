import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# `make collection` links the checkout as ansible_collections/adremedy/directory here.
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
