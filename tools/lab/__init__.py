"""rumpnet's Xen lab: Debian's Xen 4.17 with a Linux dom0 under QEMU (TCG), bridged to
a host network namespace. Other helpers drive it through this stable API:

    from tools.lab import Lab
    lab = Lab.up()                  # boots (~15 s) or reuses the running lab; idempotent
    lab = Lab.attach()              # the running lab or None (never boots)
    rc, out = lab.exec("xl info", timeout=60)      # str = shell script, list = argv
    out = lab.check(["xl", "list"])                # raises LabError unless rc == 0
    lab.put("build/x.img", "/root/x.img")          # file into dom0's own filesystem
    path = lab.share("build/kernel")               # visible in dom0 via 9p, no copy;
                                                   # returns its dom0 path (/mnt/host/...)
    name = lab.xl_create(cfg_text, files=["build/kernel"])
        # cfg_text is an xl config with name = "..."; `files` are shared into dom0 and
        # the config refers to them as $FILES/<basename>.  Domain names: prefix them
        # with your area (rnm-..., rnp-...).  Returns the name.
    lab.console(name)               # the domain's console so far (xenconsoled log, str)
    lab.wait_console(name, r"regex", timeout=60)   # → re.Match, LabError on timeout
    lab.destroy(name)               # xl destroy
    lab.info(), lab.domains()       # parsed `xl info` (dict), `xl list` (list of dict)
    lab.netns                       # "rnlab0": host namespace with the lab bridges
    lab.bridges                     # ["rnlabbr0", "rnlabbr1"] ↔ dom0 xenbr0, xenbr1
    lab.networks                    # hostnet.LabNet: host_addr, dhcp_range, dom0_bridge
    lab.run_host(["curl", ...])     # run a host program inside the namespace
    lab.leases(), lab.wait_lease(mac)              # the lab's dnsmasq leases
    lab.run_dir                     # this run's logs: console.log (Xen + dom0),
                                    # share/consoles/guest-<name>.log (every DomU)
    lab.down()                      # stop this lab (logs stay in lab.run_dir)
    tools.lab.clean()               # stop the lab + remove crash leftovers that no
                                    # registry names; never touches other instances
    lab.add_user(); lab.release()   # hold the lab while you use it; release() stops
                                    # it if pytest booted it and nobody else holds it

Instances: everything above acts on the shared lab (instance 0, namespace rnlab0)
unless RUMPNET_LAB_INSTANCE=N (or instance=N) picks a private lab: namespace rnlabN,
bridges rnlabNbr0/rnlabNbr1, same addresses (namespaces keep them apart). Each costs
a QEMU (~1-2 GB RSS, CPU): use one only where sharing would disturb others.

Networks: rnlabbr0 holds 192.0.2.2/24 and dnsmasq leases 192.0.2.100-199; rnlabbr1 holds
198.51.100.2/24 and leases 198.51.100.100-199 (`Lab.up(dhcp=False)` leaves DHCP off).
Guest vifs: `vif = ['bridge=xenbr0,mac=00:16:3e:..']` (the hotplug script vif-rnlab is
the default). Guest types with QEMU 10 (probed, see `rumpnet lab status`): PV works;
PVH works with tsc_mode = "native" for guests that never rely on CR2 after a page
fault (a tiny PVH guest runs; Linux as PVH powers off before its first output).

Lab.up(dhcp=None) leaves a running lab's DHCP as it is (CLI `up` sets it explicitly).

pytest: in a suite's conftest.py, `from tools.lab.pytest_plugin import lab, lab_session`
(or `pytest_plugins = ["tools.lab.pytest_plugin"]` in the rootdir conftest) gives the
session-scoped `lab` fixture; mark tests `lab`. Reference Linux DomU (DHCP, httpd,
ip_forward, N vifs): tools.lab.guests.create_reference(lab, name, bridges=(...)).
CLI: `rumpnet lab up|status|exec|put|down|clean` (tools/lab/cli.py; also
`python3 -m tools.lab ...`). Needs root.
"""

from tools.lab.lab import Lab, LabError, clean

__all__ = ["Lab", "LabError", "clean"]
