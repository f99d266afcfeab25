#!/bin/sh
# tools/demo.sh - README's main command, end to end: prepare the machine, generate the
# httpd appliance from profiles/httpd.toml into out/httpd, boot it on real Xen in the
# lab, let it take an address by DHCP, fetch its pages from the host side with curl and
# print what happened. Safe to run twice; leaves no lab, domain or namespace behind.
set -eu
cd "$(dirname "$0")/.."
sh tools/bootstrap.sh
.venv/bin/rumpnet gen httpd -o out/httpd
.venv/bin/python -m tools.show_appliance out/httpd
exec .venv/bin/python -m tools.demo out/httpd
