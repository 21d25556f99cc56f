#!/usr/bin/env bash
# pktpipe benchmark — memory of flow and L7 state on a long replay.
#
# The L7 capture mix (Zeek's wikipedia trace, pipelined HTTP, TLS 1.2 and
# 1.3, DNS over TCP: 2009-2018) merged as it is, without moving the files
# together in time, and looped LOOPS times by pcapsrc (each pass shifted by
# the mix's 9-year span, so the 30th pass reaches the end of 64-bit
# nanosecond time). Prints maximum RSS and CPU seconds of
#   pcapsrc ! flowtrack ! dnsparse ! fakesink
#   pcapsrc ! flowtrack ! tcpreassemble ! httpparse ! tlsparse ! dnsparse ! fakesink
# and the warnings pcapsrc posts; then 65 536 DNS flows at once (testsrc
# with 100 000 flows to port 53: dnsparse keeps state for max-flows of them)
# through flowtrack alone and flowtrack ! dnsparse.
#
# Usage: tests/bench/l7-memory.sh [build-dir]   Env: LOOPS (default 3000), PKT_TESTDATA
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

LOOPS=${LOOPS:-3000}
# shellcheck source=tests/bench/l7-lib.sh
source "$(dirname "$0")/l7-lib.sh"
mergecap -F pcap -w "$tmp/mix.pcap" "${files[@]}"
echo "capture: ${#files[@]} files merged, $(capinfos -T -r -c "$tmp/mix.pcap" | cut -f2) packets, looped $LOOPS times"

run() {
  /usr/bin/time -o "$tmp/time" -f "%M %U %S" "$launch" pcapsrc location="$tmp/mix.pcap" \
    loop="$LOOPS" ! "$@" ! fakesink > "$tmp/out" 2>&1
  read -r rss user sys < "$tmp/time"
  printf '%-64s %8d KB %8.2f cpu s\n' "$*" "$rss" "$(echo "$user + $sys" | bc -l)"
  grep -h WARNING "$tmp/out" | sed 's/^/    /' || true
}
run flowtrack ! dnsparse
run flowtrack ! tcpreassemble ! httpparse ! tlsparse ! dnsparse

echo "65536 DNS flows with state (testsrc, 200000 packets, 100000 flows to port 53):"
dns_flows() {
  /usr/bin/time -o "$tmp/time" -f "%M %U %S" "$launch" -q testsrc num-packets=200000 flows=100000 \
    port=53 ! "$@" ! fakesink > /dev/null 2>&1
  read -r rss user sys < "$tmp/time"
  printf '%-64s %8d KB %8.2f cpu s\n' "testsrc ! $*" "$rss" "$(echo "$user + $sys" | bc -l)"
}
dns_flows flowtrack
dns_flows flowtrack ! dnsparse
