#!/bin/bash
# decap.sh — what `decap` adds per packet on VXLAN-in-VLAN traffic.
#
#   tests/bench/decap.sh [BUILD_DIR] [MILLION_PACKETS]
#
# Builds captures of VXLAN-in-VLAN frames with the project's own elements
# (testsrc ! vxlanencap ! vlantag ! pcapsink), 1000 frames (fits in L2) and
# 10000 frames (1.9 MB: streams from L3), replays each from the page cache
# (pcapsrc loop=N, zero copy) and times, best of RUNS=3 (CPU seconds, all
# threads), then the same with IPv6 inside the tunnel and as the underlay:
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

row() {
  printf '%-40s %12s %14s %14s\n' "$1" "$2" "$(echo "scale=2; $2 * 1000000000 / $pkts" | bc -l)" "$3"
}

# One capture size: $1 frames (1000 = 182 KB, stays in L2; 10000 = 1.9 MB,
# streams from L3 on each loop).
measure() {
  local base_pkts=$1 cap="$work/vxlan-vlan-$1.pcap" loops base t_decap t_vx t_id t_tcpdump1
  "$launch" -q testsrc num-packets="$base_pkts" packet-size=128 flows=1000 \
    ! vxlanencap vni=4242 ! vlantag vid=100 mode=trunk \
    ! pcapsink location="$cap" > /dev/null
  loops=$(( mpkts * 1000000 / base_pkts ))
  pkts=$(( loops * base_pkts ))
  cat "$cap" > /dev/null
  echo
  echo "capture: $base_pkts VXLAN-in-VLAN frames of $(( 128 + 54 ))B ($(stat -c %s "$cap") bytes), replayed $loops times = $pkts packets"
  base=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! fakesink)
  t_decap=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! decap ! fakesink)
  t_vx=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! vxlandecap ! fakesink)
  t_id=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! decap ! identity ! fakesink)
  printf '%-40s %12s %14s %14s\n' pipeline "cpu s" "ns/packet" "added ns/pkt"
  row "pcapsrc ! fakesink" "$base" "-"
  row "pcapsrc ! decap ! fakesink" "$t_decap" "$(echo "scale=2; ($t_decap - $base) * 1000000000 / $pkts" | bc -l)"
  row "pcapsrc ! vxlandecap ! fakesink" "$t_vx" "$(echo "scale=2; ($t_vx - $base) * 1000000000 / $pkts" | bc -l)"
  row "pcapsrc ! decap ! identity ! fakesink" "$t_id" "$(echo "scale=2; ($t_id - $base) * 1000000000 / $pkts" | bc -l)"
}

# The peer: tcpdump reading 1 M of the same frames and matching the same
# headers (VLAN, IPv4, UDP port 4789) with its BPF filter; it does not peel
# them, so this is a floor for "look at the tunnel headers of each packet".
peer() {
  local big="$work/vxlan-vlan-1m.pcap" t_read t_filter
  "$launch" -q pcapsrc location="$work/vxlan-vlan-10000.pcap" loop=100 \
    ! pcapsink location="$big" > /dev/null
  cat "$big" > /dev/null
  t_read=$(best tcpdump -r "$big" -w /dev/null)
  t_filter=$(best tcpdump -r "$big" -w /dev/null 'vlan and udp dst port 4789')
  echo
  echo "peer, 1000000 packets of the same frames:"
  printf '%-40s %12s %14s\n' "tcpdump -r -w /dev/null" "$t_read" "$(echo "scale=2; $t_read * 1000" | bc -l)"
  printf '%-40s %12s %14s\n' "tcpdump ... 'vlan and udp dst port 4789'" "$t_filter" "$(echo "scale=2; $t_filter * 1000" | bc -l)"
  rm -f "$big"
}

# IPv6 shapes (1000 frames, in cache): an IPv6 frame inside the tunnel, and
# the tunnel over an IPv6 underlay. Prints what decap adds to pcapsrc.
ipv6() {
  local label=$1 src_opts=$2 encap_opts=$3 cap="$work/v6-${1// /-}.pcap" loops base t
  "$launch" -q testsrc num-packets=1000 packet-size=128 flows=1000 $src_opts \
    ! vxlanencap vni=4242 $encap_opts ! vlantag vid=100 mode=trunk \
    ! pcapsink location="$cap" > /dev/null
  loops=$(( mpkts * 1000 ))
  pkts=$(( loops * 1000 ))
  base=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! fakesink)
  t=$(best "$launch" -q pcapsrc location="$cap" loop=$loops ! decap ! fakesink)
  row "decap, $label" "$t" "$(echo "scale=2; ($t - $base) * 1000000000 / $pkts" | bc -l)"
}

pkts=0
measure 1000
measure 10000
peer
echo
echo "IPv6, 1000 frames:"
printf '%-40s %12s %14s %14s\n' pipeline "cpu s" "ns/packet" "added ns/pkt"
ipv6 "IPv6 inside" "ipv6-ratio=1" ""
ipv6 "IPv6 underlay" "" "src=2001:db8::1 dst=2001:db8::2"
echo
echo "target: decap adds <= 5 ns/packet"
