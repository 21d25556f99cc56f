#!/usr/bin/env bash
# pktpipe benchmark — core pipeline overhead against gst-launch-1.0, same run.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   tests/bench/core.sh [BUILD_DIR]        (default: build)
#   env: PKT_N (packets for pktpipe, default 200000000), GST_N (buffers for
#        gst-launch, default 2000000), BATCH (testsrc batch-size, default 256),
#        PIN=1 (pin every run to one CPU with taskset), REPEAT (best of, default 3)
#
# For every chain it runs pkt-launch (testsrc 64-byte frames, 256-packet
# batches) and gst-launch-1.0 (fakesrc sizetype=fixed sizemax=64, one
# buffer = one packet), checks the packet count from --stats-json, and prints
# packets/s and ns/packet by wall clock and by CPU time (user+sys of all
# threads: on a shared machine the wall clock includes time stolen by other
# processes), and the pktpipe/gst ratio. Not a test: no assertions.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
[[ $build = /* ]] || build=$here/$build
launch=$build/tools/pkt-launch
PKT_N=${PKT_N:-200000000}
GST_N=${GST_N:-2000000}
BATCH=${BATCH:-256}
REPEAT=${REPEAT:-3}
pin=()
[[ ${PIN:-0} = 1 ]] && pin=(taskset -c 0)

[[ -x $launch ]] || { echo "no $launch: build first (meson setup build && ninja -C build)" >&2; exit 1; }
have_gst=1
command -v gst-launch-1.0 >/dev/null || { have_gst=0; echo "gst-launch-1.0 not found: peer column skipped" >&2; }
export PKT_PLUGIN_PATH=$build/elements LD_LIBRARY_PATH=$build/core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_timed OUT CMD… : prints "wall cpu" (seconds) of the best of $REPEAT runs
run_timed() {
  local best_wall="" best_cpu=""
  for _ in $(seq "$REPEAT"); do
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" "${pin[@]}" "$@" >/dev/null
    read -r wall user sys <"$tmp/time"
    cpu=$(echo "$user + $sys" | bc -l)
    if [[ -z $best_wall ]] || (( $(echo "$wall < $best_wall" | bc -l) )); then
      best_wall=$wall best_cpu=$cpu
    fi
  done
  echo "$best_wall $best_cpu"
}

rate() { # packets seconds -> Mpps
  awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.1f", n / s / 1e6 }'
}
nspp() {
  awk -v n="$1" -v s="$2" 'BEGIN { if (s <= 0) s = 0.001; printf "%.2f", s * 1e9 / n }'
}

printf "%-42s %-9s %12s %9s %9s %11s %11s %10s\n" chain tool packets wall_s cpu_s Mpps_wall Mpps_cpu ns/pkt_cpu
declare -A pkt_cpu_rate
bench() { # name pkt_chain gst_chain
  local name=$1 pchain=${2:+$2 !} gchain=${3:+$3 !}
  # shellcheck disable=SC2086 # the chains are word lists on purpose
  read -r wall cpu < <(run_timed "$launch" -q --stats-json="$tmp/s.json" \
    testsrc num-packets="$PKT_N" batch-size="$BATCH" ! $pchain fakesink name=sink)
  got=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sink']['packets'])" "$tmp/s.json")
  [[ $got = "$PKT_N" ]] || echo "WARNING: fakesink counted $got of $PKT_N" >&2
  p_rate=$(rate "$PKT_N" "$cpu")
  printf "%-42s %-9s %12d %9s %9s %11s %11s %10s\n" "$name" pktpipe "$PKT_N" "$wall" "$cpu" \
    "$(rate "$PKT_N" "$wall")" "$p_rate" "$(nspp "$PKT_N" "$cpu")"
  if (( have_gst )); then
    # shellcheck disable=SC2086
    read -r gwall gcpu < <(run_timed gst-launch-1.0 -q fakesrc sizetype=fixed sizemax=64 \
      num-buffers="$GST_N" ! $gchain fakesink sync=false)
    g_rate=$(rate "$GST_N" "$gcpu")
    printf "%-42s %-9s %12d %9s %9s %11s %11s %10s\n" "" gst "$GST_N" "$gwall" "$gcpu" \
      "$(rate "$GST_N" "$gwall")" "$g_rate" "$(nspp "$GST_N" "$gcpu")"
    ratio_cpu=$(awk -v a="$p_rate" -v b="$g_rate" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')
    ratio_wall=$(awk -v pn="$PKT_N" -v pw="$wall" -v gn="$GST_N" -v gw="$gwall" \
      'BEGIN { printf "%.0f", (pn / pw) / (gn / gw) }')
    printf "%-42s %-9s ratio pktpipe/gst: %sx (cpu), %sx (wall)\n" "" "" "$ratio_cpu" "$ratio_wall"
  fi
}

bench "testsrc ! fakesink" "" ""
bench "testsrc ! identity x4 ! fakesink" "identity ! identity ! identity ! identity" \
  "identity ! identity ! identity ! identity"
bench "testsrc ! queue ! fakesink" "queue" "queue"
bench "testsrc ! identity x4 ! queue ! fakesink" \
  "identity ! identity ! identity ! identity ! queue" \
  "identity ! identity ! identity ! identity ! queue"
echo
echo "(${REPEAT} runs each, best wall time shown; testsrc batch-size=${BATCH}; $(nproc) CPUs;" \
  "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))"
