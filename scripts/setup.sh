#!/usr/bin/env bash
# Installs what Loom needs on a fresh Debian 12 machine, then compiles.
#   scripts/setup.sh          packages to run Loom
#   scripts/setup.sh --test   also the real peers the test suite drives
# Each step is skipped when already satisfied, so it is cheap to run before every command.
set -euo pipefail
cd "$(dirname "$0")/.."

# ethtool: the agent turns off checksum offload on pod interfaces (userspace conntrack).
packages=(iproute2 ethtool)
if [[ "${1:-}" == "--test" ]]; then
  # gRPC C-core with its built-in xDS resolver: the second, independent xDS client.
  # Open vSwitch (userspace datapath, one instance per simulated host in a netns).
  # iptables (nft and legacy) and nftables for the sidecar's transparent redirect;
  # openssl for the webhook's throwaway certificates; dig (dnsutils) for the registry's DNS;
  # Redis for the cluster IPAM's shared backend; podman (with runc and busybox for a local
  # image) as the real CNI runtime.
  packages+=(python3-grpcio openvswitch-switch iptables nftables openssl dnsutils redis-server)
  packages+=(podman containernetworking-plugins runc busybox-static)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=(); [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm dependencies" >&2
  # `npm install` (not `npm ci`): this npm leaves other platforms' optional packages out of
  # the lockfile and `npm ci` then refuses it; install still follows the lockfile exactly.
  npm install --no-audit --no-fund --loglevel=error
fi

npm run --silent build
