#!/usr/bin/env bash
# pktpipe benchmark — L7 observers against tshark, same run.
#
# A real capture mix (merged in time order: parsers expire idle flows by
# packet time, so time must not run backwards) with HTTP, TLS and DNS (Zeek's wikipedia trace with its
# HTTP and DNS, pipelined HTTP, TLS 1.2 with extensions, TLS 1.3, DNS over
# TCP, and the project's own demo recording), looped LOOPS times into one
# file, goes through
#   pcapsrc ! flowtrack ! tcpreassemble ! httpparse ! tlsparse ! dnsparse ! fakesink
# with and without writing http/ssl/dns logs, and through
#   tshark -r -T fields (the same fields: HTTP method/host/URI/UA/status,
#   TLS SNI/JA3/JA3S, DNS query/answers)
# and tshark -2 (two-pass, its reassembly as thorough as ours).
# Rates are by CPU time (user+sys), so a shared machine does not skew them;
# "ratio" is how many times more CPU per packet the tool needs than pktpipe.
#
# Usage: tests/bench/l7.sh [build-dir]   (default: build)
# Env:   LOOPS (default 300), PKT_TESTDATA
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

LOOPS=${LOOPS:-300}
# shellcheck source=tests/bench/l7-lib.sh
source "$(dirname "$0")/l7-lib.sh"
files+=("$here/tests/data/demo.pcapng")
# The captures span 2009..2026: moved to start 100 s apart, so that the
# looped file's time stays monotonic and small (pcap's 32-bit seconds would
# wrap after a few hundred loops of a 17-year span).
shifted=()
i=0
for f in "${files[@]}"; do
  start=$(capinfos -T -r -a -S "$f" | cut -f2 | cut -d. -f1)
  editcap -F pcap -t $((1700000000 + i * 100 - start)) "$f" "$tmp/part$i.pcap"
  shifted+=("$tmp/part$i.pcap")
  i=$((i + 1))
done
mergecap -F pcap -w "$tmp/mix.pcap" "${shifted[@]}"
loop=$tmp/loop.pcap
"$launch" -q pcapsrc location="$tmp/mix.pcap" loop="$LOOPS" ! pcapsink location="$loop" > /dev/null
read -r pkts bytes < <(capinfos -T -r -c -d "$loop" | awk -F'\t' '{ print $2, $3 }')
echo "== L7 observers on a looped real capture, one streaming thread"
echo "   machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   capture: ${#files[@]} files x $LOOPS = $pkts packets, $bytes bytes ($(du -h "$loop" | cut -f1))"

measure() { # CMD... -> "wall cpu"
  /usr/bin/time -o "$tmp/time" -f "%e %U %S" "$@" > "$tmp/out" 2> "$tmp/err" || {
    echo "failed: $*" >&2; tail -5 "$tmp/err" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/time"
}

chain="flowtrack ! tcpreassemble ! httpparse name=h ! tlsparse name=t ! dnsparse name=d ! fakesink"
logs="h.records ! logsink location=$tmp/http.log t.records ! logsink location=$tmp/ssl.log"
logs="$logs d.records ! logsink location=$tmp/dns.log"
fields=(-e http.request.method -e http.host -e http.request.uri -e http.user_agent
        -e http.response.code -e tls.handshake.extensions_server_name -e tls.handshake.ja3
        -e tls.handshake.ja3s -e dns.qry.name -e dns.a -e dns.aaaa)

printf "%-44s %8s %8s %10s %10s %8s\n" tool "wall s" "cpu s" "Mpps(cpu)" "Gbit/s" ratio
base=""
row() { # name wall cpu
  local mpps gbps ratio
  mpps=$(awk -v n="$pkts" -v s="$3" 'BEGIN { if (s <= 0) s = 0.001; printf "%.2f", n / s / 1e6 }')
  gbps=$(awk -v b="$bytes" -v s="$3" 'BEGIN { if (s <= 0) s = 0.001; printf "%.2f", b * 8 / s / 1e9 }')
  [[ -n $base ]] || base=$3
  ratio=$(awk -v b="$base" -v s="$3" 'BEGIN { if (b <= 0) b = 0.001; printf "%.1fx", s / b }')
  printf "%-44s %8s %8s %10s %10s %8s\n" "$1" "$2" "$3" "$mpps" "$gbps" "$ratio"
}
read -r w c < <(measure "$launch" -q pcapsrc location="$loop" ! $chain)
row "pktpipe flowtrack!tcpreassemble!http!tls!dns" "$w" "$c"
read -r w c < <(measure "$launch" -q pcapsrc location="$loop" ! $chain $logs)
row "pktpipe ... + http/ssl/dns logs" "$w" "$c"
echo "   records written: http $(grep -vc '^#' "$tmp/http.log" || true)," \
     "ssl $(grep -vc '^#' "$tmp/ssl.log" || true), dns $(grep -vc '^#' "$tmp/dns.log" || true)"
read -r w c < <(measure "$launch" -q pcapsrc location="$loop" ! fakesink)
row "(pcapsrc ! fakesink alone)" "$w" "$c"
if command -v tshark > /dev/null; then
  read -r w c < <(measure tshark -n -r "$loop" -T fields "${fields[@]}")
  row "tshark -r -T fields (same fields)" "$w" "$c"
  read -r w c < <(measure tshark -n -2 -r "$loop" -T fields "${fields[@]}")
  row "tshark -2 -r -T fields (two-pass)" "$w" "$c"
else
  echo "tshark: not installed"
fi
