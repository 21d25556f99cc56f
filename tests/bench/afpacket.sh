#!/usr/bin/env bash
# pktpipe — AF_PACKET benchmark: capture (afpacketsrc vs tcpdump vs netsniff-ng)
# and transmit (afpacketsink vs trafgen), on one veth pair between two network
# namespaces this script creates and removes. All peers run in the same run.
#
#   sudo tests/bench/afpacket.sh [BUILD_DIR]      (default: build-afpacket)
#   DURATION=5 SIZE=64 ROUNDS=1 tests/bench/afpacket.sh
#
# RX: trafgen (one CPU, qdisc bypass) floods 64-byte UDP frames from namespace
# A for DURATION seconds; in namespace B one capturer at a time writes nothing:
#   afpacketsrc ! fakesink        (pkt-launch, default 256 MiB TPACKET_V3 ring)
#   tcpdump -w /dev/null          (libpcap TPACKET_V3, default 2 MiB buffer)
#   netsniff-ng --out /dev/null --silent   (TPACKET_V3/V2 ring, its defaults)
# Offered = vethA tx packets; received and kernel drops = what each capturer
# reports; missing = offered - received (catches loss a tool does not report); CPU = the capturer's on-CPU time (sum of /proc/PID/task/*/schedstat)
# during the flood, per million packets it received.
# TX: the sender floods alone; rate = packets counted received by vethB.
# The dst MAC is nobody's: frames stop at the packet taps (no stack work).
set -euo pipefail
[[ -n ${BENCH_DEBUG:-} ]] && set -x

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-build-afpacket}}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
DURATION=${DURATION:-5}
SIZE=${SIZE:-64}
ROUNDS=${ROUNDS:-1}
LAUNCH=$BUILD/tools/pkt-launch
export PKT_PLUGIN_PATH=$BUILD/elements
export LD_LIBRARY_PATH=$BUILD/core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

die() { echo "afpacket.sh: $*" >&2; exit 1; }
[[ $(id -u) = 0 ]] || die "needs root (namespaces, raw sockets)"
[[ -x $LAUNCH ]] || die "$LAUNCH not built (ninja -C $BUILD)"
for p in trafgen tcpdump netsniff-ng ip python3; do
  command -v $p >/dev/null || die "$p is not installed"
done

NS_PREFIX=pktbench
# shellcheck source=veth-lib.sh
source "$ROOT/tests/bench/veth-lib.sh"

declare -a ROWS=()

# capture NAME COMMAND… — run one capturer in namespace B under the flood
capture() {
  local name=$1; shift
  local out="$TMP/$name.out"
  setsid ip netns exec $NSB "${CAP_PIN[@]}" "$@" >"$out" 2>&1 &
  local pid=$!
  sleep 3
  local tx0 c0 tx1 c1
  tx0=$(link_stat $NSA vethA tx_packets)
  c0=$(cpu_ns $pid)
  flood
  sleep 0.5
  tx1=$(link_stat $NSA vethA tx_packets)
  c1=$(cpu_ns $pid)
  kill -INT -- -$pid
  wait $pid 2>/dev/null || true
  local rx drops
  case $name in
    afpacketsrc*)
      read -r rx drops < <(python3 - "$TMP/stats.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, dict):
        if "kernel-drops" in o and "packets" in o:
            return o
        for v in o.values():
            r = find(v)
            if r: return r
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r: return r
e = find(d)
print(e["packets"], e["kernel-drops"])
PY
)
      ;;
    tcpdump)
      rx=$(awk '/packets captured/ {print $1}' "$out")
      drops=$(awk '/dropped by kernel/ {print $1}' "$out")
      ;;
    netsniff-ng)
      rx=$(tr -d '\r' < "$out" | awk '/packets passed filter/ {print $1}')
      drops=$(tr -d '\r' < "$out" | awk '/failed filter/ {print $1}')
      ;;
  esac
  ROWS+=("$(python3 - "$name" "$tx0" "$tx1" "${rx:-0}" "${drops:-0}" "$c0" "$c1" "$DURATION" <<'PY'
import sys
name, tx0, tx1, rx, drops, c0, c1, dur = sys.argv[1], *map(float, sys.argv[2:])
offered = tx1 - tx0
cpu_s = (c1 - c0) / 1e9
per_m = cpu_s / (rx / 1e6) if rx else float("nan")
missing = max(0, offered - rx)
print(f"{name:<22} {offered/dur/1e6:>9.3f} {rx/dur/1e6:>9.3f} {int(drops):>12} {int(missing):>9} {cpu_s:>7.2f} {per_m:>10.3f}")
PY
)")
}

tx_run() { # NAME COMMAND… — one sender alone, counted at vethB
  local name=$1; shift
  local rx0 rx1 c0 c1 pid
  rx0=$(link_stat $NSB vethB rx_packets)
  setsid "$@" >"$TMP/$name.tx" 2>&1 &
  pid=$!
  sleep 0.3
  c0=$(cpu_ns $pid)
  local t0=$(date +%s.%N)
  sleep "$DURATION"
  c1=$(cpu_ns $pid)
  rx1=$(link_stat $NSB vethB rx_packets)
  local t1=$(date +%s.%N)
  kill -INT -- -$pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  ROWS+=("$(python3 -c "
import sys
rx=$rx1-$rx0; dur=$t1-$t0+0.3; cpu=($c1-$c0)/1e9
print(f'{\"$name\":<22} {rx/dur/1e6:>12.3f} {cpu:>10.2f} {cpu/(rx/1e6) if rx else float(\"nan\"):>10.3f}')")")
}

echo "# $(uname -r), $(nproc) CPUs, ${SIZE}-byte frames, ${DURATION}s per run, $(date -u +%FT%TZ)"
for round in $(seq "$ROUNDS"); do
  ROWS=()
  capture afpacketsrc "$LAUNCH" -q --stats-json "$TMP/stats.json" \
    afpacketsrc name=cap iface=vethB stats-interval=0 ! fakesink
  capture tcpdump tcpdump -i vethB -n -w /dev/null
  # --out /dev/null: netsniff-ng's usual capture loop, the write discarded.
  # (Without --out it runs a different, printing loop: with --silent it then
  # counts only part of what it receives and spins, so that is not measured.)
  # Its first run after another capturer spins and loses up to half the
  # packets without counting them (a run right after is fine: seen with a
  # separate script and in this one), so one short unmeasured run comes first.
  ip netns exec $NSB timeout -s INT 1 netsniff-ng --in vethB --out /dev/null --silent \
    >/dev/null 2>&1 || true
  capture netsniff-ng netsniff-ng --in vethB --out /dev/null --silent
  echo
  echo "RX (round $round)        offered   received  kernel-drops   missing   cpu-s  cpu-s/Mpkt"
  echo "                          (Mpps)     (Mpps)  (reported)  (offered-rx)"
  printf '%s\n' "${ROWS[@]}"

  ROWS=()
  tx_run trafgen ip netns exec $NSA trafgen -i "$TMP/udp.cfg" -o vethA -P 1 -C
  tx_run afpacketsink "$LAUNCH" -q testsrc packet-size=$SIZE flows=64 is-live=false \
    ! afpacketsink iface=vethA netns=$NSA qdisc-bypass=true
  echo
  echo "TX (round $round)        rx at vethB (Mpps)  cpu-s  cpu-s/Mpkt"
  printf '%s\n' "${ROWS[@]}"
done
