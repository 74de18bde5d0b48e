#!/usr/bin/env bash
# Every benchmark of issue 14 in one run, and docs/benchmarks.md written from it.
#
# Runs the bench scripts of ops/bench one after the other, keeps each one's full output in target/bench/<name>.log,
# collects their RESULT lines and regenerates the block between the two markers of docs/benchmarks.md (created when
# absent; the rest of the file is kept as it is): a table of each figure beside its reference from the same run, the
# ratio, the goal and whether it is met, then the date and the machine.
#
# The convention every bench script follows: one line per figure, on standard output,
#   RESULT <name> <value> <unit> reference=<value> ratio=<value> goal=<text>
# <name> a dotted lower-case identifier unique across the scripts; <value> a plain number ("." decimal, no
# thousands separator); reference=- and ratio=- when the figure has no reference; ratio = value / reference. goal=-
# when the figure is informational; otherwise its first word is checked here when it has the form
# value<op><number> or ratio<op><number> (op one of <= >= < >), e.g. goal=ratio>=0.5 or goal=value<=10, and any
# other text is shown as it is. A script missing, failing, or printing no RESULT line gives "not measured" rows
# for the figures listed for it below.
#
# Usage: ops/bench/all.sh [--quick] [--report-only] [bench ...]
#   bench: relay cdc payments biller soak service-latency (default: all). --quick runs shorter variants of the
#   benches that have them (exported as BENCH_QUICK=1 for the scripts to honour) and is said so in the document.
#   --report-only rewrites the document from the last run's target/bench files without running anything.
#   Extra arguments per bench from the environment: RELAY_BENCH_ARGS, CDC_BENCH_ARGS, SOAK_BENCH_ARGS (-D options).
set -uo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh

quick=0
report_only=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --report-only) report_only=1 ;;
    relay | cdc | payments | biller | soak | service-latency) selected+=("$arg") ;;
    *) echo "usage: ops/bench/all.sh [--quick] [--report-only] [relay|cdc|payments|biller|soak|service-latency ...]" >&2; exit 2 ;;
  esac
done
[[ ${#selected[@]} -gt 0 ]] || selected=(relay cdc payments biller soak service-latency)
export BENCH_QUICK=$quick

# The figures issue 14 asks for, per bench: bench|name|what|goal. Shown as "not measured" when their bench gave no
# RESULT line; a bench that prints RESULT lines is shown with exactly the lines it printed.
expected=$(cat <<'EOF'
relay|relay.drain.block.keys1000|relay drain, BLOCK, 1,000 keys, vs ProducerPerformance|ratio>=0.5
relay|relay.drain.block.hot10|relay drain, BLOCK, 10 hot keys, vs ProducerPerformance|ratio>=0.25
cdc|cdc.latency.polling.keys1000.p50|commit -> ack at 1,000/s, BLOCK, 1,000 keys, polling p50, vs ProducerPerformance|value<=10
cdc|cdc.latency.polling.keys1000.p99|commit -> ack at 1,000/s, BLOCK, 1,000 keys, polling p99, vs ProducerPerformance|value<=50
cdc|cdc.latency.polling.hot10.p50|commit -> ack at 1,000/s, BLOCK, 10 hot keys, polling p50|value<=10
cdc|cdc.latency.polling.hot10.p99|commit -> ack at 1,000/s, BLOCK, 10 hot keys, polling p99|value<=50
payments|payments.api.c16|POST bill-payments at concurrency 16, vs pgbench of the endpoint's SQL|ratio>=0.8
payments|payments.api.c16.minimal|POST bill-payments at concurrency 16, vs pgbench of the minimal dual write|ratio>=0.5
biller|biller.completed.100ms|payments completed through a 100 ms biller, 1,000 wallets|value>=500
biller|biller.created_to_completed.0ms.p99|created -> completed at 200/s, 0 ms biller, p99|value<=1000
soak|soak.polling.throughput_last_window|soak, polling: last 100k acks vs first 100k|ratio>=0.9
soak|soak.polling.outbox_table_size|soak, polling: outbox_event on disk after 1,000,000 events|value<10
soak|soak.cdc.throughput_last_window|soak, CDC: last 100k acks vs first 100k|ratio>=0.9
soak|soak.cdc.retained_wal|soak, CDC: WAL the slot retains after the run|value<10
service-latency|service.latency.200.p50|service (api,relay) at 200 payments/s: accepted -> on Kafka, p50|value<=10
service-latency|service.latency.200.p99|service (api,relay) at 200 payments/s: accepted -> on Kafka, p99|value<=50
service-latency|service.backlog.500|service at 500 payments/s: accepted, not on Kafka when the load stopped|value<=25
EOF
)

script_of() {
  case "$1" in
    relay) echo relay-bench.sh ;; cdc) echo cdc-bench.sh ;; payments) echo payments-bench.sh ;;
    biller) echo biller-bench.sh ;; soak) echo soak-bench.sh ;; service-latency) echo service-latency-bench.sh ;;
  esac
}

