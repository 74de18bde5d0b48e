#!/usr/bin/env bash
# Bill payments through the biller, end to end: API → outbox → relay → Kafka → bill-payment consumer → biller
# simulator → SUCCEEDED. Two figures:
#
#   1. Throughput through a slow biller. The biller simulator (the app's provider-sim, a separate process) answers
#      after LATENCY_MS (default 100 ms). PAYMENTS payments (default 6,000) are taken by the API over WALLETS
#      wallets (default 1,000, one owner each, paid round-robin so every wallet has several payments queued) while
#      the service runs without its consumer (ROLES=api,relay); once the relay has drained the outbox the service
#      is restarted with every role, and the consumer drains the backlog. Figure: payments completed per second,
#      PAYMENTS / (last completed_at − first completed_at). Reference: the ceiling the biller's latency allows with
#      one call in flight per wallet, WALLETS × 1000 / LATENCY_MS calls per second (10,000/s for 1,000 wallets at
#      100 ms), or SIM_CEILING when given (a measured ceiling of the simulator). Goal ≥ 500/s.
#   2. Latency through a fast biller. The simulator's latency is set to 0 ms (POST /v1/faults), and payments are
#      sent open-loop at RATE per second (default 200) over the same number of wallets for DURATION seconds (after
#      WARMUP seconds unmeasured). Figure: created → completed (bill_payment.created_at → completed_at) p99 of the
#      payments created in the measured window, with p50 as its reference. Goal p99 ≤ 1 s at 200/s.
#
# Output: progress lines starting with "==", then one machine-readable line per figure:
#   RESULT biller_throughput_100ms <payments/s> payments/s reference=<ceiling> ratio=<figure/ceiling> goal=>=500/s
#   RESULT biller_created_to_completed_p99_0ms <ms> ms reference=<p50 ms> ratio=<p99/p50> goal=p99<=1000ms@200/s
# Payments the API refused during the 0 ms run (a service that cannot keep up) are counted on the "== rate:" line.
#
# Usage: ops/bench/biller-bench.sh
#   env: WALLETS=1000 PAYMENTS=6000 FILL_CONCURRENCY=32 LATENCY_MS=100 RATE=200 DURATION=30 WARMUP=5
#        PORT=18580 (API; MANAGEMENT_PORT=PORT+1) SIM_PORT=18590 SIM_CEILING= (measured ceiling, payments/s)
#        SKIP_BUILD=1 (use the jar and classes already built) KEEP=1 (keep the work directory and its logs)
#        SERVICE_JAVA_OPTS="<jvm options>" added to the service's java command while its consumer runs (both figures),
#        e.g. an AOT cache: -XX:AOTCacheOutput=<file.aot> records one at the service's exit (a training run),
#        -XX:AOTCache=<file.aot> starts from it (docs/operations.md, Warm-up)
#        JFR=<file.jfr> records a JFR profile (settings=profile) of the service while its consumer runs (both
#        figures) into <file.jfr>, and of the simulator into <file>-simulator.jfr; CPU=1 prints each process's CPU
#        seconds per phase (from /proc), to tell which one the machine's cores went to, and the database's commits,
#        WAL records, full-page images, bytes and flushes per payment (pg_stat_database, pg_stat_wal: the whole
#        server's WAL, so meaningful on a server of the run's own)
#        DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, KAFKA_BOOTSTRAP_SERVERS and the service's
#        KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*: run on that PostgreSQL (a database of the run's own) and
#        Kafka (an events topic of its own), starting nothing embedded, with tokens from the jar's development
#        issuer started alone (ops/bench/infra.sh)
# Unless those are set the service runs in embedded mode (its own PostgreSQL and Kafka under a temporary DATA_DIR),
# as the other bench scripts start it, with tokens from its development issuer. Per-principal rate and daily payment
# limits raised. The output's INFRA line names the server version, its non-default settings and the broker version.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
WALLETS=${WALLETS:-1000}
PAYMENTS=${PAYMENTS:-6000}
FILL_CONCURRENCY=${FILL_CONCURRENCY:-32}
LATENCY_MS=${LATENCY_MS:-100}
RATE=${RATE:-200}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
PORT=${PORT:-18580}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-$((PORT + 1))}
SIM_PORT=${SIM_PORT:-18590}
SIM_CEILING=${SIM_CEILING:-}
command -v psql >/dev/null || { echo "psql is needed (Debian: apt-get install postgresql-client)" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
. ops/bench/infra.sh
work=$(mktemp -d)
service=""
sim=""
cleanup() {
  [[ -n "$service" ]] && { kill "$service" 2>/dev/null; wait "$service" 2>/dev/null || true; }
  [[ -n "$sim" ]] && { kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null || true; }
  bench_cleanup
  if [[ "${KEEP:-0}" == 1 ]]; then echo "== logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
bench_setup biller "$work"
JAVA=("$JAVA_HOME/bin/java")
JFR=${JFR:-}
SERVICE_JFR=()
SIM_JFR=()
if [[ -n "$JFR" ]]; then
  JFR=$(realpath -m "$JFR")
  SERVICE_JFR=("-XX:StartFlightRecording=filename=$JFR,settings=profile,dumponexit=true")
  SIM_JFR=("-XX:StartFlightRecording=filename=${JFR%.jfr}-simulator.jfr,settings=profile,dumponexit=true")
fi
LOAD=("${JAVA[@]}" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" io.walletoutbox.ops.BillerLoad)

HTTP_PORT=$SIM_PORT LATENCY_MS=$LATENCY_MS "${JAVA[@]}" "${SIM_JFR[@]}" -jar app/target/wallet-outbox.jar provider-sim \
  >"$work/simulator.log" 2>&1 &
sim=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$SIM_PORT/v1/faults" >/dev/null && break
  kill -0 $sim 2>/dev/null || { cat "$work/simulator.log"; exit 1; }
  sleep 0.5
done

# start_service <roles> <log> [jvm options]: the service in embedded mode on DATA_DIR=$work/data (kept across
# restarts), or on the environment's PostgreSQL and Kafka.
start_service() {
  # shellcheck disable=SC2046 # NAME=value words on purpose
  env $(bench_service_env) DATA_DIR="$work/data" ROLES=$1 HTTP_PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT \
    PROVIDER_BASE_URL="http://127.0.0.1:$SIM_PORT" \
    RATE_LIMIT_PER_SECOND=1000000 RATE_LIMIT_BURST=1000000 \
    DAILY_PAYMENT_LIMIT=${DAILY_PAYMENT_LIMIT:-1000000000000} \
    "${JAVA[@]}" "${@:3}" -jar app/target/wallet-outbox.jar >"$2" 2>&1 &
  service=$!
  for _ in $(seq 1 180); do
    if curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null; then
      # The embedded PostgreSQL may listen on another port after a restart: read it from this start's log.
      bench_pg_from_log "$2"
      return 0
    fi
    kill -0 $service 2>/dev/null || { cat "$2"; exit 1; }
    sleep 1
  done
  echo "the service did not become ready" >&2
  cat "$2"
  exit 1
}
stop_service() {
  kill "$service"
  wait "$service" 2>/dev/null || true
  service=""
}
sql() { psql -qtAX -v ON_ERROR_STOP=1 "${PG[@]}" -c "$1"; }
# wait_for <sql returning 0 when done> <what>
wait_for() {
  local left
  for _ in $(seq 1 1200); do
    left=$(sql "$1") || { echo "cannot query the database" >&2; exit 1; }
    [[ "$left" == 0 ]] && return 0
    kill -0 "$service" 2>/dev/null || { echo "the service died" >&2; exit 1; }
    sleep 0.5
  done
  echo "timed out waiting for $2" >&2
  exit 1
}

# CPU=1: CPU seconds (user+system, from /proc; the service JVM includes its embedded Kafka) of the simulator, the
# service, the load generator and PostgreSQL (its postmaster, found by this run's data directory, and its
# children), and of the whole machine, between cpu_mark and cpu_report.
cpu_ticks() { awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
cpu_pids() {
  local pid
  for pid in $(pgrep -f "$work" 2>/dev/null) $sim $service $(bench_postmaster); do
    echo "$pid"
    pgrep -P "$pid" 2>/dev/null || true # PostgreSQL's backends and workers
  done | sort -u
}
cpu_name() {
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 0
  case "$cmd" in
    *provider-sim*) echo simulator ;;
    *BillerLoad*) echo load-generator ;;
    *wallet-outbox.jar*) echo service ;;
    *postgres*) echo postgres ;;
  esac
}
declare -A cpu_start
cpu_mark() {
  [[ "${CPU:-0}" == 1 ]] || return 0
  cpu_start=()
  local pid
  for pid in $(cpu_pids); do cpu_start[$pid]=$(cpu_ticks "$pid"); done
  cpu_machine=$(awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat)
  cpu_t0=$(date +%s.%N)
  db_stats_start=$(db_stats)
}
# The server's WAL counters (pg_stat_wal: the whole server's, so only meaningful on a server of the run's own) and
# this database's commits, as "commits wal_records wal_fpi wal_bytes wal_write wal_sync wal_sync_time_ms".
db_stats() {
  sql "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
    wal_records, wal_fpi, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal" 2>/dev/null | tr '|' ' ' \
    || echo "0 0 0 0 0 0 0"
}
# db_report <phase> <payments completed in it>: commits, WAL records, full-page images, bytes and flushes per payment.
db_report() {
  read -r -a a <<<"$db_stats_start"
  read -r -a b <<<"$(db_stats)"
  awk -v p="$1" -v n="$2" -v c="$((b[0] - a[0]))" -v r="$((b[1] - a[1]))" -v f="$((b[2] - a[2]))" \
    -v by="$((b[3] - a[3]))" -v w="$((b[4] - a[4]))" -v s="$((b[5] - a[5]))" \
    -v st="$(awk -v x="${b[6]}" -v y="${a[6]}" 'BEGIN{print x - y}')" 'BEGIN {
      if (n <= 0) n = 1
      printf "== db %s: per payment %.2f commits, %.1f WAL records, %.2f full-page images, %.0f WAL bytes, %.2f WAL writes, %.2f WAL flushes (%d flushes in all; %.1f ms flushing per payment when track_wal_io_timing is on)\n",
        p, c / n, r / n, f / n, by / n, w / n, s / n, s, st / n }'
}
cpu_report() {
  [[ "${CPU:-0}" == 1 ]] || return 0
  local hz pid wall
  hz=$(getconf CLK_TCK)
  wall=$(awk -v a="$cpu_t0" -v b="$(date +%s.%N)" 'BEGIN{print b - a}')
  for pid in $(cpu_pids); do
    echo "$(cpu_name "$pid") $(( $(cpu_ticks "$pid") - ${cpu_start[$pid]:-0} ))"
  done | awk -v hz="$hz" -v w="$wall" -v p="$1" '$1 != "" {t[$1] += $2}
    END {for (n in t) printf "== cpu %s: %s %.1f s (%.2f of a core)\n", p, n, t[n] / hz, t[n] / hz / w}'
  awk -v a="$cpu_machine" -v hz="$hz" -v w="$wall" -v p="$1" '/^cpu /{t = $2 + $3 + $4 + $7 + $8 - a
    printf "== cpu %s: whole machine %.1f s (%.2f cores) over %.1f s\n", p, t / hz, t / hz / w, w}' /proc/stat
}

