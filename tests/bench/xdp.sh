#!/usr/bin/env bash
# pktpipe — AF_XDP benchmark: capture (xdpsrc skb/native vs afpacketsrc vs
# tcpdump vs xdpdump) and transmit (xdpsink vs afpacketsink vs trafgen vs
# xdp-trafficgen), on one veth pair between two network namespaces this
# script creates and removes. All peers run in the same run.
#
#   sudo tests/bench/xdp.sh [BUILD_DIR]           (default: build-xdp)
#   DURATION=5 SIZE=64 ROUNDS=1 tests/bench/xdp.sh
#
# Same set-up, generator and columns as tests/bench/afpacket.sh, so the two
# tables compare: trafgen (one CPU, qdisc bypass) floods 64-byte UDP frames
# from namespace A for DURATION seconds; in namespace B one capturer at a
# time counts them and writes nothing. Offered = vethA tx packets; received
# and kernel drops = what each capturer reports (xdpsrc: kernel-drops =
# XDP_STATISTICS rx_dropped + rx_ring_full); CPU = the capturer's on-CPU time
# (sum of /proc/PID/task/*/schedstat of its process group) during the flood,
# per million packets received. Note that with veth the receive-side kernel
# work (skb -> XDP, the copy into the UMEM or the TPACKET ring) runs in the
# generator's softirq, not in the capturer; the CPU column is the capturer's
# own cost (wakeups, syscalls, walking the ring).
# TX: each sender floods alone; rate = packets counted received by vethB.
# The dst MAC is nobody's: frames stop at the taps (no stack work).
set -euo pipefail
[[ -n ${BENCH_DEBUG:-} ]] && set -x

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-${BUILD:-build-xdp}}
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
DURATION=${DURATION:-5}
SIZE=${SIZE:-64}
ROUNDS=${ROUNDS:-1}
LAUNCH=$BUILD/tools/pkt-launch
export PKT_PLUGIN_PATH=$BUILD/elements
export LD_LIBRARY_PATH=$BUILD/core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

