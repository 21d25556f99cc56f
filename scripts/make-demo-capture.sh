#!/bin/bash
# make-demo-capture.sh — records tests/data/demo.pcapng, the capture the demo
# (pipelines/demo.pipeline) reads. Real traffic between two network
# namespaces that this script creates and removes:
#
#   client 10.77.0.1 / fd77::1  <— veth —>  server 10.77.0.2 / fd77::2
#
# The server runs an HTTP server (python3 -m http.server), a small DNS
# resolver (a python3 socket script answering A/AAAA queries for *.demo.test)
# and a UDP echo service; the client fetches a few pages with curl, asks a
# few DNS questions, sends UDP datagrams on three ports and pings. Nothing
# leaves the namespaces.
#
# Recording: with pktpipe's own `afpacketsrc netns=… ! pcapsink` when the
# afpacket plugin is built, otherwise with tcpdump; either way the result is
# written by pcapsink as pcapng (nanosecond timestamps).
#
# Usage (root): scripts/make-demo-capture.sh [BUILD_DIR] [OUTPUT]
#   BUILD_DIR  meson build dir with tools/pkt-launch (default: build)
#   OUTPUT     default: tests/data/demo.pcapng
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$root/tests/data/demo.pcapng}
launch="$build/tools/pkt-launch"
export PKT_PLUGIN_PATH="$build/elements"
[ "$(id -u)" = 0 ] || { echo "$0: needs root (namespaces, veth)" >&2; exit 1; }
[ -x "$launch" ] || { echo "$0: $launch not built" >&2; exit 1; }

# unique names (veth names: at most 15 characters)
tag=$$
ns_c="pktdemo-c-$tag"
ns_s="pktdemo-s-$tag"
veth_c="pdc$tag"
veth_s="pds$tag"
work=$(mktemp -d /tmp/pktdemo-XXXXXX)
pids=()
rec_pid=

cleanup() {
  for p in "${pids[@]}" $rec_pid; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns_c" 2>/dev/null || true
  ip netns del "$ns_s" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$ns_c"
ip netns add "$ns_s"
ip link add "$veth_c" netns "$ns_c" type veth peer name "$veth_s" netns "$ns_s"
ip -n "$ns_c" addr add 10.77.0.1/24 dev "$veth_c"
ip -n "$ns_s" addr add 10.77.0.2/24 dev "$veth_s"
ip -n "$ns_c" addr add fd77::1/64 dev "$veth_c" nodad
ip -n "$ns_s" addr add fd77::2/64 dev "$veth_s" nodad
for ns in "$ns_c" "$ns_s"; do
  ip -n "$ns" link set lo up
done
ip -n "$ns_c" link set "$veth_c" up
ip -n "$ns_s" link set "$veth_s" up

# --- server side ---
mkdir -p "$work/www"
cat > "$work/www/index.html" <<'EOF'
<!doctype html><title>pktpipe demo</title><p>Hello from the pktpipe demo server.</p>
EOF
head -c 20000 /dev/urandom | base64 > "$work/www/data.txt"
echo '{"demo": true, "items": [1, 2, 3]}' > "$work/www/api.json"

cat > "$work/dns.py" <<'EOF'
# Tiny authoritative resolver for *.demo.test: A → 10.77.0.x, AAAA → fd77::x,
# NXDOMAIN for other names. One UDP socket, no dependencies.
import socket, struct, sys
addrs = {"www.demo.test": 2, "api.demo.test": 2, "client.demo.test": 1, "files.demo.test": 2}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.2", 53))
while True:
    q, peer = s.recvfrom(512)
    tid, flags, qd = struct.unpack("!HHH", q[:6])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode()); i += 1 + q[i]
    qtype, qclass = struct.unpack("!HH", q[i + 1:i + 5])
    question = q[12:i + 5]
    name = ".".join(labels).lower()
    ans = b""
    if name in addrs and qtype in (1, 28):
        host = addrs[name]
        rdata = bytes([10, 77, 0, host]) if qtype == 1 else socket.inet_pton(socket.AF_INET6, "fd77::%d" % host)
        ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata
    rcode = 0 if name in addrs else 3
    hdr = struct.pack("!HHHHHH", tid, 0x8400 | rcode, 1, 1 if ans else 0, 0, 0)
    s.sendto(hdr + question + ans, peer)
