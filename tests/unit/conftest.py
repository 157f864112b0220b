import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# `make collection` links the checkout as ansible_collections/adremedy/directory here.
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))
# tests/unit/fakes.py (the directory in memory) is importable as `fakes`.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
