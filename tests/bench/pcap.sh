#!/bin/bash
# pcap.sh — read rate of pcapsrc against tcpdump and tshark on the same file,
# in the same run.
#
#   tests/bench/pcap.sh [BUILD_DIR] [CAPTURE] [SIZE_MB]
#
# Makes BIG (>= SIZE_MB, default 1024) in /tmp by looping CAPTURE (default:
# ../shared/testdata/pcaps/zeek-ssh.pcap) with pcapsrc loop=N ! pcapsink
# (microsecond pcap, what tcpdump reads natively), warms the page cache, then
# times (wall clock, best of RUNS=3):
#   pkt-launch pcapsrc location=BIG ! fakesink             (io=auto: read() chunks for BIG)
#   pkt-launch pcapsrc location=BIG io=mmap ! fakesink   (borrowed from a file mapping)
#   pkt-launch pcapsrc location=BIG copy=true ! fakesink   (one more copy per batch)
#   pkt-launch pcapsrc location=BIG filter='tcp port 22' ! fakesink
#   tcpdump -r BIG -w /dev/null
#   tshark -r SLICE (first 1/16 of BIG: tshark dissects every packet) scaled
# and prints packets/s and the ratio to tcpdump. Removes BIG at the end.
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
capture=${2:-$root/../shared/testdata/pcaps/zeek-ssh.pcap}
size_mb=${3:-1024}
runs=${RUNS:-3}
launch="$build/tools/pkt-launch"
export PKT_PLUGIN_PATH="$build/elements"
work=$(mktemp -d /tmp/pktbench-pcap-XXXXXX)
trap 'rm -rf "$work"' EXIT
big="$work/big.pcap"
slice="$work/slice.pcap"

for t in tcpdump tshark; do
  command -v "$t" > /dev/null || { echo "$0: $t is needed" >&2; exit 1; }
done

cap_bytes=$(stat -c %s "$capture")
loops=$(( size_mb * 1024 * 1024 / cap_bytes + 1 ))
cap_pkts=$(tcpdump -r "$capture" 2> /dev/null | wc -l)
pkts=$(( loops * cap_pkts ))
echo "making $big: $capture x $loops ($pkts packets)"
"$launch" -q pcapsrc location="$capture" loop="$loops" \
  ! pcapsink location="$big" format=pcap timestamp-precision=micro > /dev/null
slice_pkts=$(( pkts / 16 ))
"$launch" -q pcapsrc location="$big" stop-packet="$slice_pkts" \
  ! pcapsink location="$slice" format=pcap timestamp-precision=micro > /dev/null
cat "$big" "$slice" > /dev/null # page cache
big_mb=$(( $(stat -c %s "$big") / 1024 / 1024 ))

# best of $runs runs of "$@": "wall cpu" seconds (cpu = user + sys, all threads).
# Both are printed: on a shared machine, wall time includes waiting for a CPU.
best() {
  local bw= bc=
  for _ in $(seq "$runs"); do
    local out w c
    out=$( { /usr/bin/time -f '@@ %e %U %S' "$@" > /dev/null 2> /dev/null; } 2>&1 | grep '^@@' || true)
    [ -n "$out" ] || out=$(/usr/bin/time -f '@@ %e %U %S' "$@" 2>&1 > /dev/null | grep '^@@')
    w=$(echo "$out" | awk '{print $2}')
    c=$(echo "$out" | awk '{print $3 + $4}')
    if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then bw=$w; fi
    if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then bc=$c; fi
  done
  echo "$bw $bc"
}

t_zc=$(best "$launch" -q pcapsrc location="$big" ! fakesink)
t_copy=$(best "$launch" -q pcapsrc location="$big" copy=true ! fakesink)
t_mmap=$(best "$launch" -q pcapsrc location="$big" io=mmap ! fakesink)
t_filt=$(best "$launch" -q pcapsrc location="$big" "filter='tcp port 22'" ! fakesink)
t_tcpdump=$(best tcpdump -r "$big" -w /dev/null)
t_tshark_slice=$(RUNS=1 best tshark -n -r "$slice")

rate() { echo "$1 / $2" | bc -l; }
r_tcpdump_w=$(rate "$pkts" "${t_tcpdump% *}")
r_tcpdump_c=$(rate "$pkts" "${t_tcpdump#* }")
printf '\npcap read rate: %s (%d MiB, %d packets; tshark on a 1/16 slice)\n' \
  "$(basename "$capture")" "$big_mb" "$pkts"
printf '%-50s %8s %12s %8s %8s %12s %8s\n' "reader" "wall s" "pkts/s" "vs tcpd" \
  "cpu s" "pkts/cpu-s" "vs tcpd"
row() {
  local w=${3% *} c=${3#* } rw rc
  rw=$(rate "$2" "$w")
  rc=$(rate "$2" "$c")
  printf '%-50s %8.3f %12.0f %7.2fx %8.3f %12.0f %7.2fx\n' "$1" "$w" "$rw" \
    "$(echo "$rw / $r_tcpdump_w" | bc -l)" "$c" "$rc" "$(echo "$rc / $r_tcpdump_c" | bc -l)"
}
row "pkt-launch pcapsrc ! fakesink (read chunks)" "$pkts" "$t_zc"
row "pkt-launch pcapsrc io=mmap ! fakesink" "$pkts" "$t_mmap"
row "pkt-launch pcapsrc copy=true ! fakesink" "$pkts" "$t_copy"
row "pkt-launch pcapsrc filter='tcp port 22' ! fakesink" "$pkts" "$t_filt"
row "tcpdump -r BIG -w /dev/null" "$pkts" "$t_tcpdump"
row "tshark -n -r SLICE (1/16 of BIG)" "$slice_pkts" "$t_tshark_slice"

# The floor: a bare C loop over BIG's record headers, mapped or read
# (tests/bench/pcap-walk.c). Why pcapsrc reads large files in chunks.
walk="$work/pcap-walk"
if cc -O2 -o "$walk" "$root/tests/bench/pcap-walk.c" 2> /dev/null; then
  printf '
bare loop over the record headers of BIG (CPU s): mmap %s, read %s\n' \
    "$("$walk" "$big" mmap | cut -d' ' -f1)" "$("$walk" "$big" read | cut -d' ' -f1)"
fi

# A small file looped: each pass re-reads it in chunks, while a mapping stays
# cached. Why io=auto maps files up to 32 MiB.
small="$work/small.pcap"
"$launch" -q pcapsrc location="$capture" stop-packet=10000 ! pcapsink location="$small" \
  format=pcap > /dev/null
small_pkts=$(tcpdump -r "$small" 2> /dev/null | wc -l)
small_loops=$(( 20000000 / small_pkts + 1 ))
t_small_read=$(best "$launch" -q pcapsrc location="$small" loop="$small_loops" io=read ! fakesink)
t_small_mmap=$(best "$launch" -q pcapsrc location="$small" loop="$small_loops" io=mmap ! fakesink)
printf 'small file (%d KiB) looped %d times, CPU s: io=read %s, io=mmap %s\n' \
  "$(( $(stat -c %s "$small") / 1024 ))" "$small_loops" "${t_small_read#* }" "${t_small_mmap#* }"