EOF

cat > "$work/udpecho.py" <<'EOF'
# UDP echo on a few ports (the "few UDP flows" of the demo)
import selectors, socket
sel = selectors.DefaultSelector()
for port in (5001, 5002, 5003):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.77.0.2", port)); sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        data, peer = key.fileobj.recvfrom(2048)
        key.fileobj.sendto(data, peer)
EOF

ip netns exec "$ns_s" python3 -m http.server 8080 --bind :: --directory "$work/www" \
  > "$work/http.log" 2>&1 &
pids+=($!)
ip netns exec "$ns_s" python3 "$work/dns.py" &
pids+=($!)
ip netns exec "$ns_s" python3 "$work/udpecho.py" &
pids+=($!)

# --- recording ---
raw="$work/raw.pcapng"
if [ -e "$build/elements/afpacket" ] && ls "$build"/elements/afpacket/libpktafpacket*.so > /dev/null 2>&1; then
  recorder="pktpipe afpacketsrc"
  "$launch" afpacketsrc iface="$veth_s" netns="$ns_s" ! pcapsink location="$raw" \
    > "$work/rec.log" 2>&1 &
else
  recorder="tcpdump"
  ip netns exec "$ns_s" tcpdump -i "$veth_s" -U -w "$work/raw.pcap" > "$work/rec.log" 2>&1 &
fi
rec_pid=$!
# wait until the servers listen and the recorder runs
for _ in $(seq 50); do
  ip netns exec "$ns_s" ss -ltn | grep -q ':8080' && break
  sleep 0.1
done
sleep 1

# --- client side ---
cx() { ip netns exec "$ns_c" "$@"; }
cx python3 - <<'EOF'
import socket, struct, random, time
def query(name, qtype):
    tid = random.randrange(65536)
    q = struct.pack("!HHHHHH", tid, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q += struct.pack("!HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    s.sendto(q, ("10.77.0.2", 53)); s.recvfrom(512); s.close()
for name, t in [("www.demo.test", 1), ("www.demo.test", 28), ("api.demo.test", 1),
                ("files.demo.test", 1), ("nothere.demo.test", 1)]:
    query(name, t); time.sleep(0.05)
EOF
cx curl -s -o /dev/null http://10.77.0.2:8080/
cx curl -s -o /dev/null http://10.77.0.2:8080/data.txt
cx curl -s -o /dev/null -H 'Accept: application/json' http://10.77.0.2:8080/api.json
cx curl -s -o /dev/null 'http://[fd77::2]:8080/'
cx curl -s -o /dev/null http://10.77.0.2:8080/missing.html
cx python3 - <<'EOF'
import socket, time
for port, n in ((5001, 5), (5002, 3), (5003, 8)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
    for i in range(n):
        s.sendto(("demo datagram %d to port %d" % (i, port)).encode() * (1 + i % 3), ("10.77.0.2", port))
        s.recvfrom(2048); time.sleep(0.02)
EOF
if command -v ping > /dev/null; then
  cx ping -c 3 -i 0.2 -q 10.77.0.2 > /dev/null
  cx ping -6 -c 2 -i 0.2 -q fd77::2 > /dev/null
fi
sleep 1

# --- stop (SIGTERM, like Ctrl-C: pkt-launch sends EOS, pcapsink completes the file) ---
kill -TERM "$rec_pid"
wait "$rec_pid" || true
rec_pid=
if [ "$recorder" = tcpdump ]; then
  "$launch" pcapsrc location="$work/raw.pcap" ! pcapsink location="$raw" > /dev/null
fi
mkdir -p "$(dirname "$out")"
cp "$raw" "$out"
size=$(stat -c %s "$out")
echo "$out: $size bytes, recorded with $recorder"
[ "$size" -lt 200000 ] || { echo "$0: capture too large ($size bytes)" >&2; exit 1; }
