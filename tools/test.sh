#!/bin/sh
# tools/test.sh - README's test command: prepare the machine, then run the whole
# test suite (tools/test_suite.py: generator, lab, minios, appliances on Xen and on
# posix, deployment, and the conformance rig against Linux and the POSIX appliances).
# Extra arguments make it plain pytest, e.g. `sh tools/test.sh -k arp`.
set -eu
cd "$(dirname "$0")/.."
sh tools/bootstrap.sh
exec .venv/bin/python -m tools.test_suite "$@"
