"""Deploying through libvirt (its Python binding, `import libvirt`).

Implements: the instance's domain XML (the appliance's libvirt.xml with name, MACs,
file paths and the <metadata> mark rewritten for the instance), putting the kernel
and content archive where the XML names them (over SSH for a remote URI or --host,
by copying for a local one), define + start, and ps/undeploy of the domains carrying
rumpnet's metadata. With --host as well, the domain starts paused, its parameters and
the xenstore marker are written over SSH (libvirt's Xen driver has no xenstore API),
then it is resumed and its addresses are awaited; without --host a domain gets only
its name and MACs per instance, so per-instance parameters are refused.

Not here: the xl path (runner.py, xen.py).
"""

from __future__ import annotations

import argparse
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

from gen.render import METADATA_NS
from tools.deploy import xen
from tools.deploy.appliance import Instance, instance, sha256_file
from tools.deploy.common import host_from
from tools.deploy.runner import Result
from tools.deploy.sshhost import DeployError, Host, Target


def _libvirt():
    try:
        import libvirt
    except ImportError:
        raise DeployError(
            "the libvirt Python binding is not installed "
            "(pip install libvirt-python, needs libvirt-dev)",
            2,
        ) from None
    return libvirt


def open_uri(uri: str):
    libvirt = _libvirt()
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as e:
        raise DeployError(f"libvirt {uri}: {e}") from None


def domain_xml(inst: Instance, host_dir: str) -> str:
    """The appliance's libvirt.xml, made into this instance's definition."""
    src = inst.appliance.path / "libvirt.xml"
    if not src.is_file():
        raise DeployError(f"{inst.appliance.path}: no libvirt.xml (regenerate the appliance)", 2)
    ET.register_namespace("rumpnet", METADATA_NS)
    root = ET.fromstring(src.read_text())
    root.find("name").text = inst.name
    os_el = root.find("os")
    kernel = os_el.find("kernel")
    kernel.text = f"{host_dir}/{Path(kernel.text).name}"
    initrd = os_el.find("initrd")
    if initrd is not None:
        initrd.text = f"{host_dir}/{Path(initrd.text).name}"
    ifaces = root.find("devices").findall("interface")
    for iface, nic in zip(ifaces, inst.nics, strict=True):
        iface.find("mac").set("address", nic.mac)
        iface.find("source").set("bridge", nic.bridge)
    mark = root.find(f"metadata/{{{METADATA_NS}}}appliance")
    mark.set("instance-sha256", inst.digest)
    mark.set("fleet", inst.fleet)
    return ET.tostring(root, encoding="unicode") + "\n"


def needs_xenstore(inst: Instance) -> bool:
    """Parameters beyond what the image's defaults, the XML's name and MACs give."""
    base = dict(instance(inst.appliance).params)
    return any(
        base.get(k) != v
        for k, v in inst.params
        if k != "name" and not (k.startswith("nic") and k.endswith(".mac"))
    )


def _files_host(args: argparse.Namespace) -> Host | None:
    """Where the files go: --host, else the libvirt URI's own host, else here."""
    if args.host:
        return host_from(args)
    u = urlparse(args.libvirt)
    if u.hostname:
        return Host(
            Target(u.hostname, u.username, u.port),
            identity=args.identity,
            options=tuple(args.ssh_options),
        )
    return None


def deploy(args: argparse.Namespace, insts: list[Instance]) -> list[Result]:
    libvirt = _libvirt()
    if any(needs_xenstore(i) for i in insts) and not args.host:
        raise DeployError(
            "per-instance parameters through libvirt need --host too "
            "(libvirt's Xen driver cannot write xenstore)",
            2,
        )
    conn = open_uri(args.libvirt)
    files = _files_host(args)
    results = []
    try:
        if files is not None:
            files.open()
        for inst in insts:
            t0 = time.monotonic()
            res = Result(inst.name, "failed")
            try:
                _deploy_one(libvirt, conn, files, args, inst, res)
            except (DeployError, libvirt.libvirtError) as e:
                res.error = str(e)
                _remove(libvirt, conn, files, args.root, inst.name)
            res.seconds = round(time.monotonic() - t0, 2)
            results.append(res)
    finally:
        if files is not None:
            files.close()
        conn.close()
    return results


def _deploy_one(libvirt, conn, files, args, inst: Instance, res: Result) -> None:
    host_dir = f"{args.root}/{inst.name}"
    xml = domain_xml(inst, host_dir)
    try:
        old = conn.lookupByName(inst.name)
    except libvirt.libvirtError:
        old = None
    if old is not None:
        mark = _mark(libvirt, old)
        if mark is None:
            raise DeployError(f"name {inst.name!r} is taken by a domain rumpnet did not deploy")
        if mark.get("instance-sha256") != inst.digest:
            raise DeployError(
                f"name {inst.name!r} is taken by a rumpnet domain with another "
                "configuration: undeploy it first"
            )
        res.status, res.domid = "unchanged", (old.ID() if old.isActive() else None)
        return
    for p in (inst.appliance.image(), inst.appliance.ramdisk()):
        if p is None:
            continue
        if files is not None:
            files.upload(p, f"{host_dir}/{p.name}", sha256_file(p))
        else:
            Path(host_dir).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, f"{host_dir}/{p.name}")
    dom = conn.defineXML(xml)
    paused = bool(args.host)
    dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED if paused else 0)
    res.domid = dom.ID()
    if paused:
        xen.configure(files, res.domid, inst)
        dom.resume()
        if not args.no_wait:
            res.addresses = xen.wait_ready(files, res.domid, len(inst.nics), args.timeout)
    res.status = "running" if paused and not args.no_wait else "created"


def _mark(libvirt, dom) -> dict | None:
    try:
        text = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, METADATA_NS)
    except libvirt.libvirtError:
        return None
    return dict(ET.fromstring(text).attrib)


def _remove(libvirt, conn, files, root: str, name: str) -> None:
    try:
        dom = conn.lookupByName(name)
        if dom.isActive():
            dom.destroy()
        dom.undefine()
    except libvirt.libvirtError:
        pass
    if files is not None:
        files.check(f"rm -rf {xen.q(f'{root}/{name}')}", f"removing the files of {name}")
    else:
        shutil.rmtree(f"{root}/{name}", ignore_errors=True)


def ps(uri: str) -> list[dict]:
    libvirt = _libvirt()
    conn = open_uri(uri)
    try:
        rows = []
        for dom in conn.listAllDomains():
            mark = _mark(libvirt, dom)
            if mark is None:
                continue
            rows.append(
                {
                    "name": dom.name(),
                    "domid": dom.ID() if dom.isActive() else None,
                    "kind": mark.get("kind", "?"),
                    "fleet": mark.get("fleet", ""),
                    "addresses": {},
                }
            )
        return sorted(rows, key=lambda r: r["name"])
    finally:
        conn.close()


def undeploy(args: argparse.Namespace, name: str) -> dict:
    libvirt = _libvirt()
    conn = open_uri(args.libvirt)
    files = _files_host(args)
    try:
        try:
            dom = conn.lookupByName(name)
        except libvirt.libvirtError:
            return {"name": name, "status": "absent", "message": "no such domain"}
        if _mark(libvirt, dom) is None:
            return {
                "name": name,
                "status": "refused",
                "message": "this domain was not deployed by rumpnet",
            }
        if files is not None:
            files.open()
        _remove(libvirt, conn, files, args.root, name)
        return {"name": name, "status": "destroyed", "message": "destroyed and undefined"}
    finally:
        if files is not None:
            files.close()
        conn.close()
