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
# <name> an identifier unique across the scripts; <value> a plain number ("." decimal, no thousands separator);
# reference=- and ratio=- when the figure has no reference; ratio = value / reference. goal=- (or none…, see…) when
# the figure is informational. Otherwise the goal is checked here ("met": yes or **no**; ? when it cannot be read
# or its figure is missing). A goal is one or more conditions joined by "_and_", each an operator (<= >= < >) and a
# limit, read as follows:
#   value<=10, ratio>=0.5          the figure's value, or its ratio to the reference
#   <=10ms, >=500/s, p99<=1000ms@200/s
#                                  the value (a leading pNN label, a unit and an @… qualifier are ignored)
#   >=0.50x_ProducerPerformance    the ratio (a limit written with an "x"; the text after "_" is ignored)
#   <=cdc                          the value, at most the value of the same figure for the CDC relay in the same
#                                  run (the name with "polling_<variant>_", "polling_" or "polling." as "cdc")
# When a script prints no goal (goal=-) for a figure listed below with one, the listed goal is used. A script
# missing, failing, or printing no RESULT line gives "not measured" rows for the figures listed for it below.
#
# Usage: ops/bench/all.sh [--quick] [--report-only] [bench ...]
#   bench: relay cdc payments biller soak service-latency (default: all). Naming benches runs only those and
#   rewrites only their rows: the rows of the others are kept from the document as it was (with their goals checked
#   again), and "Bench runs" says which run each comes from. --quick runs shorter variants of the benches that have
#   them (exported as BENCH_QUICK=1 for the scripts to honour) and is said so in the document. --report-only
#   rewrites the document from the last run's target/bench files without running anything.
#   Extra arguments per bench from the environment: RELAY_BENCH_ARGS, CDC_BENCH_ARGS, SOAK_BENCH_ARGS (-D options).
#
# Infrastructure (issue 25): with DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, KAFKA_BOOTSTRAP_SERVERS (and the
# service's KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*, KAFKA_CLIENT_PROPERTIES_FILE) set, every bench runs on
# that PostgreSQL and Kafka, each in databases and topics of its own, and nothing embedded starts; without them, on
# the embedded ones. Each bench prints an INFRA line (PostgreSQL's version and non-default settings, the broker's
# version), recorded under "Bench runs" beside its run. The rows of each infrastructure have a block of their own:
# the embedded one between <!-- benchmarks:begin … --> and <!-- benchmarks:end -->, an external one (STACK=<label>,
# default "external": name it after what it is, e.g. STACK=pg15-kafka43) between <!-- benchmarks-<label>:begin … -->
# and <!-- benchmarks-<label>:end -->, so that a run on one never replaces the rows of the other; their target/bench
# files are kept apart too (target/bench, target/bench/<label>). ops/bench/external-stack.sh starts a throwaway
# external stack to try this on.
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
if [[ -n "${DATABASE_URL:-}" || -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
  [[ -n "${DATABASE_URL:-}" && -n "${KAFKA_BOOTSTRAP_SERVERS:-}" ]] \
    || { echo "set both DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS (or neither, for the embedded ones)" >&2; exit 2; }
  stack=${STACK:-external}
  [[ $stack =~ ^[a-z0-9][a-z0-9.-]*$ && $stack != embedded ]] || { echo "STACK must be a label like pg15-kafka43" >&2; exit 2; }
  begin_marker="<!-- benchmarks-$stack:begin"
  end_marker="<!-- benchmarks-$stack:end -->"
  bench_dir=target/bench/$stack
else
  stack=embedded
  begin_marker="<!-- benchmarks:begin"
  end_marker="<!-- benchmarks:end -->"
  bench_dir=target/bench
fi

# The figures issue 14 asks for, per bench: bench|name|what|goal, with the names the scripts print. Shown as "not
# measured" when their bench gave no RESULT line; a bench that prints RESULT lines is shown with exactly the lines it
# printed (described here when listed).
expected=$(cat <<'EOF'
relay|relay_drain_block_keys1000|relay drain, BLOCK, 1,000 keys, vs its serial floor 1/(1/DB + 1/PP)|ratio>=0.7
relay|relay_serial_floor_keys1000|serial floor 1/(1/DB + 1/PP), 1,000 keys|-
relay|relay_db_floor_keys1000|database floor: pgbench of the claim-and-delete statement on the same rows, 1,000 keys|-
relay|relay_producer_performance_keys1000|ProducerPerformance, same broker, record size and producer settings|-
relay|relay_drain_stub_block_keys1000|relay drain with a stub producer (its database share), 1,000 keys, vs the database floor|none
relay|relay_drain_block_keys10|relay drain, BLOCK, 10 hot keys, vs its serial floor|none
relay|relay_serial_floor_keys10|serial floor 1/(1/DB + 1/PP), 10 hot keys|-
relay|relay_db_floor_keys10|database floor, 10 hot keys|-
relay|relay_producer_performance_keys10|ProducerPerformance, 10 hot keys' run|-
relay|relay_drain_stub_block_keys10|relay drain with a stub producer (its database share), 10 hot keys, vs the database floor|none
cdc|latency_p50_polling_woken_keys1000|commit -> ack at 1,000/s, 1,000 keys, polling woken by the writer, p50, vs ProducerPerformance|<=10ms_and_<=cdc
cdc|latency_p99_polling_woken_keys1000|commit -> ack at 1,000/s, 1,000 keys, polling woken by the writer, p99, vs ProducerPerformance|<=50ms_and_<=cdc
cdc|latency_p50_polling_probe_keys1000|commit -> ack at 1,000/s, 1,000 keys, polling woken by its probe, p50|<=10ms_and_<=cdc
cdc|latency_p99_polling_probe_keys1000|commit -> ack at 1,000/s, 1,000 keys, polling woken by its probe, p99|<=50ms_and_<=cdc
cdc|latency_p50_cdc_keys1000|commit -> ack at 1,000/s, 1,000 keys, CDC relay, p50|none
cdc|latency_p99_cdc_keys1000|commit -> ack at 1,000/s, 1,000 keys, CDC relay, p99|none
cdc|latency_p50_polling_woken_keys10|commit -> ack at 1,000/s, 10 hot keys, polling woken by the writer, p50|<=10ms_and_<=cdc
cdc|latency_p99_polling_woken_keys10|commit -> ack at 1,000/s, 10 hot keys, polling woken by the writer, p99|<=50ms_and_<=cdc
cdc|latency_p50_polling_probe_keys10|commit -> ack at 1,000/s, 10 hot keys, polling woken by its probe, p50|<=10ms_and_<=cdc
cdc|latency_p99_polling_probe_keys10|commit -> ack at 1,000/s, 10 hot keys, polling woken by its probe, p99|<=50ms_and_<=cdc
cdc|latency_p50_cdc_keys10|commit -> ack at 1,000/s, 10 hot keys, CDC relay, p50|none
cdc|latency_p99_cdc_keys10|commit -> ack at 1,000/s, 10 hot keys, CDC relay, p99|none
cdc|drain_polling_block_keys1000|polling drain under BLOCK, 1,000 keys, vs the CDC relay's|none
cdc|drain_polling_block_keys10|polling drain under BLOCK, 10 hot keys, vs the CDC relay's|none
cdc|probe_idle_cpu|CPU of an idle polling relay with its sequence probe, vs without|none
payments|payments_api_vs_endpoint_sql|POST bill-payments at concurrency 16, vs pgbench of the endpoint's SQL|ratio>=0.8
payments|payments_api_vs_minimal_dual_write|POST bill-payments at concurrency 16, vs pgbench of the minimal dual write|ratio>=0.5
biller|biller_throughput_100ms|payments completed through a 100 ms biller, 1,000 wallets|>=500/s
biller|biller_created_to_completed_p99_0ms|created -> completed at 200/s, 0 ms biller, p99 (reference: p50)|p99<=1000ms@200/s
soak|soak.polling.throughput_last_window|soak, polling: last 100k acks vs first 100k|ratio>=0.9
soak|soak.polling.outbox_table_size|soak, polling: outbox_event on disk (heap, indexes, TOAST) after 1,000,000 events|value<10
soak|soak.polling.outbox_heap_size|soak, polling: of which the heap|-
soak|soak.polling.outbox_index_size|soak, polling: of which indexes and TOAST|-
soak|soak.polling.outbox_table_size_max|soak, polling: largest outbox_event size seen during the run (every second)|-
soak|soak.cdc.throughput_last_window|soak, CDC: last 100k acks vs first 100k|ratio>=0.9
soak|soak.cdc.retained_wal|soak, CDC: WAL the slot retains at the last ack|value<10
soak|soak.cdc.retained_wal_settled|soak, CDC: WAL the slot retains once settled (up to a minute after)|value<10
soak|soak.cdc.retained_wal_max|soak, CDC: most WAL the slot retained during the run (every second)|-
service-latency|service.latency.200.p50|service (api,relay) at 200 payments/s: accepted -> on Kafka, p50|value<=10
service-latency|service.latency.200.p99|service (api,relay) at 200 payments/s: accepted -> on Kafka, p99|value<=50
service-latency|service.backlog.500|service at 500 payments/s: accepted, not on Kafka when the load stopped|value<=25
EOF
)
benches=(relay cdc payments biller soak service-latency)

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

mkdir -p "$bench_dir"
results=$bench_dir/results.txt
status=$bench_dir/status.txt
run_info=$bench_dir/run.txt
infra=$bench_dir/infra.txt
if [[ $report_only == 1 ]]; then
  # shellcheck source=/dev/null
  . "$run_info" || exit 1
  selected=($(cut -d'|' -f1 "$status"))
else
  load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  started=$(date -u '+%Y-%m-%d %H:%M UTC')
  : >"$results"
  : >"$status"
  : >"$infra"
fi
for bench in "${selected[@]}"; do
  [[ $report_only == 1 ]] && break
  script=ops/bench/$(script_of "$bench")
  log=$bench_dir/$bench.log
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
  echo "$bench|$rc|$(($(date +%s) - t0))|$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$status"
  grep -E '^RESULT ' "$log" | sed "s/^/$bench /" >>"$results"
  grep -m1 -E '^INFRA ' "$log" | sed -E "s/^INFRA (stack=[^ ]+ )?/$bench|/" >>"$infra"
  grep -m1 -E '^INFRA ' "$log" || true
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

doc=docs/benchmarks.md
ran=" $(cut -d'|' -f1 "$status" | tr '\n' ' ') "

# One record per figure, tab-separated: bench, name, value, unit, reference, ratio, goal, origin (run: from this
# run's RESULT lines; kept: a row of the document's last table, for a bench not run now; expected: not measured).
records=$(mktemp)
old_block=$(mktemp)
[[ -f $doc ]] && awk -v b="$begin_marker" -v e="$end_marker" 'index($0, b) == 1 {on = 1} on {print} $0 == e {on = 0}' "$doc" >"$old_block"
for bench in "${benches[@]}"; do
  if [[ $ran == *" $bench "* ]]; then
    if grep -q "^$bench " "$results"; then
      grep "^$bench " "$results" | awk -v OFS='\t' '{
        goal = ""; for (i = 8; i <= NF; i++) goal = goal (i > 8 ? " " : "") $i
        ref = $6; ratio = $7; sub(/^reference=/, "", ref); sub(/^ratio=/, "", ratio); sub(/^goal=/, "", goal)
        print $1, $3, $4, $5, ref, ratio, goal, "run" }'
    else
      st=$(grep "^$bench|" "$status" | cut -d'|' -f2)
      why="not measured"
      [[ $st == missing ]] && why="not measured (no $(script_of "$bench"))"
      [[ -n $st && $st != missing && $st != 0 ]] && why="not measured (failed, exit $st)"
      [[ $st == 0 ]] && why="not measured (no RESULT line)"
      awk -F'|' -v OFS='\t' -v b="$bench" -v why="$why" '$1 == b {print b, $2, why, "", "-", "-", $4, "expected"}' <<<"$expected"
    fi
  elif grep -q "^| $bench | " "$old_block"; then
    # A row of the last table: | bench | `name` | what | value unit | reference | ratio | goal | met |
    grep "^| $bench | " "$old_block" | awk -F' [|] ' -v OFS='\t' '{
      name = $2; gsub(/`/, "", name); v = $4; ref = $5; ratio = $6; goal = $7
      if (v ~ /^-?[0-9.]+( |$)/) { value = v; sub(/ .*/, "", value); unit = v; sub(/^[^ ]+ ?/, "", unit) }
      else { value = v; unit = "" }
      if (ref == "—") ref = "-"; if (ratio == "—") ratio = "-"; if (goal == "—") goal = "-"
      print $1 == "" ? "" : substr($1, 3), name, value, unit, ref, ratio, goal, "kept" }'
  else
    awk -F'|' -v OFS='\t' -v b="$bench" '$1 == b {print b, $2, "not measured (not run)", "", "-", "-", $4, "expected"}' <<<"$expected"
  fi
done >"$records"

prop() { sed -nE "s:.*<$1>([^<]+)</$1>.*:\1:p" pom.xml | head -1; }
jdk=$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)
cores=$(nproc 2>/dev/null || echo "?")
memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo "?")
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
dirty=$(git status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)" || true)
kept=$(awk -F'\t' '$8 == "kept" && !seen[$1]++ {printf "%s%s", n++ ? ", " : "", $1}' "$records")

# The table: each record with its description and goal from the list above when it has none of its own, and
# whether the goal is met (see the header for how goals are read).
table() {
  awk -F'\t' -v expected="$expected" '
    BEGIN {
      n = split(expected, lines, "\n")
      for (i = 1; i <= n; i++) { split(lines[i], f, "|"); what[f[2]] = f[3]; listed_goal[f[2]] = f[4] }
    }
    { rec[NR] = $0; if ($3 ~ /^-?[0-9.]+$/) val[$2] = $3 }
    # The same figure for the CDC relay: "polling_<variant>_", "polling_" or "polling." read as "cdc".
    function cdc_of(name,    c) {
      c = name; if (sub(/polling_[a-z]+_/, "cdc_", c) && (c in val)) return c
      c = name; if (sub(/polling_/, "cdc_", c) && (c in val)) return c
      c = name; if (sub(/polling\./, "cdc.", c) && (c in val)) return c
      return ""
    }
    function number(x) { return x != "" && x != "-" && x !~ /[Nn]a[Nn]|[Ii]nf/ && x ~ /^-?[0-9.]+$/ }
    # yes, **no**, ? (unreadable goal or missing figure), or — (informational)
    function met(goal, name, value, ratio,    parts, k, i, p, subject, op, rest, limit, x, c, ok, unit) {
      if (goal == "" || goal == "-" || goal ~ /^(none|see)/) return "—"
      k = split(goal, parts, /_and_/); ok = 1
      for (i = 1; i <= k; i++) {
        p = parts[i]; subject = ""
        if (match(p, /^(value|ratio)/)) { subject = substr(p, 1, RLENGTH); p = substr(p, RLENGTH + 1) }
        else if (match(p, /^p[0-9.]+/)) { subject = "value"; p = substr(p, RLENGTH + 1) }
        if (!match(p, /^(<=|>=|<|>)/)) return "?"
        op = substr(p, 1, RLENGTH); rest = substr(p, RLENGTH + 1)
        if (rest ~ /^cdc/) {
          c = cdc_of(name); if (c == "") return "?"
          limit = val[c] + 0; if (subject == "") subject = "value"
        } else {
          if (!match(rest, /^-?[0-9.]+/)) return "?"
          limit = substr(rest, 1, RLENGTH) + 0; unit = substr(rest, RLENGTH + 1)
          if (subject == "") subject = unit ~ /^x/ ? "ratio" : "value"
        }
        x = subject == "ratio" ? ratio : value
        if (!number(x)) return "?"
        x += 0
        if (!(op == "<=" ? x <= limit : op == ">=" ? x >= limit : op == "<" ? x < limit : x > limit)) ok = 0
      }
      return ok ? "yes" : "**no**"
    }
    END {
      for (r = 1; r <= NR; r++) {
        split(rec[r], f, "\t")
        b = f[1]; name = f[2]; value = f[3]; unit = f[4]; ref = f[5]; ratio = f[6]; goal = f[7]; origin = f[8]
        if ((goal == "" || goal == "-") && listed_goal[name] != "" && listed_goal[name] != "none") goal = listed_goal[name]
        m = origin == "expected" ? "—" : met(goal, name, value, ratio)
        if (ref == "-" || ref == "") ref = "—"; if (ratio == "-" || ratio == "") ratio = "—"
        if (goal == "-" || goal == "" || (origin == "expected" && goal == "none")) goal = "—"
        printf "| %s | `%s` | %s | %s%s | %s | %s | %s | %s |\n", b, name, what[name], value, unit == "" ? "" : " " unit,
          ref, ratio, goal, m
      }
    }' "$records"
}

block=$(
  echo "$begin_marker (generated by ops/bench/all.sh; edit outside the markers) -->"
  if [[ $stack == embedded ]]; then echo "## Issue 14 figures"; else echo "## Issue 14 figures on external infrastructure: $stack"; fi
  echo
  echo "Run of $started, commit $commit$dirty$([[ $quick == 1 ]] && echo ", QUICK variants (shorter runs; not the issue's sizes)")."
  [[ -n $kept ]] && echo "Rows of $kept are kept from an earlier run (see Bench runs); this run measured the others."
  echo "Machine: $cores cores, $memory memory, load average $load_before before and $load_after after the run"
  if [[ $stack == embedded ]]; then
    echo "(1, 5, 15 min); $jdk; PostgreSQL $(prop zonky.postgres.version) and Kafka $(prop kafka.version), both"
    echo "embedded, on the same machine as the benchmarks. Every reference was measured in the same run as its figure."
  else
    echo "(1, 5, 15 min); $jdk; on the PostgreSQL and Kafka named by DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS, nothing"
    echo "embedded (each bench's server version, non-default settings and broker version under Bench runs). Every"
    echo "reference was measured in the same run, on the same server and broker, as its figure."
  fi
  echo
  echo "| bench | figure | what | value | reference | ratio | goal | met |"
  echo "|---|---|---|---|---|---|---|---|"
  table
  echo
  echo "Bench runs (full output in $bench_dir/<bench>.log), each with the infrastructure it ran on (its INFRA line):"
  for bench in "${benches[@]}"; do
    line=$(grep "^$bench|" "$status" | tail -1)
    if [[ -n $line ]]; then
      IFS='|' read -r b st secs at <<<"$line"
      when=${at:+, $at, commit $commit}
      on=$(grep "^$b|" "$infra" 2>/dev/null | tail -1 | cut -d'|' -f2-)
      when="$when${on:+; on $on}"
      case "$st" in
        missing) echo "- $b: script missing" ;;
        0) echo "- $b: $(script_of "$b") $(args_of "$b") — ${secs} s$when" ;;
        *) echo "- $b: $(script_of "$b") $(args_of "$b") — exit status $st after ${secs} s$when" ;;
      esac
    elif grep -q "^- $bench: " "$old_block"; then
      old=$(grep "^- $bench: " "$old_block" | tail -1)
      [[ $old == *"(kept from an earlier run)"* ]] || old="$old (kept from an earlier run)"
      echo "$old"
    fi
  done
  echo "$end_marker"
)
rm -f "$records" "$old_block"

if [[ ! -f $doc ]]; then
  printf '# Benchmarks\n\nFigures of the project'"'"'s own benchmarks (ops/bench), each beside its reference measured in the\nsame run. `ops/bench/all.sh` regenerates the block below; other sections are kept.\n' >"$doc"
fi
tmp=$(mktemp)
if grep -qF "$begin_marker" "$doc"; then
  awk -v block="$block" -v b="$begin_marker" -v e="$end_marker" '
    index($0, b) == 1 { print block; skip = 1; next }
    $0 == e { skip = 0; next }
    !skip { print }' "$doc" >"$tmp"
elif [[ $stack != embedded ]] && grep -q '^<!-- benchmarks:end -->' "$doc"; then
  # The first run on this infrastructure: its block right after the embedded one.
  awk -v block="$block" '{ print } /^<!-- benchmarks:end -->/ { print ""; print block }' "$doc" >"$tmp"
else
  { cat "$doc"; echo; echo "$block"; } >"$tmp"
fi
mv "$tmp" "$doc"
echo "== wrote $doc"
