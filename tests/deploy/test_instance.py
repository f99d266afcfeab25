"""One instance of an appliance: its xl.cfg on the host, its parameters, its digest, the
appliance checks done before anything is copied, and the host URL."""

from __future__ import annotations

import json
import shutil

import pytest

from gen.resolve import auto_mac
from tools.deploy.appliance import Appliance, instance, instance_xl_cfg, parse_sets
from tools.deploy.runner import Result, table
from tools.deploy.sshhost import DeployError, Target


def test_instance_xl_cfg_rewrites_name_paths_and_vifs(appliances):
    app = Appliance.load(appliances["router"])
    inst = instance(app, "edge-7")
    cfg = instance_xl_cfg(inst, "/var/lib/rumpnet/blobs/k", None)
    body = [x for x in cfg.splitlines() if not x.startswith("#")]
    assert body == [
        'name = "edge-7"',
        'type = "pv"',
        'kernel = "/var/lib/rumpnet/blobs/k"',
        "memory = 8",
        "maxmem = 8",
        "vcpus = 1",
        "vif = [",
        f'    "mac={auto_mac("edge-7", 0)},bridge=rndbr0",',
        f'    "mac={auto_mac("edge-7", 1)},bridge=rndbr9",',
        "]",
        'on_poweroff = "destroy"',
        'on_reboot = "restart"',
        'on_crash = "destroy"',
    ]
    httpd = instance(Appliance.load(appliances["httpd"]))
    assert 'ramdisk = "/r/c"' in instance_xl_cfg(httpd, "/r/k", "/r/c").splitlines()


def test_parameters_and_digest(appliances):
    app = Appliance.load(appliances["httpd"])
    a = instance(app, "web1", parse_sets(["http.port=8080", "log_level=debug"]))
    assert dict(a.params) == {
        "name": "web1",
        "nic0.mac": auto_mac("web1", 0),
        "http.port": "8080",
        "log_level": "debug",
    }
    same = instance(app, "web1", parse_sets(["http.port=8080", "log_level=debug"]))
    other = instance(app, "web1", parse_sets(["http.port=8081", "log_level=debug"]))
    assert a.digest == same.digest != other.digest
    marker = json.loads(a.marker())
    assert marker == {
        "by": "rumpnet",
        "kind": "httpd",
        "fleet": "",
        "profile": app.digest,
        "instance": a.digest,
    }


@pytest.mark.parametrize(
    "item, message",
    [
        ("port", "--set 'port': expected key=value with a dotted key (letters, digits, '_', '-')"),
        ("nic0/ipv4=1", "--set 'nic0/ipv4=1': expected key=value with a dotted key"),
        (
            "state.nic0.ipv4=x",
            "--set 'state.nic0.ipv4=x': keys under 'state.' belong to the appliance",
        ),
    ],
)
def test_bad_parameters(item, message):
    with pytest.raises(DeployError) as e:
        parse_sets([item])
    assert str(e.value).startswith(message) and e.value.code == 2


def test_no_xen_image_is_a_user_error_before_any_copy(appliances):
    app = Appliance.load(appliances["httpd"])  # generated without building
    with pytest.raises(DeployError) as e:
        app.image()
    assert e.value.code == 2
    assert str(e.value) == f"{app.path}: no Xen image to deploy (build.xen: not built)"


def test_an_output_that_differs_from_the_manifest_is_refused(appliances, tmp_path):
    copy = shutil.copytree(appliances["httpd"], tmp_path / "h")
    (copy / "content.cpio").write_bytes(b"tampered")
    with pytest.raises(DeployError, match="content.cpio: differs from its manifest"):
        Appliance.load(copy).ramdisk()


@pytest.mark.parametrize(
    "url, target, text",
    [
        ("ssh://root@xen1", Target("xen1", "root", None), "root@xen1"),
        ("ssh://xen1:2222", Target("xen1", None, 2222), "xen1:2222"),
        ("ssh://ops@[2001:db8::1]:22/", Target("2001:db8::1", "ops", 22), "ops@[2001:db8::1]:22"),
    ],
)
def test_host_urls(url, target, text):
    assert Target.parse(url) == target and str(target) == text


@pytest.mark.parametrize("url", ["root@xen1", "ssh://", "ssh://a@b:99999", "http://xen1"])
def test_bad_host_urls(url):
    with pytest.raises(DeployError) as e:
        Target.parse(url)
    assert e.value.code == 2


def test_summary_table():
    rows = [
        Result("web-0", "running", 7, {"nic0": "192.0.2.60/24"}, seconds=3.3),
        Result("web-1", "failed", None, error="host h: xl create of web-1 failed: boom"),
    ]
    assert table(rows).splitlines() == [
        "NAME   STATUS   DOMID  ADDRESSES           SECONDS",
        "web-0  running  7      nic0=192.0.2.60/24  3.3",
        "web-1  failed   -      -                   0.0",
        "web-1: host h: xl create of web-1 failed: boom",
    ]
