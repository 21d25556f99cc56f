#!/bin/bash
# decap.sh — what `decap` adds per packet on VXLAN-in-VLAN traffic.
#
#   tests/bench/decap.sh [BUILD_DIR] [MILLION_PACKETS]
#
# Builds a small capture of VXLAN-in-VLAN frames with the project's own
# elements (testsrc ! vxlanencap ! vlantag ! pcapsink), then replays it
# from memory-cached pcap (pcapsrc loop=N, zero copy) N times and times,
# best of RUNS=3 (CPU seconds, all threads):
#   pcapsrc ! fakesink                          (baseline)
#   pcapsrc ! decap ! fakesink                  (VLAN + VXLAN peeled: one step)
#   pcapsrc ! vxlandecap ! fakesink
#   pcapsrc ! decap ! identity ! fakesink       (decap + one more hop, for scale)
#   tcpdump -r FILE -w /dev/null                (a peer reading the same file)
# and prints ns/packet and the cost added to the baseline. Target: decap
# adds <= 5 ns/packet for one VXLAN + one VLAN layer.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
mpkts=${2:-20}
runs=${RUNS:-3}
launch="$build/tools/pkt-launch"
export PKT_PLUGIN_PATH="$build/elements"
work=$(mktemp -d /tmp/pktbench-decap-XXXXXX)
trap 'rm -rf "$work"' EXIT
cap="$work/vxlan-vlan.pcap"
base_pkts=10000

"$launch" -q testsrc num-packets=$base_pkts packet-size=128 flows=1000 \
  ! vxlanencap vni=4242 ! vlantag vid=100 mode=trunk \
  ! pcapsink location="$cap" > /dev/null
loops=$(( mpkts * 1000000 / base_pkts ))
pkts=$(( loops * base_pkts ))
cat "$cap" > /dev/null
echo "capture: $base_pkts VXLAN-in-VLAN frames of $(( 128 + 54 ))B, replayed $loops times = $pkts packets"

# best of $runs: CPU seconds (user + sys) of "$@"
best() {
  local b=
  for _ in $(seq "$runs"); do
    local c
    /usr/bin/time -o "$work/time" -f '@@ %U %S' "$@" > /dev/null 2>&1
    c=$(awk '/^@@/ {print $2 + $3}' "$work/time")
    if [ -z "$b" ] || [ "$(echo "$c < $b" | bc -l)" = 1 ]; then b=$c; fi
  done
  echo "$b"
}

ns() { echo "scale=2; $1 * 1000000000 / $pkts" | bc -l; }

base=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! fakesink)
t_decap=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! decap ! fakesink)
t_vx=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! vxlandecap ! fakesink)
t_id=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! decap ! identity ! fakesink)
# tcpdump reads the file once: scale to the same packet count
t_tcpdump1=$(best tcpdump -r "$cap" -w /dev/null)

printf '%-40s %12s %14s %14s\n' pipeline "cpu s" "ns/packet" "added ns/pkt"
row() {
  printf '%-40s %12s %14s %14s\n' "$1" "$2" "$(ns "$2")" "$3"
}
row "pcapsrc ! fakesink" "$base" "-"
row "pcapsrc ! decap ! fakesink" "$t_decap" "$(ns "$(echo "$t_decap - $base" | bc -l)")"
row "pcapsrc ! vxlandecap ! fakesink" "$t_vx" "$(ns "$(echo "$t_vx - $base" | bc -l)")"
row "pcapsrc ! decap ! identity ! fakesink" "$t_id" "$(ns "$(echo "$t_id - $base" | bc -l)")"
printf '%-40s %12s %14s %14s\n' "tcpdump -r (one pass, $base_pkts pkts)" "$t_tcpdump1" \
  "$(echo "scale=2; $t_tcpdump1 * 1000000000 / $base_pkts" | bc -l)" "-"
echo "target: decap adds <= 5 ns/packet"
