"""libvirt: the generated domain XML (and each deployed instance's) passes libvirt's own
schema validator, virt-xml-validate; rumpnet's <metadata> mark is what `ps` and
`undeploy --libvirt` go by, checked with the libvirt Python binding on libvirt's
built-in test driver (test:///default: libvirt's real API and XML parser, a driver
that boots nothing), next to the driver's own domain "test", which is not ours."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from gen.render import METADATA_NS
from gen.resolve import auto_mac
from tools.deploy import virt
from tools.deploy.appliance import Appliance, instance, parse_sets
from tools.deploy.sshhost import DeployError

TEST_URI = "test:///default"


def validate(path) -> subprocess.CompletedProcess:
    if shutil.which("virt-xml-validate") is None or shutil.which("xmllint") is None:
        pytest.skip("virt-xml-validate is not installed (Debian libvirt-clients, libxml2-utils)")
    return subprocess.run(
        ["virt-xml-validate", str(path), "domain"], capture_output=True, text=True
    )


@pytest.mark.parametrize("kind", ["httpd", "router"])
def test_generated_xml_passes_virt_xml_validate(appliances, kind):
    r = validate(appliances[kind] / "libvirt.xml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (r.stdout + r.stderr).strip().endswith("validates")


def test_validator_rejects_a_broken_domain(appliances, tmp_path):
    bad = tmp_path / "bad.xml"
    text = (appliances["httpd"] / "libvirt.xml").read_text()
    bad.write_text(text.replace('<interface type="bridge">', '<interface type="wormhole">'))
    assert validate(bad).returncode != 0


def test_instance_xml_is_valid_and_rewritten(appliances, tmp_path):
    app = Appliance.load(appliances["router"])
    inst = instance(app, "edge-3", fleet="edge")
    path = tmp_path / "edge-3.xml"
    path.write_text(virt.domain_xml(inst, "/srv/rumpnet/edge-3"))
    r = validate(path)
    assert r.returncode == 0, r.stdout + r.stderr
    root = ET.parse(path).getroot()
    assert root.get("type") == "xen" and root.findtext("name") == "edge-3"
    assert root.findtext("os/type") == "xen"
    assert root.findtext("os/kernel") == "/srv/rumpnet/edge-3/rumpnet-router.xen"
    assert [
        (i.find("mac").get("address"), i.find("source").get("bridge"))
        for i in root.findall("devices/interface")
    ] == [(auto_mac("edge-3", 0), "rndbr0"), (auto_mac("edge-3", 1), "rndbr9")]
    mark = root.find(f"metadata/{{{METADATA_NS}}}appliance")
    assert mark.attrib == {
        "kind": "router",
        "profile-sha256": app.digest,
        "instance-sha256": inst.digest,
        "fleet": "edge",
    }
    assert root.findtext("on_crash") == "destroy" and root.findtext("on_poweroff") == "destroy"


def _args(**kw) -> argparse.Namespace:
    base = dict(
        libvirt=TEST_URI,
        host=None,
        identity=None,
        ssh_options=[],
        root="/nonexistent",
        no_wait=True,
        timeout=5,
    )
    return argparse.Namespace(**{**base, **kw})


@pytest.fixture
def test_driver():
    libvirt = pytest.importorskip("libvirt", reason="libvirt-python is not installed")
    conn = libvirt.open(TEST_URI)
    made: list[str] = []
    yield conn, made
    for name in made:
        try:
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        except libvirt.libvirtError:
            pass
    conn.close()


def test_ps_and_undeploy_act_only_on_marked_domains(appliances, test_driver):
    conn, made = test_driver
    app = Appliance.load(appliances["httpd"])
    for name in ("rnd-web-0", "rnd-web-1"):
        made.append(name)
        conn.defineXML(virt.domain_xml(instance(app, name, fleet="web"), "/x")).create()
    rows = virt.ps(TEST_URI)
    assert [(r["name"], r["kind"], r["fleet"]) for r in rows] == [
        ("rnd-web-0", "httpd", "web"),
        ("rnd-web-1", "httpd", "web"),
    ]
    assert all(r["domid"] is not None for r in rows)
    assert "test" in [d.name() for d in conn.listAllDomains()]  # the driver's own domain
    assert virt.undeploy(_args(), "test")["status"] == "refused"
    assert conn.lookupByName("test").isActive()
    assert virt.undeploy(_args(), "rnd-web-0")["status"] == "destroyed"
    assert [r["name"] for r in virt.ps(TEST_URI)] == ["rnd-web-1"]
    assert virt.undeploy(_args(), "rnd-web-0")["status"] == "absent"


def test_per_instance_parameters_need_a_host(appliances):
    app = Appliance.load(appliances["httpd"])
    plain = instance(app, "rnd-x")
    assert not virt.needs_xenstore(plain)
    tuned = instance(app, "rnd-x", parse_sets(["http.port=8080"]))
    assert virt.needs_xenstore(tuned)
    with pytest.raises(DeployError, match="per-instance parameters through libvirt need --host"):
        virt.deploy(_args(), [tuned])


def test_deploy_copies_defines_and_starts(xen_appliance, test_driver, tmp_path):
    """The whole libvirt path on the test driver; needs a built Xen image to copy."""
    conn, made = test_driver
    app = Appliance.load(xen_appliance)
    inst = instance(app, "rnd-lv-1")
    made.append(inst.name)
    (res,) = virt.deploy(_args(root=str(tmp_path)), [inst])
    assert res.status == "created" and res.domid is not None, res.error
    assert (tmp_path / "rnd-lv-1" / app.image().name).read_bytes() == app.image().read_bytes()
    (again,) = virt.deploy(_args(root=str(tmp_path)), [inst])
    assert again.status == "unchanged"
    assert virt.undeploy(_args(root=str(tmp_path)), inst.name)["status"] == "destroyed"
    assert not (tmp_path / "rnd-lv-1").exists()
