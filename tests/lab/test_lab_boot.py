"""The lab boots: Xen 4.17 with dom0 under QEMU, reachable through the control channel."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest

from tools.lab import hostnet, state

pytestmark = pytest.mark.lab


def test_xl_info_parsed(lab):
    info = lab.info()
    assert info["xen_major"] == 4 and info["xen_minor"] == 17
    assert info["xen_version"].startswith("4.17")
    assert {"pv", "hvm", "hap"} <= set(info["virt_caps_list"])
    assert 256 < info["free_memory"] < info["total_memory"]


def test_exec_returns_status_and_output(lab):
    rc, out = lab.exec("echo out; echo err >&2; exit 3")
    assert rc == 3
    assert out == "out\nerr\n"
    rc, out = lab.exec(["printf", "%s|", "a b", "c"])
    assert (rc, out) == (0, "a b|c|")


def test_exec_timeout_kills_the_command(lab):
    rc, _ = lab.exec("sleep 30", timeout=2)
    assert rc == 137
    assert lab.exec("echo still-there") == (0, "still-there\n")


def test_put_copies_bytes_exactly(lab, tmp_path):
    data = os.urandom(300_000) + b"\0\n\r\xff"
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    lab.put(src, "/root/rnlab-test/blob.bin")
    out = lab.check("sha256sum /root/rnlab-test/blob.bin && rm -r /root/rnlab-test")
    assert out.split()[0] == hashlib.sha256(data).hexdigest()


def test_cli_status_json_and_exec(lab):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    st = json.loads(
        subprocess.run(
            [sys.executable, "-m", "tools.lab", "status", "--json"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout
    )
    assert st["state"] == "ready"
    assert st["netns"] == lab.netns and st["bridge"] == lab.bridges[0]
    assert st["guest_types"]["pv"]
    proc = subprocess.run(
        [sys.executable, "-m", "tools.lab", "exec", "--", "sh", "-c", "xl list | head -1; exit 5"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 5
    assert proc.stdout.startswith("Name")


def test_host_side_is_only_in_the_namespace(lab):
    links = hostnet.links(lab.netns)
    for net in lab.networks:
        assert links[net.bridge]["addresses"][0] == net.host_addr
        assert links[net.tap]["master"] == net.bridge
    root = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert "rnlab" not in root  # nothing of the lab in the host's root namespace
    assert lab.check(
        "cat /sys/class/net/xenbr0/brif/eth0/port_no; cat /sys/class/net/xenbr1/brif/eth1/port_no"
    )


def test_dhcp_server_off_and_on(lab):
    def dhcp_listening() -> bool:
        out = lab.run_host(["ss", "-Hulpn", "sport = :67"]).stdout
        return "dnsmasq" in out

    lab.set_dhcp(False)
    try:
        assert state.load(lab.instance).get("dnsmasq") is None
        assert not dhcp_listening()
    finally:
        lab.set_dhcp(True)
    assert state.alive(state.load(lab.instance)["dnsmasq"])
    assert dhcp_listening()
