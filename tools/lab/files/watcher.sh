#!/bin/sh
# rumpnet lab agent's timeout watcher (dom0): SIGKILL process group $2 once $1 seconds
# have really passed. Time is read from /proc/uptime and the sleep repeated, so a
# `sleep` that dies early never fires the kill early.
read -r t0 _ < /proc/uptime
end=$((${t0%.*} + $1 + 1))
while :; do
    read -r t _ < /proc/uptime
    now=${t%.*}
    [ "$now" -ge "$end" ] && break
    sleep $((end - now))
done
kill -9 -"$2"
