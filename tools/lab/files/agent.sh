#!/bin/sh
# rumpnet lab control agent (dom0, busybox sh), on the virtio-serial port given as $1.
# Request, one line:  ID TIMEOUT BASE64(shell script)
# Reply:              ID BEGIN / base64 of stdout+stderr / ID END RC
# The script runs as its own process group; a watcher (also its own group) kills that
# whole group with SIGKILL after TIMEOUT seconds (RC 137). busybox's `timeout` applet
# was not used: it crashed now and then under the lab (rc 139) and left children behind.
# Not here: queueing (the host holds a lock and sends one request at a time).
PORT=$1
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
W=/run/agent
mkdir -p $W
cd /root || exit 1
exec 3<>"$PORT"
while :; do
    if ! read -r id tmo b64 <&3; then
        sleep 0.2   # EOF: only if the host end is a socket with no client
        continue
    fi
    [ -n "$b64" ] || continue
    echo "$b64" | base64 -d > $W/cmd 2>/dev/null
    setsid sh $W/cmd </dev/null > $W/out 2>&1 3<&- &
    pid=$!
    setsid sh /etc/rnlab/watcher.sh "$tmo" "$pid" </dev/null >/dev/null 2>&1 3<&- &
    watcher=$!
    wait $pid
    rc=$?
    kill -9 -$watcher 2>/dev/null
    { echo "$id BEGIN"; base64 < $W/out; echo "$id END $rc"; } >&3
done