die() { echo "xdp.sh: $*" >&2; exit 1; }
[[ $(id -u) = 0 ]] || die "needs root (namespaces, XDP)"
[[ -x $LAUNCH ]] || die "$LAUNCH not built (ninja -C $BUILD)"
ls "$BUILD"/elements/xdp/*.so >/dev/null 2>&1 || die "the xdp plugin is not built in $BUILD"
for p in trafgen tcpdump ip python3; do
  command -v $p >/dev/null || die "$p is not installed"
done
HAVE_AFPACKET=$(ls "$BUILD"/elements/afpacket/*.so >/dev/null 2>&1 && echo 1 || echo 0)

NS_PREFIX=pktxbench
# shellcheck source=veth-lib.sh
source "$ROOT/tests/bench/veth-lib.sh"

declare -a ROWS=()
declare -A PER_M=()

# capture NAME KIND COMMAND… — run one capturer in namespace B under the flood
capture() {
  local name=$1 kind=$2; shift 2
  local out="$TMP/cap.out"
  rm -f "$TMP/stats.json"
  setsid ip netns exec $NSB "${CAP_PIN[@]}" "$@" >"$out" 2>&1 &
  local pid=$!
  sleep 3
  if ! kill -0 $pid 2>/dev/null; then
    ROWS+=("$(printf '%-26s failed: %s' "$name" "$(head -c 150 "$out" | tr '\n' ' ')")")
    return
  fi
  local tx0 c0 tx1 c1
  tx0=$(link_stat $NSA vethA tx_packets)
  c0=$(cpu_ns $pid)
  flood
  sleep 0.5
  tx1=$(link_stat $NSA vethA tx_packets)
  c1=$(cpu_ns $pid)
  kill -INT -- -$pid
  wait $pid 2>/dev/null || true
  local rx=0 drops=0
  case $kind in
    pkt)
      read -r rx drops < <(python3 - "$TMP/stats.json" <<'PY'
import json, sys
try:
    e = json.load(open(sys.argv[1]))["cap"]
except Exception:
    print(0, 0); sys.exit()
print(e.get("rx-packets", e.get("packets", 0)), e.get("kernel-drops", 0))
PY
)
      ;;
    tcpdump)
      rx=$(awk '/packets captured/ {print $1}' "$out")
      drops=$(awk '/dropped by kernel/ {print $1}' "$out")
      ;;
  esac
  local row
  row=$(python3 - "$name" "$tx0" "$tx1" "${rx:-0}" "${drops:-0}" "$c0" "$c1" "$DURATION" <<'PY'
import sys
name, tx0, tx1, rx, drops, c0, c1, dur = sys.argv[1], *map(float, sys.argv[2:])
offered = tx1 - tx0
cpu_s = (c1 - c0) / 1e9
per_m = cpu_s / (rx / 1e6) if rx else float("nan")
print(f"{name:<26} {offered/dur/1e6:>9.3f} {rx/dur/1e6:>9.3f} {int(drops):>12} {cpu_s:>7.2f} {per_m:>10.3f}")
PY
)
  ROWS+=("$row")
  PER_M[$name]=$(awk '{print $NF}' <<<"$row")
}

tx_run() { # NAME COMMAND… — one sender alone, counted at vethB
  local name=$1; shift
  local rx0 rx1 c0 c1 pid
  rx0=$(link_stat $NSB vethB rx_packets)
  setsid "$@" >"$TMP/tx.out" 2>&1 &
  pid=$!
  sleep 0.3
  if ! kill -0 $pid 2>/dev/null; then
    ROWS+=("$(printf '%-26s failed: %s' "$name" "$(grep -v '^$' "$TMP/tx.out" | head -c 150 | tr '\n' ' ')")")
    return
  fi
  c0=$(cpu_ns $pid)
  local t0=$(date +%s.%N)
  sleep "$DURATION"
  c1=$(cpu_ns $pid)
  rx1=$(link_stat $NSB vethB rx_packets)
  local t1=$(date +%s.%N)
  kill -INT -- -$pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if [[ $((rx1 - rx0)) -eq 0 ]]; then
    ROWS+=("$(printf '%-26s sent nothing: %s' "$name" "$(grep -v '^$' "$TMP/tx.out" | head -c 150 | tr '\n' ' ')")")
    return
  fi
  ROWS+=("$(python3 -c "
rx=$rx1-$rx0; dur=$t1-$t0+0.3; cpu=($c1-$c0)/1e9
print(f'{\"$name\":<26} {rx/dur/1e6:>12.3f} {cpu:>10.2f} {cpu/(rx/1e6) if rx else float(\"nan\"):>10.3f}')")")
}

PKT="$LAUNCH -q --stats-json $TMP/stats.json"
echo "# $(uname -r), $(nproc) CPUs, ${SIZE}-byte frames, ${DURATION}s per run, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for round in $(seq "$ROUNDS"); do
  ROWS=()
  capture "xdpsrc mode=skb" pkt $PKT xdpsrc name=cap iface=vethB mode=skb ! fakesink
  capture "xdpsrc mode=native" pkt $PKT xdpsrc name=cap iface=vethB mode=native ! fakesink
  capture "xdpsrc native batch-t=0" pkt $PKT xdpsrc name=cap iface=vethB mode=native \
    batch-timeout=0 ! fakesink
  capture "xdpsrc native batch-t=100" pkt $PKT xdpsrc name=cap iface=vethB mode=native \
    batch-timeout=100 ! fakesink
  capture "xdpsrc native small rings" pkt $PKT xdpsrc name=cap iface=vethB mode=native \
    rx-size=2048 fill-size=4096 frame-count=8192 ! fakesink
  if [[ $HAVE_AFPACKET = 1 ]]; then
    capture afpacketsrc pkt $PKT afpacketsrc name=cap iface=vethB stats-interval=0 ! fakesink
  fi
  capture tcpdump tcpdump tcpdump -i vethB -n -w /dev/null
  command -v xdpdump >/dev/null && capture xdpdump tcpdump xdpdump -i vethB -w /dev/null
  echo
  echo "RX (round $round)             offered   received  kernel-drops   cpu-s  cpu-s/Mpkt"
  echo "                               (Mpps)     (Mpps)"
  printf '%s\n' "${ROWS[@]}"
  a=${PER_M[afpacketsrc]:-} n=${PER_M["xdpsrc mode=native"]:-}
  if [[ -n $a && -n $n ]]; then
    python3 -c "print(f'cpu-s/Mpkt afpacketsrc / xdpsrc native = {$a / $n:.2f}')" 2>/dev/null || true
  fi

  ROWS=()
  tx_run trafgen ip netns exec $NSA trafgen -i "$TMP/udp.cfg" -o vethA -P 1 -C
  tx_run "xdpsink (copy)" "$LAUNCH" -q testsrc packet-size=$SIZE flows=64 is-live=false \
    ! xdpsink iface=vethA netns=$NSA
  if [[ $HAVE_AFPACKET = 1 ]]; then
    tx_run afpacketsink "$LAUNCH" -q testsrc packet-size=$SIZE flows=64 is-live=false \
      ! afpacketsink iface=vethA netns=$NSA qdisc-bypass=true
  fi
  if command -v xdp-trafficgen >/dev/null; then
    tx_run xdp-trafficgen ip netns exec $NSA xdp-trafficgen udp -m 02:00:00:00:00:99 vethA
  fi
  echo
  echo "TX (round $round)             rx at vethB (Mpps)  cpu-s  cpu-s/Mpkt"
  printf '%s\n' "${ROWS[@]}"
done
