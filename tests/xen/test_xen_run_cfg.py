"""tools/xen_run.py without Xen: reading an appliance's xl.cfg and writing the
per-instance copy (own name, files, MACs, bridges, memory) that `xl create -p` gets,
and the parameter checks. The booting itself is covered by the lab tests beside this.
"""

from __future__ import annotations

import pytest

from tools.xen_run import (
    XenDomain,
    XenRunError,
    load_appliance,
    parse_params,
    parse_xl_cfg,
    render_xl_cfg,
)

XL_CFG = """# generated
name = "router"
type = "pv"
kernel = "rumpnet-router.xen"
memory = 8
maxmem = 8
vif = [
    "mac=00:16:3e:5c:37:0b,bridge=xenbr0",
    "mac=00:16:3e:46:4e:d1,bridge=xenbr1",
]
on_crash = "destroy"
"""


def test_parse_and_render_round_trip():
    cfg = parse_xl_cfg(XL_CFG)
    assert cfg["name"] == "router" and cfg["memory"] == 8
    assert cfg["vif"] == [
        "mac=00:16:3e:5c:37:0b,bridge=xenbr0",
        "mac=00:16:3e:46:4e:d1,bridge=xenbr1",
    ]
    assert parse_xl_cfg(render_xl_cfg(cfg)) == cfg


def test_instance_cfg_overrides(tmp_path):
    (tmp_path / "xl.cfg").write_text(XL_CFG)
    (tmp_path / "rumpnet-router.xen").write_bytes(b"\x7fELF")
    app = load_appliance(tmp_path)
    dom = XenDomain(
        app,
        dom0=None,
        name="rnx-t",
        bridges=["xenbr1", "xenbr0"],
        macs=["00:16:3e:00:00:01"],
        memory=4,
    )
    cfg = dom.instance_cfg("/mnt/host/dom/rnx-t")
    assert cfg["name"] == "rnx-t"
    assert cfg["kernel"] == "/mnt/host/dom/rnx-t/rumpnet-router.xen"
    assert cfg["memory"] == cfg["maxmem"] == 4
    assert cfg["vif"] == [
        "bridge=xenbr1,mac=00:16:3e:00:00:01",
        "mac=00:16:3e:46:4e:d1,bridge=xenbr0",
    ]
    assert app.cfg["vif"][0] == "mac=00:16:3e:5c:37:0b,bridge=xenbr0"  # untouched


def test_appliance_without_xen_image_is_a_user_error(tmp_path):
    (tmp_path / "xl.cfg").write_text(XL_CFG)
    with pytest.raises(XenRunError) as e:
        load_appliance(tmp_path)
    assert e.value.code == 2 and "rumpnet-router.xen" in str(e.value)


@pytest.mark.parametrize("bad", ["nic0.ipv4", "=x", "a..b=1", "a b=1"])
def test_bad_params_are_refused(bad):
    with pytest.raises(XenRunError) as e:
        parse_params([bad])
    assert e.value.code == 2


def test_params_keep_values_with_equals_and_spaces():
    assert parse_params(["route0=198.51.100.128/26 via 198.51.100.2", "a.b=x=y"]) == {
        "route0": "198.51.100.128/26 via 198.51.100.2",
        "a.b": "x=y",
    }
