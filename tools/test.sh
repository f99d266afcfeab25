#!/bin/sh
# tools/test.sh - README's test command: prepare the machine, then run the whole
# test suite (generator, lab, appliances, conformance rig) with pytest.
# Extra arguments go to pytest, e.g. `sh tools/test.sh -m "not lab"`.
set -eu
cd "$(dirname "$0")/.."
sh tools/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