args_of() {
  case "$1" in
    relay) echo "-Dpolicy=BLOCK ${RELAY_BENCH_ARGS:-}" ;;
    cdc) echo "-Dpolicy=BLOCK ${CDC_BENCH_ARGS:-}" ;;
    soak) if [[ $quick == 1 ]]; then echo "-Devents=100000 ${SOAK_BENCH_ARGS:-}"; else echo "${SOAK_BENCH_ARGS:-}"; fi ;;
    *) echo "" ;;
  esac
}

mkdir -p target/bench
results=target/bench/results.txt
status=target/bench/status.txt
run_info=target/bench/run.txt
if [[ $report_only == 1 ]]; then
  # shellcheck source=/dev/null
  . "$run_info" || exit 1
  selected=($(cut -d'|' -f1 "$status"))
else
  load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  started=$(date -u '+%Y-%m-%d %H:%M UTC')
  : >"$results"
  : >"$status"
fi
for bench in "${selected[@]}"; do
  [[ $report_only == 1 ]] && break
  script=ops/bench/$(script_of "$bench")
  log=target/bench/$bench.log
  if [[ ! -x $script && ! -f $script ]]; then
    echo "$bench|missing|0" >>"$status"
    echo "== $bench: $script is missing; its figures are not measured"
    continue
  fi
  echo "== $bench: $script $(args_of "$bench") (log: $log)"
  t0=$(date +%s)
  if [[ $bench == service-latency && $quick == 1 ]]; then
    DURATION=${DURATION:-10} WARMUP=${WARMUP:-5} bash "$script" >"$log" 2>&1
  else
    # shellcheck disable=SC2046 # the -D options are words on purpose
    bash "$script" $(args_of "$bench") >"$log" 2>&1
  fi
  rc=$?
  echo "$bench|$rc|$(($(date +%s) - t0))" >>"$status"
  grep -E '^RESULT ' "$log" | sed "s/^/$bench /" >>"$results"
  grep -E '^RESULT ' "$log" || echo "   (no RESULT lines; exit status $rc)"
done
if [[ $report_only != 1 ]]; then
  load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  printf 'load_before=%q\nload_after=%q\nstarted=%q\nquick=%q\n' "$load_before" "$load_after" "$started" "$quick" >"$run_info"
fi

prop() { sed -nE "s:.*<$1>([^<]+)</$1>.*:\1:p" pom.xml | head -1; }
jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)
cores=$(nproc 2>/dev/null || echo "?")
memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo "?")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)" || true)

