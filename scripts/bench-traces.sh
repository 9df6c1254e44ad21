#!/usr/bin/env bash
# Trace-analysis benchmark (issue 11): `rjepsen traces analyze` on the shared
# MicroRacer cases, then on a 32-trace case replicated x10, x100 and x1000 with every
# UUID and every trace/segment id renamed per copy (independent users, so the pairs
# grow linearly). Prints wall time, CPU time (user + system) and peak RSS (GNU
# time -v) per run. Not run by CI.
#   scripts/bench-traces.sh            everything (x1000 writes ~640 MB under $TMPDIR)
#   scripts/bench-traces.sh 10 100     only these replication factors
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/microracer
alias=ts-order-other-mysql-slave:3306=ts-order-other-mysql:3306
factors=("$@")
[ ${#factors[@]} -eq 0 ] && factors=(10 100 1000)
cargo build --release -q --bin rjepsen
bin=target/release/rjepsen
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-traces.XXXXXX")
trap 'rm -rf "$work"' EXIT

measure() { # label, then the command
  local label=$1; shift
  /usr/bin/time -v "$@" >"$work/out" 2>"$work/time"
  local wall cpu rss
  wall=$(grep 'Elapsed (wall clock)' "$work/time" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2fs", s}' "$work/time")
  rss=$(grep 'Maximum resident set size' "$work/time" | awk '{print $NF}')
  printf '%-24s wall %-8s cpu %-7s peak RSS %5d MiB  %s\n' "$label" "$wall" "$cpu" $((rss / 1024)) "$(cat "$work/out")"
}

for c in case1 case2 case3; do
  measure "$c" "$bin" traces analyze "$data/$c" --compat microracer --same-db "$alias" --out "$work/o-$c"
done

# The 32-trace base: all 22 traces of case 2 and the first 10 (by name) of case 3.
mkdir -p "$work/base"
cp "$data"/case2/traces/*.json "$work/base/"
ls "$data"/case3/traces/*.json | sort | head -10 | xargs -I{} cp {} "$work/base/"
echo "base: $(ls "$work/base" | wc -l) traces"

# Copy k of every file: UUIDs get k in their fourth group, trace and segment ids
# (32 hex digits, a dot) get an `r<k>` suffix, so copies share no id value.
replicate() { # factor, out dir
  mkdir -p "$2"
  perl -e '
    my ($n, $out, @files) = @ARGV;
    my %text;
    for my $f (@files) { local $/; open my $h, "<", $f or die "$f: $!"; $text{$f} = <$h>; }
    for my $k (0 .. $n - 1) {
      my $g = sprintf("%04x", $k);
      for my $f (@files) {
        my $t = $text{$f};
        $t =~ s/\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-)[0-9a-f]{4}(-[0-9a-f]{12})\b/$1$g$2/g;
        $t =~ s/\b([0-9a-f]{32})\./$1r$k./g;
        (my $name = $f) =~ s{.*/}{};
        open my $o, ">", "$out/$k-$name" or die "$out: $!"; print $o $t; close $o;
      }
    }' "$1" "$2" "$work"/base/*.json
}

for n in "${factors[@]}"; do
  rm -rf "$work/rep"
  replicate "$n" "$work/rep"
  measure "x$n ($(ls "$work/rep" | wc -l) traces)" "$bin" traces analyze "$work/rep" --compat microracer --same-db "$alias" --out "$work/o-rep"
done
