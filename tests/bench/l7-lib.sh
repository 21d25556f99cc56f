# Sourced by tests/bench/l7.sh and l7-memory.sh: the build, the launcher,
# a scratch folder and the L7 capture mix (the reference captures with
# HTTP, TLS and DNS that are present; callers add what they need).
# Sets: here build launch tmp testdata files
# SPDX-License-Identifier: LGPL-2.1-or-later

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$here/build}
[[ $build = /* ]] || build=$here/$build
launch=$build/tools/pkt-launch
export PKT_PLUGIN_PATH=$build/elements
export LD_LIBRARY_PATH=$build/core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
testdata=${PKT_TESTDATA:-$here/../shared/testdata}
tmp=$(mktemp -d /tmp/pktl7-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[[ -x $launch ]] || { echo "build first: $launch not found" >&2; exit 1; }
command -v mergecap > /dev/null || { echo "mergecap (wireshark-common) not installed" >&2; exit 1; }

files=()
for f in zeek-wikipedia.pcap zeek-http-pipelined-requests.pcap zeek-tls-conn-with-extensions.pcap \
         sv-tls13-draft28.pcap sv-dns-tcp-www-google-com.pcap; do
  [[ -f $testdata/pcaps/$f ]] && files+=("$testdata/pcaps/$f")
done
