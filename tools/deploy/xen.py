"""Operations on a Xen host's dom0 with xl and the xenstore tools, over SSH.

Implements: pre-flight (xl present, bridges present, free memory from `xl info`, names
free), the inventory of domains and which of them rumpnet deployed, uploading images
content-addressed, `xl create -p`, writing the per-instance parameters and the marker
into xenstore with permissions the guest can use, unpause, waiting for the appliance
to report its addresses, and destroy with clean-up of the host's files.

The xenstore layout (the contract with the appliance, see tools/deploy/__init__.py):
  /local/domain/<domid>/rumpnet-deployed   marker (JSON), owner dom0, guest may read
  /local/domain/<domid>/rumpnet/<a>/<b>    parameter "a.b", owner dom0, guest may read
  /local/domain/<domid>/rumpnet/state/     owned by the guest: it writes
                                           state/nic<N>/ipv4 when NIC N has its address
Files on the host, below ROOT (default /var/lib/rumpnet):
  blobs/<sha256>             kernel images and content archives, shared by instances
  instances/<name>/xl.cfg    the instance's xl configuration

Every script here is POSIX sh that busybox runs too.
Not here: the SSH transport (sshhost.py), ordering and roll-back (runner.py).
"""

from __future__ import annotations

import json
import shlex
import tempfile
from dataclasses import dataclass, field

from tools.deploy.appliance import Instance
from tools.deploy.sshhost import DeployError, Host

ROOT = "/var/lib/rumpnet"
MARKER = "rumpnet-deployed"
q = shlex.quote


@dataclass
class Domain:
    name: str
    domid: int
    marker: dict | None  # None: not deployed by rumpnet
    addresses: dict[str, str] = field(default_factory=dict)  # "nic0" -> "192.0.2.10/24"

    @property
    def ours(self) -> bool:
        return self.marker is not None


@dataclass
class HostFacts:
    xl: bool
    bridges: dict[str, bool]
    free_memory: int | None  # MiB
    domains: dict[str, Domain]


# One line per fact: "xl yes|no", "bridge NAME yes|no", "free_memory N",
# "dom ID NAME", "marker ID JSON", "addr ID NIC ADDRESS".
_FACTS = r"""
if command -v xl >/dev/null 2>&1; then echo "xl yes"; else echo "xl no"; fi
for b in {bridges}; do
  if [ -d "/sys/class/net/$b/bridge" ]; then echo "bridge $b yes"; else echo "bridge $b no"; fi
done
command -v xl >/dev/null 2>&1 || exit 0
# xl itself can fail now and then on a busy dom0 (seen in the lab): try thrice.
i=0
until info=$(xl info 2>/dev/null) && echo "$info" | grep -q '^free_memory'; do
  i=$((i+1)); [ $i -ge 3 ] && break; sleep 1
done
echo "$info" | sed -n 's/^free_memory *: *\([0-9]*\).*/free_memory \1/p'
i=0
until list=$(xl list 2>/dev/null); do
  i=$((i+1)); [ $i -ge 3 ] && {{ echo "error xl-list"; exit 0; }}; sleep 1
done
echo "$list" | sed 1d | while read -r name id rest; do
  echo "dom $id $name"
  m=$(xenstore-read /local/domain/$id/{marker} 2>/dev/null) && echo "marker $id $m"
  for d in $(xenstore-list /local/domain/$id/rumpnet/state 2>/dev/null); do
    a=$(xenstore-read /local/domain/$id/rumpnet/state/$d/ipv4 2>/dev/null) && echo "addr $id $d $a"
  done
done
"""