echo "== simulator at ${LATENCY_MS} ms; service with roles api,relay takes $PAYMENTS payments over $WALLETS wallets"
start_service api,relay "$work/service-fill.log"
bench_infra_line "$(sed -nE 's/^  Kafka +([^ ]+).*/\1/p' "$work/service-fill.log" | head -1)"
issuer=${AUTH_ISSUER:-$(cat "$work/data/issuer/issuer-url")}
AUTH_ISSUER="$issuer" "${LOAD[@]}" "http://127.0.0.1:$PORT" "$WALLETS" "$work/wallets-fill.txt" \
  fill "$PAYMENTS" "$FILL_CONCURRENCY"
wait_for "SELECT count(*) FROM outbox_event" "the relay to drain the outbox"
stop_service

echo "== service restarted with every role; the consumer drains the backlog"
start_service api,relay,consumer "$work/service.log" "${SERVICE_JFR[@]}" ${SERVICE_JAVA_OPTS:-}
cpu_mark
wait_for "SELECT count(*) FROM bill_payment WHERE status = 'PENDING'" "the consumer to complete every payment"
read -r done_n failed_n span <<<"$(sql "SELECT count(*), count(*) FILTER (WHERE status <> 'SUCCEEDED'),
  extract(epoch FROM max(completed_at) - min(completed_at)) FROM bill_payment" | tr '|' ' ')"
