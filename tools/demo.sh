#!/bin/sh
# tools/demo.sh - README's main command: prepare the machine, generate the httpd
# appliance from profiles/httpd.toml into out/httpd, and show what was produced.
# Safe to run twice (the appliance directory is replaced atomically).
set -eu
cd "$(dirname "$0")/.."
sh tools/bootstrap.sh
.venv/bin/rumpnet gen httpd -o out/httpd
.venv/bin/python -m tools.show_appliance out/httpd
