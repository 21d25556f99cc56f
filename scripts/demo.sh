#!/bin/sh
# The README's first command: install what is needed, build, run the demo
# pipeline on the capture bundled in tests/data (no privileges, no network).
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then ./scripts/install-deps.sh; else sudo ./scripts/install-deps.sh; fi
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
exec ./build/tools/pkt-launch -f pipelines/demo.pipeline "$@"