def facts(host: Host, bridges=()) -> HostFacts:
    out = host.check(
        _FACTS.format(bridges=" ".join(q(b) for b in bridges), marker=MARKER),
        "reading the host's state",
    )
    xl, brs, free, doms = False, {}, None, {}
    byid: dict[int, Domain] = {}
    for line in out.splitlines():
        word, _, rest = line.partition(" ")
        if word == "xl":
            xl = rest == "yes"
        elif word == "bridge" and rest:
            name, _, ans = rest.rpartition(" ")
            brs[name] = ans == "yes"
        elif word == "free_memory" and rest.isdigit():
            free = int(rest)
        elif word == "error":
            raise DeployError(f"host {host.target}: `xl list` failed three times")
        elif word == "dom":
            sid, _, name = rest.partition(" ")
            byid[int(sid)] = doms[name] = Domain(name=name, domid=int(sid), marker=None)
        elif word == "marker":
            sid, _, text = rest.partition(" ")
            try:
                m = json.loads(text)
            except json.JSONDecodeError:
                m = None
            if int(sid) in byid and isinstance(m, dict) and m.get("by") == "rumpnet":
                byid[int(sid)].marker = m
        elif word == "addr":
            sid, nic, addr = (rest.split(" ", 2) + ["", ""])[:3]
            if int(sid) in byid:
                byid[int(sid)].addresses[nic] = addr
    return HostFacts(xl=xl, bridges=brs, free_memory=free, domains=doms)


def require_xl(host: Host, f: HostFacts) -> HostFacts:
    if not f.xl:
        raise DeployError(
            f"host {host.target}: `xl` not found: is this a Xen dom0 with the Xen tools installed?"
        )
    return f


def preflight(host: Host, insts: list[Instance]) -> tuple[HostFacts, list[str]]:
    """The host's facts and every problem found, one line each (empty: go ahead).

    Instances whose name is taken by an identical rumpnet deploy are not a problem
    (re-runs are idempotent); they need no memory either.
    """
    bridges = sorted({n.bridge for i in insts for n in i.nics})
    f = facts(host, bridges)
    problems = [
        f"host {host.target}: bridge {b!r} does not exist (needed by "
        f"{', '.join(sorted({i.name for i in insts if b in {n.bridge for n in i.nics}}))})"
        for b in bridges
        if not f.bridges.get(b)
    ]
    if not f.xl:
        problems.append(
            f"host {host.target}: `xl` not found: is this a Xen dom0 with the Xen tools installed?"
        )
        return f, problems
    todo = [i for i in insts if not same_deploy(f, i)]
    for i in todo:
        d = f.domains.get(i.name)
        if d is None:
            continue
        if d.ours:
            problems.append(
                f"host {host.target}: name {i.name!r} is taken by a rumpnet domain "
                f"(domid {d.domid}) with another configuration: undeploy it first"
            )
        else:
            problems.append(
                f"host {host.target}: name {i.name!r} is taken by domain {d.domid}, "
                "which rumpnet did not deploy"
            )
    need = sum(i.memory for i in todo)
    if f.free_memory is None:
        problems.append(f"host {host.target}: `xl info` reported no free_memory")
    elif need > f.free_memory:
        problems.append(
            f"host {host.target}: not enough free memory: {need} MiB needed, "
            f"{f.free_memory} MiB free (xl info)"
        )
    return f, problems


def same_deploy(f: HostFacts, inst: Instance) -> bool:
    d = f.domains.get(inst.name)
    return d is not None and d.ours and d.marker.get("instance") == inst.digest


def existing_blobs(host: Host, root: str, digests: list[str]) -> set[str]:
    script = f"for s in {' '.join(digests)}; do [ -f {q(root)}/blobs/$s ] && echo $s; done; true"
    return set(host.check(script, "listing images").split())


def write_config(host: Host, root: str, name: str, text: str) -> str:
    path = f"{root}/instances/{name}/xl.cfg"
    with tempfile.TemporaryFile() as f:
        f.write(text.encode())
        f.seek(0)
        host.check(
            f"mkdir -p {q(root)}/instances/{q(name)} && cat > {q(path)}", "writing xl.cfg", stdin=f
        )
    return path


def create_paused(host: Host, cfg: str, name: str) -> int:
    # Idempotent, like every script here: a retried session finds the domain it made.
    out = host.check(
        f"xl domid {q(name)} 2>/dev/null || {{ xl create -p {q(cfg)} >&2 && xl domid {q(name)}; }}",
        f"xl create of {name}",
    )
    try:
        return int(out.split()[-1])
    except (IndexError, ValueError):
        raise DeployError(f"host {host.target}: xl create of {name} gave no domid") from None


