"""Topology registry/cleanup and the port worker, on real namespaces."""

import json
import time

from pyroute2 import netns
from scapy.all import ICMP, IP, Ether

from nettests.topo import Topology, clean, registry_dir
from nettests.wire import Port, run_and_expect


def test_dead_runs_are_cleaned_and_clean_is_idempotent():
    topo = Topology()
    name = topo.add_netns("stdead")
    # pretend the owner died: the registry names a pid that is not running
    rec = json.loads(topo.path.read_text())
    rec["owner_pid"] = 2**22 + 1
    topo.path.write_text(json.dumps(rec))
    try:
        assert name in netns.listnetns()
        removed = clean()
        assert name in removed
        assert name not in netns.listnetns()
        assert not (registry_dir() / f"{topo.run_id}.json").exists()
        assert clean() == [] or name not in clean()
    finally:
        topo.close()


def test_ports_exchange_frames_and_answer_arp_for_owned_addresses():
    topo = Topology()
    try:
        sw = topo.add_netns("stsw2")
        a_ns, b_ns = topo.add_netns("sta"), topo.add_netns("stb")
        topo.add_bridge(sw, "br0")
        topo.add_veth(sw, "br0", "a0", a_ns, "eth0")
        topo.add_veth(sw, "br0", "b0", b_ns, "eth0")
        a, b = Port(a_ns, "eth0", "a"), Port(b_ns, "eth0", "b")
        try:
            b.own(["192.0.2.96/28"])
            from nettests.probes import arp_request, is_arp_reply

            class S:  # the smallest Side probes need
                port = a
                dut_mac = b.mac

                def rig_ip(self):
                    return "192.0.2.40"

            mark = a.mark()
            a.send(arp_request(S(), "192.0.2.100", "192.0.2.40"))
            hit = a.expect_one(is_arp_reply("192.0.2.100", "192.0.2.40"), 3, since=mark)
            assert hit is not None and hit.hwsrc == b.mac
            mark = b.mark()
            a.send(
                Ether(src=a.mac, dst=b.mac) / IP(src="192.0.2.40", dst="192.0.2.100") / ICMP(id=7)
            )
            got = b.expect_one(lambda p: ICMP in p and p[ICMP].id == 7, 3, since=mark)
            assert got is not None
            # absence: nothing else arrives, and quiet() waits its whole window
            t0 = time.monotonic()
            assert b.quiet(lambda p: ICMP in p and p[ICMP].id == 8, 0.5) == []
            assert time.monotonic() - t0 >= 0.5
        finally:
            a.close()
            b.close()
    finally:
        topo.close()


def test_run_and_expect_honours_its_deadline():
    t0 = time.monotonic()
    assert run_and_expect(lambda: False, 0.3, 0.05) is False
    assert 0.3 <= time.monotonic() - t0 < 1.0
    calls = []
    assert run_and_expect(lambda: calls.append(1) or len(calls) >= 3, 5, 0.01) is True


def test_clean_signals_only_the_recorded_process():
    import subprocess

    from nettests.topo import _same_process, _start_time

    proc = subprocess.Popen(["sleep", "30"])
    try:
        entry = [proc.pid, _start_time(proc.pid)]
        assert _same_process(entry)
        assert not _same_process([proc.pid, "1"])  # same PID, another start time
        assert not _same_process(proc.pid)  # a bare PID is never trusted
    finally:
        proc.kill()
        proc.wait()
    assert not _same_process(entry)


def test_rig_on_foreign_bridges_leaves_nothing_behind():
    """build_rig(switch=...) (the xen target: the lab's bridges) plugs ports
    and peers into bridges it does not own; closing the run removes its veth
    ends there and leaves the bridges."""
    from nettests.nsutil import ns_run
    from nettests.targets.base import build_rig

    owner = Topology()  # stands in for the lab namespace and its bridges
    try:
        lab = owner.add_netns("stlab")
        owner.add_bridge(lab, "xbr0")
        owner.add_bridge(lab, "xbr1")
        topo = Topology()
        try:
            rig = build_rig(topo, "router", switch=(lab, ["xbr0", "xbr1"]), peer_host=4)
            assert rig["sw"] == lab and lab not in topo.namespaces
            ends = {topo.ns_name("rr0"): "xbr0", topo.ns_name("rp1"): "xbr1"}
            for end, bridge in ends.items():
                out = ns_run(lab, ["ip", "-j", "link", "show", "dev", end]).stdout
                assert json.loads(out)[0]["master"] == bridge
            peer1 = rig["segments"][1]["peer_ns"]
            addrs = ns_run(peer1, ["ip", "-j", "addr", "show", "dev", "eth0"]).stdout
            assert "198.51.100.4" in addrs
        finally:
            topo.close()

        def links():  # a removed namespace takes its veths along, asynchronously
            out = json.loads(ns_run(lab, ["ip", "-j", "link", "show"]).stdout)
            return sorted(x["ifname"] for x in out)

        run_and_expect(lambda: links() == ["lo", "xbr0", "xbr1"], 10, 0.1)
        assert links() == ["lo", "xbr0", "xbr1"]
    finally:
        owner.close()
