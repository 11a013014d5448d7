#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run a node from
# config/examples/demo.toml; show its supervision tree, crash an actor and watch it be
# restarted, then stop the node with SIGTERM. (The email-platform scenario replaces this
# once the functions it needs exist.)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh

bin=build/bin
work=$(mktemp -d)
log="$work/node.log"
# The demo config with a control endpoint on a free loopback port.
{ cat config/examples/demo.toml; printf '\n[mesh]\nlisten = "127.0.0.1:0"\n'; } > "$work/demo.toml"

"$bin/hamesh-node" --config "$work/demo.toml" 2>"$log" &
node=$!
trap 'kill "$node" 2>/dev/null || true; rm -rf "$work"' EXIT

port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*control endpoint listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [[ -n "$port" ]] && break
  kill -0 "$node" 2>/dev/null || { cat "$log"; echo "demo: the node exited early" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { cat "$log"; echo "demo: the node did not come up within 10 s" >&2; exit 1; }
ctl() { "$bin/hameshctl" -n "127.0.0.1:$port" "$@"; }

echo "== node up on 127.0.0.1:$port"
ctl status
echo; echo "== supervision tree"
ctl tree
echo; echo "== hameshctl kill demo/ticker/fast (its supervisor restarts it)"
ctl kill demo/ticker/fast
for _ in $(seq 1 50); do
  ctl --json show demo/ticker/fast | grep -q '"restarts": 1' && break
  sleep 0.1
done
ctl tree
echo; echo "== one actor's state"
ctl show demo/ticker/slow
echo; echo "== SIGTERM: the tree stops in reverse order"
kill -TERM "$node"
wait "$node" && rc=0 || rc=$?
trap 'rm -rf "$work"' EXIT
grep -E "SIGTERM|stopp" "$log" | grep -v "tick [0-9]"
echo "node exited with code $rc"
exit "$rc"
