#!/bin/sh
# A scenario's STONITH: fence_by_pidfile.sh PIDFILE. Kills the peer node by the PID the runner
# wrote when it started it (as a power switch would end the host) and exits 0 only once that
# process runs no more; a peer that is already dead is fenced at once.
pid=$(cat "$1" 2>/dev/null)
[ -n "$pid" ] || { echo "fence: no pid in $1" >&2; exit 1; }
kill -9 "$pid" 2>/dev/null
i=0
while :; do
  state=$(sed -n 's/^[^)]*) \(.\).*/\1/p' /proc/"$pid"/stat 2>/dev/null)
  { [ -z "$state" ] || [ "$state" = Z ]; } && exit 0
  i=$((i + 1)); [ $i -gt 400 ] && { echo "fence: $pid still runs" >&2; exit 1; }
  sleep 0.005
done
