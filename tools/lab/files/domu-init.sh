#!/bin/sh
# rumpnet lab reference DomU init (Linux PV, busybox): netfront, DHCP on every vif,
# IPv4 forwarding, busybox httpd on port 80 serving /www (index.html, 128 KiB big.bin; and iperf -s
# when the image has it). Progress lines start with
# "rnref:" on hvc0 (the host reads them from xenconsoled's log).
# vifs attached later (xl network-attach) are picked up by the loop at the end.
# Static addressing instead of DHCP: rnref.static=ethN:ADDR/PLEN on the command line;
# also there: rnref.mtu=ethN:MTU, rnref.forward=0 (no IPv4 forwarding),
# rnref.arpcheck=1 (udhcpc -a: ARP-probe the offered address before binding).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "rnref: $*"; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "init $(cat /proc/uptime)"
say "kernel $(uname -r)"
while read -r m; do insmod "/lib/modules/$m.ko" || say "insmod $m failed"; done < /etc/modules.load
hostname "$(sed -n 's/.*rnref.name=\([^ ]*\).*/\1/p' /proc/cmdline)"
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^rnref.$1=//p"; }
[ "$(arg forward)" = 0 ] || echo 1 > /proc/sys/net/ipv4/ip_forward
ip link set lo up
mkdir -p /www
[ -e /www/index.html ] || echo "rnref $(hostname) ok" > /www/index.html  # else: given
[ -e /www/big.bin ] || dd if=/dev/zero of=/www/big.bin bs=1024 count=128 2>/dev/null
httpd -p 80 -h /www
# the bench variant of the image carries iperf (iperf2): a TCP sink on port 5001
[ -x /usr/bin/iperf ] && { iperf -s >/dev/null 2>&1 & say "iperf listening"; }
configure() {  # $1 = ethN: static address from the command line, else DHCP
    eth=$1
    mtu=$(arg mtu | sed -n "s/^$eth://p")
    [ -n "$mtu" ] && ip link set "$eth" mtu "$mtu"
    ip link set "$eth" up
    static=$(arg static | sed -n "s/^$eth://p")
    if [ -n "$static" ]; then
        ip addr add "$static" dev "$eth"
        say "$eth static $static"
    else
        [ "$(arg arpcheck)" = 1 ] && probe=-a || probe=
        say "$eth dhcp"
        udhcpc -b -i "$eth" -s /etc/udhcpc.sh -t 20 -T 1 -A 2 -x "hostname:$(hostname)" \
            $probe -p "/run/udhcpc.$eth.pid" >/dev/null 2>&1
    fi
    touch "/run/configured.$eth"
}
mkdir -p /run
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
for dev in /sys/class/net/eth*; do
    [ -e "$dev" ] && configure "${dev##*/}"
done
# rnref.busy=1: burn the vCPU (stress tests of the lab's scheduling and context switches)
grep -q 'rnref.busy=1' /proc/cmdline && { while :; do :; done & }
say "ready $(cat /proc/uptime)"
while :; do  # hotplugged vifs; a removed one forgets its state
    for f in /run/configured.eth*; do
        [ -e "$f" ] || continue
        eth=${f#/run/configured.}
        if [ ! -e "/sys/class/net/$eth" ]; then
            rm -f "$f"
            [ -e "/run/udhcpc.$eth.pid" ] && kill "$(cat "/run/udhcpc.$eth.pid")" 2>/dev/null
            say "$eth gone"
        fi
    done
    for dev in /sys/class/net/eth*; do
        [ -e "$dev" ] && [ ! -e "/run/configured.${dev##*/}" ] && configure "${dev##*/}"
    done
    sleep 1
done