block=$(
  echo "<!-- benchmarks:begin (generated by ops/bench/all.sh; edit outside the markers) -->"
  echo "## Issue 14 figures"
  echo
  echo "Run of $started, commit $commit$dirty$([[ $quick == 1 ]] && echo ", QUICK variants (shorter runs; not the issue's sizes)")."
  echo "Machine: $cores cores, $memory memory, load average $load_before before and $load_after after the run"
  echo "(1, 5, 15 min); $jdk; PostgreSQL $(prop zonky.postgres.version) and Kafka $(prop kafka.version), both"
  echo "embedded, on the same machine as the benchmarks. Every reference was measured in the same run as its figure."
  echo
  echo "| bench | figure | what | value | reference | ratio | goal | met |"
  echo "|---|---|---|---|---|---|---|---|"
  for bench in "${selected[@]}"; do
    st=$(grep "^$bench|" "$status" | cut -d'|' -f2)
    if grep -q "^$bench " "$results"; then
      grep "^$bench " "$results" | while read -r b _ name value unit ref ratio goal; do
        what=$(awk -F'|' -v n="$name" '$2 == n {print $3}' <<<"$expected")
        ref=${ref#reference=}; ratio=${ratio#ratio=}; goal=${goal#goal=}
        met=$(awk -v goal="${goal%% *}" -v value="$value" -v ratio="$ratio" 'BEGIN {
          if (!match(goal, /^(value|ratio)(<=|>=|<|>)-?[0-9.]+$/)) { print "—"; exit }
          subject = substr(goal, 1, 5); rest = substr(goal, 6)
          op = substr(rest, 1, 2); if (op != "<=" && op != ">=") op = substr(rest, 1, 1)
          limit = substr(rest, length(op) + 1) + 0
          x = subject == "value" ? value : ratio
          if (x == "-" || x == "" || x ~ /[Nn]a[Nn]/) { print "—"; exit }
          x += 0
          ok = op == "<=" ? x <= limit : op == ">=" ? x >= limit : op == "<" ? x < limit : x > limit
          print ok ? "yes" : "**no**" }')
        [[ $ref == - ]] && ref="—"; [[ $ratio == - ]] && ratio="—"; [[ $goal == - ]] && goal="—"
        echo "| $b | \`$name\` | $what | $value $unit | $ref | $ratio | $goal | $met |"
      done
    else
      why="not measured"
      [[ $st == missing ]] && why="not measured (no $(script_of "$bench"))"
      [[ $st == skipped ]] && why="not measured (not run)"
      [[ -n $st && $st != missing && $st != skipped && $st != 0 ]] && why="not measured (failed, exit $st)"
      [[ $st == 0 ]] && why="not measured (no RESULT line)"
      awk -F'|' -v b="$bench" -v why="$why" '$1 == b {printf "| %s | `%s` | %s | %s | — | — | %s | — |\n", b, $2, $3, why, $4}' <<<"$expected"
    fi
  done
  echo
  echo "Bench runs (full output in target/bench/<bench>.log):"
  while IFS='|' read -r b st secs; do
    case "$st" in
      missing) echo "- $b: script missing" ;;
      skipped) echo "- $b: not run" ;;
      0) echo "- $b: $(script_of "$b") $(args_of "$b") — ${secs} s" ;;
      *) echo "- $b: $(script_of "$b") $(args_of "$b") — exit status $st after ${secs} s" ;;
    esac
  done <"$status"
  echo "<!-- benchmarks:end -->"
)

doc=docs/benchmarks.md
if [[ ! -f $doc ]]; then
  printf '# Benchmarks\n\nFigures of the project'"'"'s own benchmarks (ops/bench), each beside its reference measured in the\nsame run. `ops/bench/all.sh` regenerates the block below; other sections are kept.\n' >"$doc"
fi
tmp=$(mktemp)
if grep -q '^<!-- benchmarks:begin' "$doc"; then
  awk -v block="$block" '
    /^<!-- benchmarks:begin/ { print block; skip = 1; next }
    /^<!-- benchmarks:end -->/ { skip = 0; next }
    !skip { print }' "$doc" >"$tmp"
else
  { cat "$doc"; echo; echo "$block"; } >"$tmp"
fi
mv "$tmp" "$doc"
echo "== wrote $doc"