cpu_report "consumer drain at ${LATENCY_MS} ms"
[[ "${CPU:-0}" == 1 ]] && db_report "consumer drain at ${LATENCY_MS} ms" "$done_n"
throughput=$(awk -v n="$done_n" -v s="$span" 'BEGIN{printf "%.1f", n / s}')
ceiling=${SIM_CEILING:-$(awk -v w="$WALLETS" -v l="$LATENCY_MS" 'BEGIN{printf "%.0f", w * 1000 / l}')}
echo "== $done_n payments completed ($failed_n not SUCCEEDED) in ${span}s (first → last completion)"

echo "== simulator at 0 ms; $RATE payments/s for ${DURATION}s (+${WARMUP}s warm-up) over $WALLETS wallets"
curl -sf -X POST -H 'Content-Type: application/json' -d '{"latencyMs":0}' \
  "http://127.0.0.1:$SIM_PORT/v1/faults" >/dev/null
cpu_mark
out=$(AUTH_ISSUER="$issuer" "${LOAD[@]}" "http://127.0.0.1:$PORT" "$WALLETS" "$work/wallets-rate.txt" \
  rate "$RATE" "$DURATION" "$WARMUP")
echo "$out"
from=$(echo "$out" | sed -nE 's/.*measuredFrom=([0-9]+).*/\1/p')
wait_for "SELECT count(*) FROM bill_payment WHERE status = 'PENDING'" "the consumer to complete every payment"
read -r n p50 p99 pmax <<<"$(sql "SELECT count(*),
  round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::numeric, 1),
  round((1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::numeric, 1),
  round((1000 * max(extract(epoch FROM completed_at - created_at)))::numeric, 1)
  FROM bill_payment WHERE created_at >= to_timestamp($from / 1000.0)" | tr '|' ' ')"
cpu_report "0 ms at ${RATE}/s"
[[ "${CPU:-0}" == 1 ]] && db_report "0 ms at ${RATE}/s (API and consumer)" "$n"
echo "== $n payments created in the measured window: created → completed p50 ${p50} ms, p99 ${p99} ms, max ${pmax} ms"

echo "RESULT biller_throughput_${LATENCY_MS}ms $throughput payments/s reference=$ceiling" \
  "ratio=$(awk -v a="$throughput" -v b="$ceiling" 'BEGIN{printf "%.3f", a / b}') goal=>=500/s"
echo "RESULT biller_created_to_completed_p99_0ms $p99 ms reference=$p50" \
  "ratio=$(awk -v a="$p99" -v b="$p50" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}') goal=p99<=1000ms@${RATE}/s"
