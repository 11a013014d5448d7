#!/usr/bin/env bash
# Installs the Debian 12 packages hamesh needs to build and test, only those missing.
# Idempotent: a second run installs nothing and prints "setup: all packages present".
# Runs as root (apt-get); without root it lists what is missing and fails.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build ccache pkg-config clang-format
  libcaf-dev libssl-dev libmsgpack-cxx-dev libspdlog-dev libfmt-dev libboost-test-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  # fuzz targets (libFuzzer ships in clang's runtime)
  clang-14 libclang-rt-14-dev
  # tests: real peers and tooling
  python3 iproute2 procps
  keepalived            # the VRRP peer for interoperability tests and the failover anchor
  haproxy               # L4/HTTP anchor for the benchmarks
  wrk                   # HTTP load for the benchmarks
  dovecot-imapd dovecot-pop3d  # real IMAP/POP3 servers for the probes and the mail proxy
  nftables              # the nftables DNAT data plane of the IPVS manager
  openssl               # test certificates for the HTTPS probe
  qemu-utils libnbd-bin # real NBD clients (qemu-io, qemu-img, nbdcopy, nbdinfo) for replicas
  fuse3 e2fsprogs       # nbdfuse's FUSE mount and ext4 on a replicated volume
  heartbeat             # Linux-HA heartbeat 3: the storage failover anchor (tools/bench/storage_failover)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "setup: not root; run as root or install: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Servers installed for the tests (dovecot, haproxy) must not start as system services:
# tests start their own, on loopback. Keep any policy the machine already has.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
trap '[[ $made_policy -eq 1 ]] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
