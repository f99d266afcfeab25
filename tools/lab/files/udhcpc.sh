#!/bin/sh
# udhcpc event script of the reference DomU: set the address, report it on the console.
case "$1" in
deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    echo "rnref: $interface bound $ip/${mask:-24} $(cat /proc/uptime)" > /dev/hvc0
    ;;
esac
exit 0
