# adremedy.directory: `make demo` sets everything up and runs the main job on the lab;
# `make test` runs every check CI runs. Both need root and apt (Debian/Ubuntu): the lab is a
# Samba AD DC on 127.0.0.1.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
LAB := /usr/bin/python3 $(ROOT)/tests/lab/lab.py
COLLECTIONS := $(ROOT)/build/collections
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_PYTHON_INTERPRETER := $(PY)
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help venv prereqs lab-up lab-down lab-status collection sanity units integration lint \
        changelog-lint docs-lint docs build test typecheck demo clean galaxy-importer reuse-lint release ee \
        install install-check \
        test-edges test-matrix test-matrix-integration matrix-install matrix-install-edges bench \
        bench-smoke test-twice

help:
	@echo "make demo   - set up everything, start the lab, run the demo"
	@echo "make test   - sanity, unit, typecheck, integration (on the lab), ansible-lint, changelog, build"
	@echo "make lab-up / lab-down / lab-status"
	@echo "make units / integration / sanity / lint / docs-lint"
	@echo "make typecheck - mypy over plugins/ (.mypy.ini)"
	@echo "make docs   - the docs site (antsibull-docs + Sphinx, guides from docs/*.md) in build/docsite"
	@echo "make test-edges / test-matrix - sanity and units on ansible-core 2.18 and 2.21 / every"
	@echo "              supported ansible-core, integration on the oldest and newest"
	@echo "make test-twice - the integration suite twice in a row on one lab (not in make test)"

prereqs:
	@bash tests/lab/prereqs.sh

$(VENV)/.stamp: requirements-dev.txt
	@bash tests/lab/prereqs.sh
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.stamp

collection:
	@mkdir -p $(COLLECTIONS)/ansible_collections/adremedy
	@ln -sfn $(ROOT) $(COLLECTIONS)/ansible_collections/adremedy/directory

lab-up: prereqs
	$(LAB) up

lab-down:
	$(LAB) down

lab-status:
	$(LAB) status

sanity: venv
	bash tests/sanity.sh

units: venv collection
	$(PY) -m pytest -q tests/unit

# mypy over plugins/ (module_utils, modules and the other plugins) as community.crypto runs it
# through antsibull-nox: from the collections root with MYPYPATH there, the files by their
# ansible_collections/ path, namespace packages and explicit package bases, .mypy.ini.
typecheck: venv collection
	cd $(COLLECTIONS) && MYPYPATH=$(COLLECTIONS) $(VENV)/bin/mypy --config-file $(ROOT)/.mypy.ini \
		--cache-dir $(ROOT)/build/mypy_cache --namespace-packages --explicit-package-bases \
		ansible_collections/adremedy/directory/plugins

integration: venv collection lab-up
	$(PY) -m pytest -q tests/integration

# The integration suite twice in a row on one lab, as a user reruns it: a test that depends on
# what ran before, or leaves behind what it changed, fails the second time. Not part of `make
# test` (it doubles the integration time).
test-twice: venv collection lab-up
	$(PY) -m pytest -q tests/integration
	$(PY) -m pytest -q tests/integration

lint: venv collection
	$(VENV)/bin/ansible-lint --offline

changelog-lint: venv
	$(VENV)/bin/antsibull-changelog lint

docs-lint: venv
	bash tests/docs.sh lint

# The docs site (antsibull-docs + Sphinx, the Markdown guides converted with pandoc): build/docsite.
docs: venv collection
	bash tests/docs.sh build

# The tarball carries the extra docs as RST (docs/docsite/rst, made from docs/*.md), as Galaxy and
# docs.ansible.com read them.
build: venv
	@mkdir -p build
	bash tests/docs.sh rst
	$(VENV)/bin/ansible-galaxy collection build --force --output-path build .

test: venv collection sanity units typecheck integration lint changelog-lint docs-lint build galaxy-importer reuse-lint ee install-check
	@echo "make test: all checks passed"

