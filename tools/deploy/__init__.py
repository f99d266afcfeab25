"""rumpnet deploy: appliances onto Xen hosts over SSH (xl) or through libvirt.

Modules: sshhost (the OpenSSH transport), appliance (an appliance directory and its
instances), fleet (fleet.toml, names, MACs, address pools), xen (dom0 commands),
runner (ordering, parallelism, roll-back), virt (libvirt), cli / cmd_ps /
cmd_undeploy (the `rumpnet deploy | ps | undeploy` commands).

The contract with the appliance (Xen, minios's hyp_param_get in appliance/minios/params.c):
- Parameters: dom0 writes parameter "a.b" to /local/domain/<domid>/rumpnet/a/b before
  the domain is unpaused; owner dom0, the guest may read (xenstore-chmod n0 r<domid>).
  The appliance reads them relative to its home: ~/rumpnet/a/b.
- Readiness: /local/domain/<domid>/rumpnet/state/ is created by dom0 and owned by the
  guest. When NIC N has its IPv4 address bound, the appliance writes it, as
  "A.B.C.D/LEN", to ~/rumpnet/state/nic<N>/ipv4. `rumpnet deploy` waits until every
  NIC has one (or --timeout); appliances that do not write it yet: use --no-wait.
- Marker: /local/domain/<domid>/rumpnet-deployed holds a JSON object {"by": "rumpnet",
  "kind", "fleet", "profile" (profile digest), "instance" (instance digest)}, written
  by dom0 while the domain is still paused, owner dom0 (the guest can read, not
  forge or remove it). `ps` and `undeploy` act only on domains that carry it. Chosen
  over a name prefix: names stay what the operator picked, a foreign domain cannot
  look like ours by its name, and the instance digest in it makes re-runs idempotent.
  Through libvirt, the mark is the <metadata> element of namespace
  urn:rumpnet:appliance:1 in the domain definition (gen/templates/libvirt.xml.j2).
"""
