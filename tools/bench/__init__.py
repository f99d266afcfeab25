"""`rumpnet bench`: side-by-side performance of an appliance and its peer.

Each figure runs the appliance and its peer in the same session, alternating, at
least five times by default; every run is one JSON record (figure, appliance value,
peer value, ratio, parameters, environment). The console table shows the median
ratio with min-max; PNG plots and an HTML page are written next to the JSON.

Peers: on the posix target, nginx from Debian in a network namespace (httpd) and a
Linux namespace with ip_forward (router); on the xen target (xen_bench.py), the lab's
reference Linux PV DomU, with the load generators in dom0. Not here: pass/fail gates
on timings (benchmarks report; tests decide nothing from them).
"""
