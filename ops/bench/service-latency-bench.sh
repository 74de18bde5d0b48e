#!/usr/bin/env bash
# Service-level relay latency (issue 14, item 1): the running service (roles api,relay; the events topic under the
# service's BLOCK policy; embedded PostgreSQL and Kafka, or the environment's: see ops/bench/infra.sh) takes bill payments through its API at a fixed rate,
# open loop, and a consumer of the events topic notes when each payment's BillPaymentRequested event arrives:
# accepted (the client got 202) -> appended on Kafka (the consumer got the event), p50/p99, at 200 payments/s, then
# at 500 payments/s whether the relay keeps up (payments accepted but not yet on Kafka when the load stops).
# With tokens, as any client (see ops/bench/payments-bench.sh): the development issuer of the embedded service, or
# AUTH_ISSUER when set; wallet i belongs to user svc-i. Prints a summary per rate, the service's own
# relay_publish_latency histogram, the INFRA line (what it ran on) and RESULT lines (see ops/bench/all.sh).
# Usage: ops/bench/service-latency-bench.sh
#   (env: RATES=200,500 DURATION=30 WALLETS=200 WARMUP=10 PORT=18580 MANAGEMENT_PORT=PORT+1; SKIP_BUILD=1;
#   DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, KAFKA_BOOTSTRAP_SERVERS and the service's KAFKA_SECURITY_PROTOCOL,
#   KAFKA_SASL_*, KAFKA_SSL_*: run on that PostgreSQL and Kafka, in a database and topic of the run's own, and start
#   nothing embedded; ops/bench/infra.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
RATES=${RATES:-200,500}
DURATION=${DURATION:-30}
WALLETS=${WALLETS:-200}
WARMUP=${WARMUP:-10}
PORT=${PORT:-18580}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-$((PORT + 1))}

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
. ops/bench/infra.sh
work=$(mktemp -d)
trap 'bench_cleanup; rm -rf "$work"' EXIT
bench_setup service-latency "$work"
# shellcheck disable=SC2046 # NAME=value words on purpose
env $(bench_service_env) DATA_DIR="$work/data" ROLES=api,relay HTTP_PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DAILY_PAYMENT_LIMIT=${DAILY_PAYMENT_LIMIT:-1000000000000} \
  "$JAVA_HOME/bin/java" -jar app/target/wallet-outbox.jar >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true; bench_cleanup; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null && break
  kill -0 $service 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 1
done
if [[ $BENCH_STACK == external ]]; then
  bootstrap=$KAFKA_BOOTSTRAP_SERVERS topic=$EVENTS_TOPIC
else
  kafka_line=$(grep -m1 '^  Kafka ' "$work/service.log") || { echo "the service printed no Kafka address" >&2; cat "$work/service.log"; exit 1; }
  bootstrap=$(awk '{print $2}' <<<"$kafka_line")
  topic=$(sed -E 's/.* topic ([^ ]+) .*/\1/' <<<"$kafka_line")
  bench_pg_from_log "$work/service.log"
fi
infra_line=$(bench_infra_line "$bootstrap")
echo "$infra_line"
issuer=${AUTH_ISSUER:-$(cat "$work/data/issuer/issuer-url" 2>/dev/null || true)}
[[ -n "$issuer" ]] || { echo "the service wrote no issuer URL" >&2; cat "$work/service.log"; exit 1; }
echo "== service (roles api,relay), Kafka $bootstrap topic $topic; open-loop payments at $RATES per second, ${DURATION}s each, $WALLETS wallets"
AUTH_ISSUER="$issuer" "$JAVA_HOME/bin/java" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" \
  io.walletoutbox.ops.ServiceLatency "http://127.0.0.1:$PORT" "$bootstrap" "$topic" "$RATES" "$DURATION" "$WALLETS" "$WARMUP"
echo "== the service's relay_publish_latency (commit -> Kafka ack, all runs and the warm-up together)"
curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/metrics" | grep -E '^relay_publish_latency_seconds_(count|sum|max)' || echo "(not exposed)"
