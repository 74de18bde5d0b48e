#!/usr/bin/env bash
# Benchmark of POST /wallets/{id}/bill-payments against its floor, two pgbench references in the same run.
#
# Starts the service (role api only, so only the endpoint's own work is measured; embedded PostgreSQL and Kafka, or
# the environment's: see below),
# drives CONCURRENCY closed-loop clients for DURATION seconds over WALLETS wallets, then runs pgbench with the same
# concurrency and duration on the same database twice:
#   - ops/bench/bill-payment.sql: the endpoint's own SQL (one call of the server-side function
#     wallet_request_bill_payment, the request's whole transaction in one round trip);
#   - ops/bench/minimal-dual-write.sql: the minimal dual write (guarded debit, payment row, outbox row, idempotency
#     row in one transaction), the floor of any outbox-based endpoint;
# and prints the API's rate beside each, with the ratio and the goal (issue 14: >= 0.8x and >= 0.5x).
# With tokens, as any client: the service (embedded mode) runs its development issuer, or trusts AUTH_ISSUER when
# that is set; the load opens each wallet for a user of its own and pays with that user's token (fetched once,
# before the measurement), so every request is authenticated and authorized by the service (token validated
# against the issuer's JWKS, per-principal rate limit with the service's defaults, ownership check) and per-user
# limits never throttle it. DAILY_PAYMENT_LIMIT is raised (the load pays 1 minor unit per payment, but many).
#
# Usage: ops/bench/payments-bench.sh
# Options (environment variables):
#   CONCURRENCY=16        closed-loop HTTP clients, and pgbench clients
#   DURATION=30           seconds of each measurement (API, then each pgbench run)
#   WALLETS=200           wallets paid from (each its own user)
#   WARMUP=20             seconds of API load before the measurement (the JIT compiles the hot paths)
#   PORT=18480            the service's HTTP port; MANAGEMENT_PORT defaults to PORT+1
#   DAILY_PAYMENT_LIMIT   default 1000000000000
#   SKIP_BUILD=1          use the jars already built (app/target/wallet-outbox.jar, ops/target)
#   PGBENCH_JOBS=2        pgbench threads (-j)
#   SERVICE_JAVA_OPTS     extra JVM options of the service
#   TRACING=off           or a ratio (0.1, 1): the service traces that share of payments (parent-based sampling at
#                         the API) and exports every sampled span over OTLP/HTTP to a receiver started here
#                         (ops/bench/tracing.sh); the cost of tracing is the ratio against a TRACING=off run
#   REFERENCES=0          skip the two pgbench runs (a quick look at the API's rate and CPU per payment only; no
#                         RESULT lines are printed then)
#   DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, KAFKA_BOOTSTRAP_SERVERS and the service's KAFKA_SECURITY_PROTOCOL,
#                         KAFKA_SASL_*, KAFKA_SSL_*: the service and pgbench run on that PostgreSQL (in a database
#                         of the run's own) and Kafka, and nothing embedded starts (ops/bench/infra.sh); PostgreSQL's
#                         CPU is counted only when the server runs on this machine and its data directory is readable
#   JFR=<file>            record a JFR profile (settings=profile) of the service JVM over the measured window only
#                         (started and stopped with jcmd by the window hook), write it to <file> and print its
#                         hot methods and allocation by class (`jfr view`). The recording costs the service some CPU:
#                         compare ratios of runs both with or both without it.
# Output: human-readable sections, the INFRA line (server version, non-default settings, broker version), then one
# machine-readable line per figure and reference (for ops/bench/all.sh):
#   RESULT <name> <value> <unit> reference=<value> ratio=<value> goal=<text>
#   RESULT payments_api_vs_endpoint_sql <api payments/s> payments/s reference=<pgbench tps> ratio=<api/ref> goal=ratio>=0.8
#   RESULT payments_api_vs_minimal_dual_write <api payments/s> payments/s reference=<pgbench tps> ratio=<api/ref> goal=ratio>=0.5
# and the CPU each payment costs, measured by CPU time (utime+stime of /proc/<pid>/stat over the measured window, so
# that other work on a busy machine does not count), to explain the ratios (goal=-, informational):
#   RESULT payments_service_cpu_per_payment <µs> us/payment reference=- ratio=- goal=-        the service's JVM
#   RESULT payments_service_jit_cpu_per_payment, payments_service_gc_cpu_per_payment     the JIT's and GC's share of it
#   RESULT payments_postgres_cpu_per_payment_api <µs> us/payment ...                          PostgreSQL, API run
#   RESULT payments_load_cpu_per_payment <µs> us/payment ...                                  the load generator
#   RESULT payments_postgres_cpu_per_payment_endpoint_sql <µs> us/transaction ...             PostgreSQL, pgbench run
#   RESULT payments_pgbench_cpu_per_payment_endpoint_sql <µs> us/transaction ...              pgbench itself
#   RESULT payments_postgres_cpu_per_payment_minimal_dual_write, payments_pgbench_cpu_per_payment_minimal_dual_write
#   RESULT payments_service_idle_cpu <ms of CPU per s> ms/s ...   the service at rest (embedded Kafka, timers), before
# PostgreSQL's CPU is the postmaster's and all its children's: live backends' own time, plus the time of backends that
# exited (pgbench's, at its end), which the postmaster collected (cutime+cstime of its /proc/<pid>/stat).
# Exit status: non-zero when a run fails (not when a goal is missed).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
CONCURRENCY=${CONCURRENCY:-16}
DURATION=${DURATION:-30}
WALLETS=${WALLETS:-200}
WARMUP=${WARMUP:-20}
PORT=${PORT:-18480}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-$((PORT + 1))}
command -v pgbench >/dev/null || { echo "pgbench is needed (Debian: apt-get install postgresql-client)" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
. ops/bench/tracing.sh
. ops/bench/infra.sh
work=$(mktemp -d)
trap 'tracing_stop; bench_cleanup; rm -rf "$work"' EXIT
bench_setup payments "$work"
# shellcheck disable=SC2046 # NAME=value words on purpose
env $(bench_service_env) DATA_DIR="$work/data" ROLES=api HTTP_PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DAILY_PAYMENT_LIMIT=${DAILY_PAYMENT_LIMIT:-1000000000000} \
  "$JAVA_HOME/bin/java" ${SERVICE_JAVA_OPTS:-} -jar app/target/wallet-outbox.jar >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true; tracing_stop; bench_cleanup; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null && break
  kill -0 $service 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 1
done
bench_pg_from_log "$work/service.log"
bench_infra_line "$(sed -nE 's/^  Kafka +([^ ]+).*/\1/p' "$work/service.log" | head -1)"

postmaster=$(bench_postmaster "$work/data/postgres/postmaster.pid")
[[ -n "$postmaster" ]] || echo "== PostgreSQL's processes are not on this machine (or not readable): its CPU is not counted"
ticks=$(getconf CLK_TCK)
# CPU time in clock ticks: of a process (utime+stime); with "all", also that of its exited, collected children.
proc_ticks() { # $1 = pid, $2 = "all" or empty
  local f
  f=$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  # fields after the command: state=1 ... utime=12 stime=13 cutime=14 cstime=15
  awk -v all="${2:-}" '{ print $12 + $13 + (all == "all" ? $14 + $15 : 0) }' <<<"$f"
}
postgres_ticks() { # the postmaster with its collected children, plus its live children
  local total=0 child
  [[ -n "$postmaster" ]] || { echo 0; return; }
  for child in $(pgrep -P "$postmaster"); do total=$((total + $(proc_ticks "$child"))); done
  echo $((total + $(proc_ticks "$postmaster" all)))
}
thread_ticks() { # $1 = pid: "<JIT compiler threads' ticks> <GC threads' ticks>"
  local t line jit=0 gc=0 v
  for t in /proc/$1/task/*/stat; do
    line=$(cat "$t" 2>/dev/null) || continue
    v=$(awk '{ print $12 + $13 }' <<<"${line##*) }")
    case "$line" in
      *"(C1 CompilerThre)"* | *"(C2 CompilerThre)"*) jit=$((jit + v)) ;;
      *"(GC Thread"* | *"(G1 "*) gc=$((gc + v)) ;;
    esac
  done
  echo "$jit $gc"
}
per_op() { # $1 = ticks, $2 = operations: microseconds of CPU per operation
  awk -v t="$1" -v n="$2" -v hz="$ticks" 'BEGIN{ if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print "-" }'
}
# The window hook of PaymentLoad (run at the start and the end of the measured window, the load's pid as parent).
cat >"$work/window-hook.sh" <<HOOK
#!/usr/bin/env bash
$(declare -f proc_ticks postgres_ticks thread_ticks)
postmaster=$postmaster
jfr_file=${JFR:+$(realpath -m "$JFR")}
echo "\$1 \$(proc_ticks $service) \$(postgres_ticks) \$(proc_ticks \$PPID) \$(thread_ticks $service)" >>"$work/window.txt"
if [[ -n "\$jfr_file" ]]; then
  case "\$1" in
    start) "$JAVA_HOME/bin/jcmd" $service JFR.start name=payments-bench settings=profile >>"$work/jfr.log" 2>&1 ;;
    end) "$JAVA_HOME/bin/jcmd" $service JFR.stop name=payments-bench filename="\$jfr_file" >>"$work/jfr.log" 2>&1 ;;
  esac
fi
HOOK
chmod +x "$work/window-hook.sh"
idle_service0=$(proc_ticks $service); idle_pg0=$(postgres_ticks); sleep 5
idle_service=$(($(proc_ticks $service) - idle_service0)); idle_pg=$(($(postgres_ticks) - idle_pg0))

issuer=${AUTH_ISSUER:-$(cat "$work/data/issuer/issuer-url" 2>/dev/null || true)}
[[ -n "$issuer" ]] || { echo "the service wrote no issuer URL" >&2; cat "$work/service.log"; exit 1; }
echo "== HTTP: POST /wallets/{id}/bill-payments, concurrency $CONCURRENCY, ${DURATION}s, $WALLETS wallets, tokens of $issuer"
api=$(AUTH_ISSUER="$issuer" PAYMENT_LOAD_WINDOW_HOOK="$work/window-hook.sh" "$JAVA_HOME/bin/java" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" io.walletoutbox.ops.PaymentLoad \
  "http://127.0.0.1:$PORT" "$CONCURRENCY" "$DURATION" "$WALLETS" "$work/wallets.txt" "$WARMUP")
echo "$api"
read -r _ s0 p0 l0 j0 g0 < <(grep '^start ' "$work/window.txt")
read -r _ s1 p1 l1 j1 g1 < <(grep '^end ' "$work/window.txt")
api_payments=$(echo "$api" | sed -E 's/^api: ([0-9]+) payments.*/\1/')
api_service_us=$(per_op $((s1 - s0)) "$api_payments")
api_pg_us=$(per_op $((p1 - p0)) "$api_payments")
api_load_us=$(per_op $((l1 - l0)) "$api_payments")
api_jit_us=$(per_op $((j1 - j0)) "$api_payments")
api_gc_us=$(per_op $((g1 - g0)) "$api_payments")
if [[ -n "${JFR:-}" ]]; then
  echo "== JFR profile of the service over the measured window: $JFR"
  [[ -s "$JFR" ]] || { echo "no JFR recording was written" >&2; cat "$work/jfr.log" >&2; exit 1; }
  "$JAVA_HOME/bin/jfr" view --width 160 hot-methods "$JFR" | head -40
  "$JAVA_HOME/bin/jfr" view --width 160 allocation-by-class "$JFR" | head -30
fi
echo "cpu per payment: service ${api_service_us} us (of which JIT compiler threads ${api_jit_us} us, GC threads" \
  "${api_gc_us} us), PostgreSQL ${api_pg_us} us, load generator ${api_load_us} us"

# The wallets of the HTTP run, each with the clearing account its payments used and a copy of its balance (which
# the minimal dual write debits: it has no ledger, and account.balance changes only with its transfers).
psql -q -v ON_ERROR_STOP=1 "${PG[@]}" <<SQL >/dev/null
CREATE TABLE bench_wallet (n serial PRIMARY KEY, wallet uuid NOT NULL, clearing uuid, owner text, balance bigint);
\copy bench_wallet (wallet) FROM '$work/wallets.txt'
UPDATE bench_wallet b SET clearing = (SELECT clearing_account FROM bill_payment p WHERE p.wallet_id = b.wallet LIMIT 1),
                          owner = (SELECT owner_id FROM account a WHERE a.id = b.wallet),
                          balance = (SELECT balance FROM account a WHERE a.id = b.wallet);
SQL

self_children_ticks() { awk '{ print $14 + $15 }' <<<"$(sed -E 's/^.*\) //' /proc/$$/stat)"; }
run_pgbench() { # $1 = script; prints pgbench's summary, sets pg_rate, pg_us (PostgreSQL) and bench_us (pgbench)
  local out pg0 b0 n
  pg0=$(postgres_ticks); b0=$(self_children_ticks)
  out=$(pgbench -n -M prepared -c "$CONCURRENCY" -j "${PGBENCH_JOBS:-2}" -T "$DURATION" -D wallets="$WALLETS" -f "$1" "${PG[@]}" 2>&1) \
    || { echo "$out" >&2; exit 1; }
  echo "$out" | grep -E "^(tps|latency|number of failed)"
  pg_rate=$(echo "$out" | sed -nE 's/^tps = ([0-9.]+).*/\1/p')
  # pgbench's backends exit with it; wait until the postmaster has collected them
  for _ in $(seq 1 50); do [[ -z "$postmaster" || $(pgrep -P "$postmaster" | wc -l) -le $base_children ]] && break; sleep 0.1; done
  n=$(echo "$out" | sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p')
  pg_us=$(per_op $(($(postgres_ticks) - pg0)) "$n")
  bench_us=$(per_op $(($(self_children_ticks) - b0)) "$n")
  echo "cpu per transaction: PostgreSQL ${pg_us} us, pgbench ${bench_us} us"
}
if [[ "${REFERENCES:-1}" == 0 ]]; then
  tracing_report
  echo "== pgbench references skipped (REFERENCES=0); machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
base_children=0
[[ -n "$postmaster" ]] && base_children=$(pgrep -P "$postmaster" | wc -l)
echo "== pgbench: the endpoint's SQL (ops/bench/bill-payment.sql), same database, concurrency $CONCURRENCY, ${DURATION}s"
run_pgbench ops/bench/bill-payment.sql
endpoint_rate=$pg_rate endpoint_pg_us=$pg_us endpoint_bench_us=$bench_us
echo "== pgbench: the minimal dual write (ops/bench/minimal-dual-write.sql), concurrency $CONCURRENCY, ${DURATION}s"
run_pgbench ops/bench/minimal-dual-write.sql
minimal_rate=$pg_rate minimal_pg_us=$pg_us minimal_bench_us=$bench_us
api_rate=$(echo "$api" | sed -E 's/.* = ([0-9.]+) payments\/s.*/\1/')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
tracing_report
echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "RESULT payments_api_vs_endpoint_sql $api_rate payments/s reference=$endpoint_rate ratio=$(ratio "$api_rate" "$endpoint_rate") goal=ratio>=0.8"
echo "RESULT payments_api_vs_minimal_dual_write $api_rate payments/s reference=$minimal_rate ratio=$(ratio "$api_rate" "$minimal_rate") goal=ratio>=0.5"
info() { # PostgreSQL's figures are "-" when its processes are not on this machine
  local v=$2
  [[ -z "$postmaster" && $1 == payments_postgres_* ]] && v=-
  echo "RESULT $1 $v $3 reference=- ratio=- goal=-"
}
info payments_service_cpu_per_payment "$api_service_us" us/payment
info payments_service_jit_cpu_per_payment "$api_jit_us" us/payment
info payments_service_gc_cpu_per_payment "$api_gc_us" us/payment
info payments_postgres_cpu_per_payment_api "$api_pg_us" us/payment
info payments_load_cpu_per_payment "$api_load_us" us/payment
info payments_postgres_cpu_per_payment_endpoint_sql "$endpoint_pg_us" us/transaction
info payments_pgbench_cpu_per_payment_endpoint_sql "$endpoint_bench_us" us/transaction
info payments_postgres_cpu_per_payment_minimal_dual_write "$minimal_pg_us" us/transaction
info payments_pgbench_cpu_per_payment_minimal_dual_write "$minimal_bench_us" us/transaction
info payments_service_idle_cpu "$(awk -v t="$idle_service" -v hz="$ticks" 'BEGIN{printf "%.1f", t * 1000 / hz / 5}')" ms/s
info payments_postgres_idle_cpu "$(awk -v t="$idle_pg" -v hz="$ticks" 'BEGIN{printf "%.1f", t * 1000 / hz / 5}')" ms/s
