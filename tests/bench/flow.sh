#!/usr/bin/env bash
# pktpipe benchmark — flowtrack.
#
# 1. testsrc protocol=tcp flows=K (TCP sessions: handshake, data, FIN) !
#    flowtrack ! fakesink at K = 64, 100 000 and 1 000 000 concurrent flows.
#    Rates are differences between two runs of N1 and N2 packets, so table
#    preallocation and start-up cancel out; "cpu" uses user+sys time (the
#    machine may be shared), "wall" the elapsed time. The generator's own
#    cost (testsrc ! fakesink, same packet counts) is measured and removed.
# 2. The same looped real capture (Zeek's ssh trace, looped) through
#    pktpipe (pcapsrc ! flowtrack ! fakesink), softflowd -r, argus -r and
#    tshark -q -z conv,tcp -r, where installed; pps and ratio to pktpipe.
#
# Usage: tests/bench/flow.sh [build-dir]   (default: build-flow)
# Env:   N1, N2 (packets), LOOPS (capture repetitions), KS (flow counts)
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build-flow}
[[ $build = /* ]] || build=$here/$build
launch=$build/tools/pkt-launch
export PKT_PLUGIN_PATH=$build/elements
export LD_LIBRARY_PATH=$build/core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
N1=${N1:-5000000}
N2=${N2:-25000000}
LOOPS=${LOOPS:-300}
KS=${KS:-"64 100000 1000000"}
testdata=${PKT_TESTDATA:-$here/../shared/testdata}
tmp=$(mktemp -d /tmp/pktflow-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[[ -x $launch ]] || { echo "build first: $launch not found" >&2; exit 1; }

# run CMD...: prints "wall cpu" seconds
measure() {
  /usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" > /dev/null 2> "$tmp/err" || {
    echo "failed: $*" >&2; cat "$tmp/err" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/time"
}

rate() { # packets seconds -> Mpps
  awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) print "n/a"; else printf "%.2f", n / s / 1e6 }'
}

echo "== flowtrack on synthetic TCP sessions (testsrc protocol=tcp), one streaming thread"
echo "   machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %12s %12s %14s %14s %12s\n" flows "Mpps(cpu)" "Mpps(wall)" "gen Mpps(cpu)" "ns/pkt(cpu)" "bytes/flow"
for k in $KS; do
  maxf=$(( k + k / 4 ))
  (( maxf < 1024 )) && maxf=1024
  ft="flowtrack name=ft max-flows=$maxf"
  read -r w1 c1 < <(measure "$launch" -q testsrc protocol=tcp flows="$k" num-packets="$N1" ! $ft ! fakesink)
  read -r w2 c2 < <(measure "$launch" -q testsrc protocol=tcp flows="$k" num-packets="$N2" ! $ft ! fakesink)
  read -r gw1 gc1 < <(measure "$launch" -q testsrc protocol=tcp flows="$k" num-packets="$N1" ! fakesink)
  read -r gw2 gc2 < <(measure "$launch" -q testsrc protocol=tcp flows="$k" num-packets="$N2" ! fakesink)
  n=$(( N2 - N1 ))
  cpu=$(awk -v a="$c2" -v b="$c1" -v g="$gc2" -v h="$gc1" 'BEGIN { print (a - b) - (g - h) }')
  wall=$(awk -v a="$w2" -v b="$w1" -v g="$gw2" -v h="$gw1" 'BEGIN { print (a - b) - (g - h) }')
  gen=$(awk -v g="$gc2" -v h="$gc1" 'BEGIN { print g - h }')
  nsp=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.1f", c / n * 1e9 }')
  bpf=$(awk -v m="$maxf" 'BEGIN { s = 16; while (s < m + m / 4) s *= 2; printf "%.1f", (176 * m + 4 * s) / m }')
  printf "%-10s %12s %12s %14s %14s %12s\n" "$k" "$(rate $n "$cpu")" "$(rate $n "$wall")" \
    "$(rate $n "$gen")" "$nsp" "$bpf"
done

echo
echo "== the same looped real capture through flow tools"
pcap=$testdata/pcaps/zeek-ssh.pcap
[[ -f $pcap ]] || { echo "no $pcap: skipping peers"; exit 0; }
loop=$tmp/loop.pcap
"$launch" -q pcapsrc location="$pcap" loop="$LOOPS" ! pcapsink location="$loop" > /dev/null
pkts=$(tcpdump -nn -r "$loop" 2>/dev/null | wc -l)
echo "   capture: $pcap x $LOOPS = $pkts packets ($(du -h "$loop" | cut -f1))"
printf "%-34s %10s %10s %10s %10s\n" tool "wall s" "cpu s" "kpps(cpu)" "ratio"
read -r pw pc < <(measure "$launch" -q pcapsrc location="$loop" ! flowtrack ! fakesink)
base=$(awk -v n="$pkts" -v s="$pc" 'BEGIN { print n / s }')
row() { # name wall cpu
  local kp ratio
  kp=$(awk -v n="$pkts" -v s="$3" 'BEGIN { if (s <= 0) s = 0.001; printf "%.0f", n / s / 1e3 }')
  ratio=$(awk -v b="$base" -v n="$pkts" -v s="$3" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1fx", b / (n / s) }')
  printf "%-34s %10s %10s %10s %10s\n" "$1" "$2" "$3" "$kp" "$ratio"
}
row "pktpipe pcapsrc!flowtrack" "$pw" "$pc"
read -r w c < <(measure "$launch" -q pcapsrc location="$loop" ! flowtrack name=ft ! fakesink ft.flows ! logsink location="$tmp/conn.log")
row "pktpipe ... + logsink conn.log" "$w" "$c"
if command -v softflowd > /dev/null; then
  # softflowd stalls on some long looped files: bounded, reported if so
  if r=$(measure setsid -w timeout 60 softflowd -d -r "$loop" -n 127.0.0.1:9 -c "$tmp/sfd.ctl" 2>/dev/null); then
    read -r w c <<< "$r"
    row "softflowd -r" "$w" "$c"
  else echo "softflowd -r: did not finish within 60 s"; fi
else echo "softflowd: not installed"; fi
if command -v argus > /dev/null; then
  if r=$(measure timeout 120 argus -r "$loop" -w "$tmp/argus.out" 2>/dev/null); then
    read -r w c <<< "$r"
    row "argus -r" "$w" "$c"
  else echo "argus -r: failed or did not finish within 120 s"; fi
else echo "argus: not installed"; fi
if command -v tshark > /dev/null; then
  if r=$(measure timeout 300 tshark -q -z conv,tcp -r "$loop" 2>/dev/null); then
    read -r w c <<< "$r"
    row "tshark -q -z conv,tcp -r" "$w" "$c"
  else echo "tshark: failed or did not finish within 300 s"; fi
else echo "tshark: not installed"; fi
echo "(ratio = how many times more CPU the tool needs than pktpipe pcapsrc!flowtrack per packet)"
