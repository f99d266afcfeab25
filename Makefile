# Developer targets for rumpnet. `make help` lists them.
# The two README commands (sh tools/demo.sh, sh tools/test.sh) need no make.

PY      := .venv/bin/python
RUMPNET := .venv/bin/rumpnet

.PHONY: help install demo test check lint format testbuild nettest lab lab-down conformance-full bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

install: ## prepare the machine and .venv (tools/bootstrap.sh)
	sh tools/bootstrap.sh

demo: ## README's main command
	sh tools/demo.sh

test: ## README's test command: the whole suite
	sh tools/test.sh

check: install lint ## lint, then the fast tests (no lab)
	$(PY) -m pytest -m "not lab and not slow and not bench"

lint: ## ruff lint and format check
	$(PY) -m ruff check gen tools nettests tests
	$(PY) -m ruff format --check gen tools nettests tests

format: ## ruff format and autofix
	$(PY) -m ruff format gen tools nettests tests
	$(PY) -m ruff check --fix gen tools nettests tests

testbuild: install ## build every appliance configuration in appliance/testbuild/
	$(MAKE) -C appliance testbuild LWIP_DIR=$$($(PY) -m tools.lwip) \
	  XEN_INCLUDE=$$($(PY) -m tools.xenheaders)

nettest: install ## the conformance rig only (Linux reference target)
	$(PY) -m pytest nettests

lab: install ## bring the Xen lab up (rumpnet lab up)
	$(RUMPNET) lab up

lab-down: ## stop the Xen lab
	$(RUMPNET) lab down

conformance-full: install ## the rig's long-timer checks (slow marker)
	$(PY) -m pytest nettests -m slow

bench: install ## benchmarks: posix httpd vs nginx, posix router vs Linux (not tests)
	$(PY) -m tools.bench.content out/bench-content
	$(RUMPNET) gen httpd -o out/bench-httpd --platform posix --set httpd.content=$(CURDIR)/out/bench-content
	$(RUMPNET) bench out/bench-httpd --target posix --out out/bench
	$(RUMPNET) gen router -o out/bench-router --platform posix
	$(RUMPNET) bench out/bench-router --target posix --out out/bench-router

clean: ## remove run leftovers (namespaces, taps, QEMU) and build output
	-$(RUMPNET) clean --lab
	rm -rf appliance/build out
