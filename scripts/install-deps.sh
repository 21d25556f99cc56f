#!/bin/sh
# Installs every Debian package pktpipe needs to build, test and benchmark.
# Safe to run again. Needs root (apt-get).
set -eu
pkgs="meson ninja-build pkg-config gcc clang llvm lld libclang-rt-14-dev
  libglib2.0-dev libglib2.0-bin gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  libpcap-dev libbpf-dev libxdp-dev xdp-tools libelf-dev zlib1g-dev
  python3 python3-gi gjs
  iproute2 tcpdump tshark netsniff-ng tcpreplay gstreamer1.0-tools clang-format"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to install:$missing" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root may capture: answer no, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi
