#!/bin/sh
# rumpnet lab dom0 init (PID 1 of the dom0 initramfs, busybox sh).
# Order: filesystems, modules, xenfs, xenstored, xen-init-dom0, xenconsoled, bridges
# over the emulated NICs, host share (9p), control agent; then "RNLAB-READY" on hvc0.
# Not here: anything about guests (the host drives xl through the agent).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
say() { echo "rnlab: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
say "stage=modules"
while read -r m; do
    insmod "/lib/modules/$m.ko" 2>/dev/null || say "insmod $m failed"
done < /etc/modules.load

say "stage=xen"
mount -t xenfs xenfs /proc/xen
mkdir -p /run/xen /run/xenstored /var/lib/xen /var/lib/xenstored /var/log/xen/console /var/lib/xen/dump
xenstored --pid-file /run/xenstored.pid
xen-init-dom0 || say "xen-init-dom0 failed"

say "stage=share"
mkdir -p /mnt/host
if mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none rnlab /mnt/host; then
    mkdir -p /mnt/host/consoles
    CONSDIR=/mnt/host/consoles
else
    say "9p share unavailable"
    CONSDIR=/var/log/xen/console
fi
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir="$CONSDIR"

say "stage=net"
ip link set lo up
n=0
for dev in /sys/class/net/eth*; do
    [ -e "$dev" ] || continue
    eth=${dev##*/}
    br=xenbr${eth#eth}
    brctl addbr "$br"
    echo 0 > "/sys/class/net/$br/bridge/forward_delay"
    echo 0 > "/sys/class/net/$br/bridge/stp_state"
    echo 0 > "/sys/class/net/$br/bridge/multicast_snooping"
    brctl addif "$br" "$eth"
    ip link set "$eth" up
    ip link set "$br" up
    n=$((n + 1))
done
say "bridges=$n"

say "stage=agent"
for p in /sys/class/virtio-ports/*; do
    [ "$(cat "$p/name" 2>/dev/null)" = rnlab.ctl ] && CTL=/dev/${p##*/}
done
if [ -n "$CTL" ]; then
    # respawned: a crashed agent must not cut the lab off
    setsid sh -c 'while :; do sh /etc/rnlab/agent.sh "$1"; sleep 1; done' agent "$CTL" \
        </dev/null >/dev/null 2>&1 &
else
    say "no control port"
fi
say "RNLAB-READY $(cat /proc/uptime)"
while :; do sleep 3600; done
