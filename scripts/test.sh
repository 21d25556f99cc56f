#!/bin/bash
# The README's second command: install what is needed, build, and run the
# whole suite twice (normal build, then AddressSanitizer + UBSan), then each
# libFuzzer target briefly. The last line is "N passed, N failed" (skips on the line before).
set -u
cd "$(dirname "$0")/.."
root=$(pwd)
if [ "$(id -u)" = 0 ]; then ./scripts/install-deps.sh; else sudo ./scripts/install-deps.sh; fi || exit 1

jobs=${PKT_TEST_JOBS:-2}
fuzz_seconds=${PKT_FUZZ_SECONDS:-20}
passed=0 failed=0 skipped=0

count() { # $1 = build dir: add the results of its last meson test run
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || { failed=$((failed + 1)); return; }
  read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

build() { # $1 = dir, rest = meson options
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" -j "$jobs" >"$dir.ninja.log" 2>&1 || { tail -50 "$dir.ninja.log"; return 1; }
}

echo "== build (debugoptimized)"
if build build; then
  echo "== test suite"
  meson test -C build --num-processes "$jobs" --print-errorlogs --no-suite bench
  count build
else
  failed=$((failed + 1))
fi

echo "== build (address,undefined sanitizers)"
if build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dintrospection=disabled; then
  echo "== test suite under ASan+UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    meson test -C build-asan --num-processes "$jobs" --print-errorlogs --no-suite bench --no-suite python
  count build-asan
else
  failed=$((failed + 1))
fi

echo "== fuzz targets (clang, libFuzzer, ${fuzz_seconds}s each)"
if CC=clang build build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false \
     -Dintrospection=disabled -Dbuildtype=debug; then
  for f in build-fuzz/tests/*/fuzz-*; do
    [ -f "$f" ] && [ -x "$f" ] || continue   # not meson's *.p folders
    case "$f" in *-replay) continue ;; esac
    name=$(basename "$f"); name=${name#fuzz-}
    corpus=$(mktemp -d)
    [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
    if "$f" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -print_final_stats=0 "$corpus" \
         >"build-fuzz/fuzz-$name.log" 2>&1; then
      echo "fuzz-$name: ok"; passed=$((passed + 1))
    else
      echo "fuzz-$name: FAILED"; tail -40 "build-fuzz/fuzz-$name.log"; failed=$((failed + 1))
    fi
    rm -rf "$corpus"
  done
else
  failed=$((failed + 1))
fi

echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