# Every ansible-core that meta/runtime.yml's requires_ansible (>=2.18) promises, each with a
# Python it supports (2.20 and later need Python >= 3.12: pyenv's). `make test` itself runs
# everything on requirements-dev.txt's ansible-core (2.19, Python 3.11). CI (.ci/run) adds
# sanity and units on the oldest and the newest (test-edges); test-matrix runs sanity and units on
# every other one and the integration tests on the oldest and the newest.
CORE_OLDEST := 2.18:3.11
CORE_NEWEST := 2.21:3.13
CORE_MIDDLE := 2.20:3.12
# The virtualenvs are made first (matrix-install: needs the package index); the checks then
# install nothing, so the integration part can run where only the lab is reachable:
#   make matrix-install && ip netns exec NS make test-matrix-integration
matrix-install-edges:
	bash tests/matrix.sh $(subst :, ,$(CORE_OLDEST))
	bash tests/matrix.sh $(subst :, ,$(CORE_NEWEST))

matrix-install: matrix-install-edges
	bash tests/matrix.sh $(subst :, ,$(CORE_MIDDLE))

test-edges: collection matrix-install-edges
	bash tests/matrix.sh $(subst :, ,$(CORE_OLDEST)) sanity units
	bash tests/matrix.sh $(subst :, ,$(CORE_NEWEST)) sanity units

test-matrix-integration: collection lab-up
	bash tests/matrix.sh $(subst :, ,$(CORE_OLDEST)) integration
	bash tests/matrix.sh $(subst :, ,$(CORE_NEWEST)) integration

test-matrix: test-edges matrix-install
	bash tests/matrix.sh $(subst :, ,$(CORE_MIDDLE)) sanity units
	$(MAKE) --no-print-directory test-matrix-integration

# The README's install route: the tarball `build` made, installed with ansible-galaxy where
# Ansible looks for collections (its default path, or INSTALL_PATH), and the Python libraries the
# modules need into the Python that runs them (PIP, default this machine's pip3).
INSTALL_PATH ?=
PIP ?= pip3
GALAXY_VERSION = $(shell sed -n 's/^version: *//p' galaxy.yml)
install: build
	env -u ANSIBLE_COLLECTIONS_PATH $(VENV)/bin/ansible-galaxy collection install --force \
		$(if $(INSTALL_PATH),-p $(INSTALL_PATH)) build/adremedy-directory-$(GALAXY_VERSION).tar.gz
	$(PIP) install -q -r requirements.txt

# `make install` as the README gives it, into a fresh directory, then ansible-doc and a module
# run from there (tests/install.sh).
install-check: build
	bash tests/install.sh

# What Galaxy runs on an upload, on the tarball `build` made (default and v1-or-greater settings).
galaxy-importer: build
	bash tests/galaxy.sh

# The execution environment definitions (meta/ee/): ansible-builder create, and its introspection
# of the installed tarball. No container runtime needed.
ee: build
	bash tests/ee.sh

reuse-lint: venv
	$(VENV)/bin/reuse lint

# Turn the changelog fragments into a release: changelogs/changelog.yaml and CHANGELOG.rst for
# the version in galaxy.yml (or VERSION=x.y.z); antsibull-changelog reads the plugins through
# ansible-doc, so the collection link must exist.
release: venv collection
	$(VENV)/bin/antsibull-changelog release $(if $(VERSION),--version $(VERSION))
	$(VENV)/bin/antsibull-changelog lint

demo: venv collection prereqs
	$(LAB) up --seed
	ANSIBLE_CALLBACK_RESULT_FORMAT=yaml $(VENV)/bin/ansible-playbook -i demo/inventory.yml demo/demo.yml
	@echo; cat build/demo/summary.txt

# The benchmark (DESIGN section 8): not part of `make test`. Its lab has its own directory and
# runs in its own network namespace (the DC's ports are fixed), so the test lab is left alone.
SIZE ?= 10000
RUNS ?= 3
BENCH_NETNS ?= adremedy-bench
BENCH_LAB_DIR ?= $(ROOT)/bench/.lab
bench: venv collection prereqs
	@ip netns add $(BENCH_NETNS) 2>/dev/null || true
	@ip netns exec $(BENCH_NETNS) ip link set lo up
	ip netns exec $(BENCH_NETNS) $(PY) bench/run.py --size $(SIZE) --runs $(RUNS) \
		--lab-dir $(BENCH_LAB_DIR) --out $(ROOT)/bench/results.json

bench-smoke:
	$(MAKE) bench SIZE=2000 RUNS=1

clean:
	rm -rf build tests/output .pytest_cache
