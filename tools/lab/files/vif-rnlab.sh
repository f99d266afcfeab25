#!/bin/sh
# rumpnet lab vif hotplug script (dom0, busybox sh), called by libxl as `script=`.
# add/online: put the vif into the bridge named in its xenstore backend dir (default
# xenbr0), bring it up, write hotplug-status=connected (netback waits for that).
# remove/offline: take it out again. Not here: NAT, iptables, vif-route.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
cmd=$1
dev=${vif:-$(xenstore-read "$XENBUS_PATH/vifname" 2>/dev/null)}
[ -n "$dev" ] || dev=vif$(echo "$XENBUS_PATH" | awk -F/ '{print $(NF-1)"."$NF}')
bridge=$(xenstore-read "$XENBUS_PATH/bridge" 2>/dev/null)
[ -n "$bridge" ] || bridge=xenbr0
echo "$(date +%T) $cmd $dev $bridge $XENBUS_PATH" >> /var/log/xen/vif-rnlab.log
case "$cmd" in
online|add)
    ip link set "$dev" up
    brctl addif "$bridge" "$dev"
    xenstore-write "$XENBUS_PATH/hotplug-status" connected
    ;;
offline|remove)
    brctl delif "$bridge" "$dev" 2>/dev/null
    ip link set "$dev" down 2>/dev/null
    ;;
esac
exit 0
