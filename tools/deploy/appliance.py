"""What gets deployed: a generated appliance directory and its instances.

Implements: reading an appliance directory (manifest.json, xl.cfg, the Xen image
named by the manifest's build.xen.image, the content archive), the Instance (one
domain: its name, NICs with MACs derived stably from the instance name, addresses,
and the per-instance parameters written to xenstore), the instance's xl.cfg (the
appliance's own, with name, paths and vifs rewritten for the host), and the
instance digest that makes re-deploys idempotent.

Not here: fleets and address allocation (fleet.py), talking to the host (xen.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from gen.profile import NAME_RE
from gen.render import CONTENT_ARCHIVE, profile_digest
from gen.resolve import auto_mac
from tools.deploy.sshhost import DeployError

KEY_RE = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
RESERVED_KEYS = ("state",)  # ~/rumpnet/state/ is the appliance's to write


@dataclass(frozen=True)
class Appliance:
    path: Path
    manifest: dict
    xl_cfg: str

    @classmethod
    def load(cls, path: Path) -> Appliance:
        mf = path / "manifest.json"
        if not mf.is_file():
            raise DeployError(f"{path}: not an appliance directory (no manifest.json)", 2)
        try:
            manifest = json.loads(mf.read_text())
        except json.JSONDecodeError as e:
            raise DeployError(f"{mf}: unreadable manifest: {e}", 2) from None
        if manifest.get("generator") != "rumpnet" or "profile" not in manifest:
            raise DeployError(f"{mf}: not a rumpnet manifest", 2)
        cfg = path / "xl.cfg"
        if not cfg.is_file():
            raise DeployError(f"{path}: no xl.cfg (regenerate it with `rumpnet gen`)", 2)
        return cls(path=path, manifest=manifest, xl_cfg=cfg.read_text())

    @property
    def profile(self) -> dict:
        return self.manifest["profile"]

    @property
    def kind(self) -> str:
        return self.profile["kind"]

    @property
    def name(self) -> str:
        return self.profile["name"]

    @property
    def memory(self) -> int:
        return int(self.profile["memory"])

    @property
    def digest(self) -> str:
        return profile_digest(self.profile)

    def image(self) -> Path:
        """The Xen kernel image, checked against the manifest; DeployError if missing."""
        xen = self.manifest.get("build", {}).get("xen") or {}
        name = xen.get("image")
        if not name:
            why = xen.get("status") or "not built"
            raise DeployError(f"{self.path}: no Xen image to deploy (build.xen: {why})", 2)
        return self._checked(name)

    def ramdisk(self) -> Path | None:
        if CONTENT_ARCHIVE not in self.manifest.get("outputs", {}):
            return None
        return self._checked(CONTENT_ARCHIVE)

    def _checked(self, name: str) -> Path:
        p = self.path / name
        want = self.manifest.get("outputs", {}).get(name, {}).get("sha256")
        if not p.is_file():
            raise DeployError(f"{p}: missing (regenerate the appliance)", 2)
        if want and sha256_file(p) != want:
            raise DeployError(f"{p}: differs from its manifest (regenerate the appliance)", 2)
        return p


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class InstanceNic:
    index: int
    bridge: str
    mac: str
    ipv4: str  # "dhcp" or A.B.C.D/LEN
    gateway: str | None = None


@dataclass(frozen=True)
class Instance:
    appliance: Appliance = field(compare=False)
    name: str
    nics: tuple[InstanceNic, ...]
    params: tuple[tuple[str, str], ...]  # written to ~/rumpnet/<key> (dots: path levels)
    fleet: str = ""

    @property
    def memory(self) -> int:
        return self.appliance.memory

    @property
    def digest(self) -> str:
        """Everything that makes this instance what it is; equal digest: nothing to do."""
        doc = {
            "profile": self.appliance.digest,
            "outputs": self.appliance.manifest.get("outputs", {}),
            "name": self.name,
            "nics": [vars(n) for n in self.nics],
            "params": list(self.params),
        }
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def marker(self) -> str:
        """The value of /local/domain/<domid>/rumpnet-deployed."""
        return json.dumps(
            {
                "by": "rumpnet",
                "kind": self.appliance.kind,
                "fleet": self.fleet,
                "profile": self.appliance.digest,
                "instance": self.digest,
            },
            sort_keys=True,
            separators=(",", ":"),
        )


def check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise DeployError(
            f"{name!r} is not a domain name: use 1-63 letters, digits, '_', '.', '-'", 2
        )
    return name


def parse_sets(items: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """`key=value` per-instance parameters; keys are the appliance's dotted keys."""
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not KEY_RE.match(key):
            raise DeployError(
                f"--set {item!r}: expected key=value with a dotted key (letters, digits, '_', '-')",
                2,
            )
        if key.split(".")[0] in RESERVED_KEYS:
            raise DeployError(f"--set {item!r}: keys under 'state.' belong to the appliance", 2)
        out.append((key, value))
    return out


def instance(
    app: Appliance, name: str | None = None, sets=(), nic_overrides=(), fleet: str = ""
) -> Instance:
    """One instance of `app`: name (default the profile's), NICs, parameters.

    nic_overrides: per NIC index a dict with optional "mac", "ipv4", "gateway", "bridge".
    """
    name = check_name(name or app.name)
    nics, params = [], [("name", name)]
    for i, pn in enumerate(app.profile["nic"]):
        ov = dict(nic_overrides[i]) if i < len(nic_overrides) else {}
        mac = ov.get("mac") or (auto_mac(name, i) if pn["mac"] == "auto" else pn["mac"])
        nic = InstanceNic(
            index=i,
            bridge=ov.get("bridge") or pn["bridge"],
            mac=mac.lower(),
            ipv4=ov.get("ipv4") or pn["ipv4"],
            gateway=ov.get("gateway", pn.get("gateway")),
        )
        nics.append(nic)
        params.append((f"nic{i}.mac", nic.mac))
        if nic.ipv4 != "dhcp":
            params += [(f"nic{i}.mode", "static"), (f"nic{i}.ipv4", nic.ipv4)]
        if nic.gateway:
            params.append((f"nic{i}.gateway", nic.gateway))
    given = dict(params)
    for key, value in sets:
        given[key] = value
    return Instance(
        appliance=app, name=name, nics=tuple(nics), params=tuple(given.items()), fleet=fleet
    )


def instance_xl_cfg(inst: Instance, kernel: str, ramdisk: str | None) -> str:
    """The appliance's xl.cfg with name, kernel, ramdisk and vif rewritten for `inst`."""
    out, in_vif = [], False
    header = (
        f"# rumpnet deploy: instance {inst.name!r} of the {inst.appliance.kind} appliance "
        f"(profile sha256 {inst.appliance.digest[:16]})\n"
    )
    for line in inst.appliance.xl_cfg.splitlines(keepends=True):
        key = line.split("=", 1)[0].strip()
        if in_vif:
            in_vif = not line.strip().startswith("]")
            continue
        if line.startswith("#"):
            continue
        if key == "name":
            line = f'name = "{inst.name}"\n'
        elif key == "kernel":
            line = f'kernel = "{kernel}"\n'
        elif key == "ramdisk":
            if ramdisk is None:
                continue
            line = f'ramdisk = "{ramdisk}"\n'
        elif key == "vif":
            in_vif = not line.rstrip().endswith("]")
            vifs = "".join(f'    "mac={n.mac},bridge={n.bridge}",\n' for n in inst.nics)
            line = f"vif = [\n{vifs}]\n"
        out.append(line)
    return header + "".join(out)
