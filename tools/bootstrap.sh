#!/bin/sh
# tools/bootstrap.sh - prepare a Debian machine (as root) for rumpnet: the Debian
# packages it uses, QEMU for the Xen lab (from backports when the machine's Debian
# archive has it), and a Python virtual environment in .venv with rumpnet installed.
# Safe to run twice: it installs only what is missing.
# Not here: Xen, the dom0 kernel, lwIP and Xen's headers (fetched into the cache by
# rumpnet itself, never installed into the host).
set -eu
cd "$(dirname "$0")/.."

say() { printf 'rumpnet: %s\n' "$*" >&2; }

# Debian packages: toolchain, python, real network peers used by the tests.
# Servers among them (nginx, sshd) are peers the tests start in namespaces: they
# must not start as host services, so the install runs under a policy-rc.d that
# forbids starting services (Debian's mechanism for exactly that).
PKGS="python3 python3-venv gcc make libc6-dev cpio curl ca-certificates xz-utils \
  iproute2 iputils-ping traceroute ethtool tcpdump dnsmasq-base busybox nginx-light wrk \
  iperf3 iperf openssh-client openssh-server libvirt-clients libxml2-utils libvirt-dev pkg-config"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing" ]; then
  say "installing Debian packages:$missing"
  apt-get update -q >/dev/null
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    policy=/usr/sbin/policy-rc.d
  fi
  apt-get install -y -q --no-install-recommends $missing >/dev/null || status=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ "${status:-0}" = 0 ] || { say "apt-get install failed"; exit 1; }
fi

# QEMU for the lab: prefer the backports suite of the machine's own Debian archive.
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  say "installing QEMU for the Xen lab"
  PYTHONPATH=. python3 -m tools.host_backports
  apt-get update -q >/dev/null
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  apt-get install -y -q --no-install-recommends -t "$codename-backports" qemu-system-x86 >/dev/null \
    || apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null
fi

# Python environment with rumpnet installed (editable: the checkout is the code).
if [ ! -x .venv/bin/python ]; then
  say "creating the Python environment .venv"
  python3 -m venv .venv
fi
stamp=.venv/.rumpnet-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing rumpnet and its Python dependencies into .venv"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e '.[dev]'; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    say "pip install failed (full log: $log)"
    exit 1
  fi
  echo "$want" > "$stamp"
fi