def configure(host: Host, domid: int, inst: Instance) -> None:
    """Marker and parameters into xenstore; guest may read them, and owns state/."""
    base = f"/local/domain/{domid}"
    lines = [
        "set -e",
        f"p={base}",
        f"xenstore-write $p/{MARKER} {q(inst.marker())}",
        f"xenstore-chmod $p/{MARKER} n0 r{domid}",
        "xenstore-write $p/rumpnet/state ''",
    ]
    nodes = {"rumpnet"}
    for key, value in inst.params:
        parts = key.split(".")
        for k in range(1, len(parts) + 1):
            nodes.add("rumpnet/" + "/".join(parts[:k]))
        lines.append(f"xenstore-write $p/rumpnet/{'/'.join(parts)} {q(value)}")
    for node in sorted(nodes, key=lambda n: n.count("/")):
        lines.append(f"xenstore-chmod $p/{node} n0 r{domid}")
    lines.append(f"xenstore-chmod $p/rumpnet/state n{domid}")
    host.check("\n".join(lines), f"writing the parameters of {inst.name} to xenstore")


def unpause(host: Host, domid: int) -> None:
    script = (
        f"s=$(xl list {domid} | sed 1d | tr -s ' \\t' ' ' | cut -d' ' -f5); "
        f'case "$s" in *p*) xl unpause {domid};; esac'
    )
    host.check(script, f"xl unpause {domid}")


def wait_ready(host: Host, domid: int, nics: int, timeout: int) -> dict[str, str]:
    """Wait until the guest wrote state/nic<N>/ipv4 for every NIC; returns the addresses."""
    script = f"""
p=/local/domain/{domid}/rumpnet/state; i=0; n=$(({timeout} * 5))
while :; do
  xl list {domid} >/dev/null 2>&1 || {{ echo gone; exit 0; }}
  out=""; ok=1; k=0
  while [ $k -lt {nics} ]; do
    a=$(xenstore-read $p/nic$k/ipv4 2>/dev/null) || {{ ok=0; break; }}
    out="$out nic$k=$a"; k=$((k+1))
  done
  [ $ok = 1 ] && {{ echo "ready$out"; exit 0; }}
  i=$((i+1)); [ $i -ge $n ] && {{ echo timeout; exit 0; }}
  sleep 0.2 2>/dev/null || {{ sleep 1; i=$((i+4)); }}
done
"""
    out = host.check(script, f"waiting for domain {domid}", timeout=timeout + 60).split()
    if not out or out[0] == "timeout":
        raise DeployError(
            f"host {host.target}: domain {domid} reported no address within "
            f"{timeout} s (appliance writes ~/rumpnet/state/nic<N>/ipv4; "
            "use --no-wait for appliances that do not)"
        )
    if out[0] == "gone":
        raise DeployError(
            f"host {host.target}: domain {domid} exited before it was ready "
            "(see `xl dmesg` on the host)"
        )
    return dict(x.split("=", 1) for x in out[1:])


def destroy(host: Host, root: str, name: str, domid: int | None, by_name: bool = False) -> None:
    """Destroy the domain (if any) and remove the instance's files on the host.

    by_name: when the domid is not known (roll-back of a failed `xl create`), destroy
    the domain of that name if there is one: pre-flight found the name free, so a
    domain of that name is the one this run half-made.
    """
    kill = ""
    if domid is not None:
        kill = f"if ! xl destroy {domid}; then xl list {domid} >/dev/null 2>&1 && exit 1; fi\n"
    elif by_name:
        kill = f"if id=$(xl domid {q(name)} 2>/dev/null); then xl destroy $id; fi\n"
    d = q(f"{root}/instances/{name}")
    host.check(f"{kill}rm -rf {d} 2>/dev/null || {{ sleep 1; rm -rf {d}; }}", f"destroying {name}")


def gc_blobs(host: Host, root: str) -> None:
    """Remove the images no instance's xl.cfg names any more."""
    script = f"""r={q(root)}
[ -d "$r/blobs" ] || exit 0
for b in "$r"/blobs/*; do
  [ -f "$b" ] || continue
  s=$(basename "$b")
  grep -qs "$s" "$r"/instances/*/xl.cfg || rm -f "$b"
done
true
"""
    host.check(script, "removing unused images")
