#!/usr/bin/env bash
# Fuzzes the history readers and the checkers (cargo-fuzz, libFuzzer, nightly):
# each target in fuzz/ runs for SECONDS (default 30), one after the other, seeded
# from fuzz/seeds/<target>/. Prints executions and crashes per target; a crash
# leaves its input in fuzz/artifacts/<target>/ and makes the script fail.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
shift || true
if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing the nightly toolchain (libFuzzer's sanitizer flags need it)" >&2
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi
cd fuzz
cargo +nightly fuzz build -O >&2
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log=$(mktemp)
  # -rss_limit_mb guards the checkers' own budgets; -timeout catches a hang.
  # -detect_leaks=0: the checkers run worker threads, and LeakSanitizer reports the
  # 32 bytes glibc's __cxa_thread_atexit_impl holds for a thread-local destructor
  # of a thread still finishing, a known false positive (not in our code).
  if cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -detect_leaks=0 \
      -print_final_stats=1 \
      >"$log" 2>&1; then
    status=ok
  else
    status=CRASH
    failed=1
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  crashes=$(find "artifacts/$t" -type f | wc -l)
  printf '%-20s %-6s executions=%s artifacts=%s\n' "$t" "$status" "$execs" "$crashes"
  if [ "$status" = CRASH ]; then
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
  fi
  rm -f "$log"
done
exit $failed
