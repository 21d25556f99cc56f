# pktpipe benchmarks — the veth set-up shared by afpacket.sh and xdp.sh
# (sourced, not run). Before sourcing, set NS_PREFIX (namespace names are
# ${NS_PREFIX}A$$ and ${NS_PREFIX}B$$) and SIZE (frame bytes). It defines
# NSA, NSB, TMP (removed on exit), the veth pair vethA (in NSA) - vethB (in
# NSB), $TMP/udp.cfg (a trafgen UDP frame to a MAC nobody owns, so frames
# stop at the packet taps), and link_stat, cpu_ns and flood. With two or more
# CPUs the generator runs on CPU 0 and capturers (through CAP_PIN) on CPU 1:
# otherwise a capturer sometimes shares the generator's CPU, and the
# receive work it then absorbs makes its numbers bimodal (seen with
# netsniff-ng: 0.12 or 0.7 cpu-s/Mpkt from run to run).
# SPDX-License-Identifier: LGPL-2.1-or-later

NSA=${NS_PREFIX}A$$ NSB=${NS_PREFIX}B$$
TMP=$(mktemp -d)
cleanup() {
  ip netns del $NSA 2>/dev/null || true
  ip netns del $NSB 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# namespaces left by an earlier run that was killed
for old in $(ip netns list | awk -v p="^${NS_PREFIX}[AB][0-9]+" '$1 ~ p {print $1}'); do
  pid=${old#${NS_PREFIX}?}
  [[ -d /proc/$pid ]] || ip netns del "$old" 2>/dev/null || true
done

ip netns add $NSA
ip netns add $NSB
for ns in $NSA $NSB; do
  ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add vethA netns $NSA address 02:70:6b:be:00:0a type veth peer name vethB netns $NSB \
  address 02:70:6b:be:00:0b
ip -n $NSA link set vethA up
ip -n $NSB link set vethB up
for i in $(seq 100); do
  ip -n $NSB -o link show vethB | grep -q 'state UP' && ip -n $NSA -o link show vethA |
    grep -q 'state UP' && break
  sleep 0.02
done

PAYLOAD=$((SIZE - 42))
cat > "$TMP/udp.cfg" <<CFG
{
  0x02, 0x00, 0x00, 0x00, 0x00, 0x99,
  0x02, 0x70, 0x6b, 0xbe, 0x00, 0x0a,
  c16(0x0800),
  0x45, 0x00, c16($((SIZE - 14))), drnd(2), 0x40, 0x00, 64, 17, csumip(14, 33),
  10, 199, 250, 1, 10, 199, 250, 2,
  drnd(2), c16(9), c16($((SIZE - 34))), 0x00, 0x00,
  fill(0x41, $PAYLOAD)
}
CFG

link_stat() { # ns dev field(rx_packets|tx_packets|rx_dropped)
  ip netns exec "$1" cat /sys/class/net/"$2"/statistics/"$3"
}
cpu_ns() { # on-CPU ns of every thread of every process in process group $1
  local t=0 v p f
  for p in $(ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'); do
    for f in /proc/"$p"/task/*/schedstat; do
      read -r v _ < "$f" 2>/dev/null || continue
      t=$((t + v))
    done
  done
  echo $t
}
GEN_PIN=() CAP_PIN=()
if [[ $(nproc) -ge 2 ]]; then
  GEN_PIN=(taskset -c 0) CAP_PIN=(taskset -c 1)
fi
flood() { # generator for DURATION seconds in namespace A
  timeout -s INT "$DURATION" ip netns exec $NSA "${GEN_PIN[@]}" trafgen -i "$TMP/udp.cfg" \
    -o vethA -P 1 -C >/dev/null 2>&1 || true
}
