#!/usr/bin/env bash
# The main job on a fresh machine: set up, build, and run the e-mail platform demo
# (scenarios/email-platform.toml): load balancers with a VIP, webmail and mail proxies, a
# Dovecot pair, a replicated mail store, backends; loaded with traffic, hit with six faults,
# every invariant checked, and a report written (report.json and report.html with the
# timeline). In network namespaces when root can make them, else on loopback (the
# load-balancer pair and the partition are then left out, and the report says so).
# Extra arguments go to hamesh-scenario run (e.g. --short, --seed 7).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh

topology=loopback
if [[ $(id -u) -eq 0 ]] && ip netns list >/dev/null 2>&1; then
  topology=netns
else
  echo "demo: not root or no network namespaces here: running on loopback (the VRRP pair is left out)"
fi
report="report/email-platform-$(date +%Y%m%d-%H%M%S)"
rc=0
tools/hamesh-scenario run scenarios/email-platform.toml --topology "$topology" --report "$report" "$@" || rc=$?
echo
echo "demo: report in $PWD/$report/report.html (and report.json beside it)"
exit "$rc"
