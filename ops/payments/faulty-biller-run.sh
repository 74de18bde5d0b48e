#!/usr/bin/env bash
# Issue 5, item 8: the embedded service (PostgreSQL, Kafka, biller simulator in-process) with the simulator set to
# 20 % 503s and 10 % charge-then-drop-response (POST /v1/faults); 500 payments over 50 wallets; waits until all are
# terminal and prints the biller's charges, SUCCEEDED, FAILED, refunds and the money before and after. Exits non-zero
# unless charges == SUCCEEDED and money is conserved (it also checks invariants I1–I6 from the database and topic).
# Tokens: the service's development issuer (or AUTH_ISSUER when set); each wallet is opened by a user of its own and
# funded by a funding service (scope wallet:fund).
# Usage: ops/payments/faulty-biller-run.sh [seed]   (env PORT=18580 MANAGEMENT_PORT=PORT+1; SKIP_BUILD=1 to use what
# is built)
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
SEED=${1:-1}
PORT=${PORT:-18580}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-$((PORT + 1))}
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bin/mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
work=$(mktemp -d -t faulty-biller.XXXXXX)
DATA_DIR="$work/data" HTTP_PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT "$JAVA_HOME/bin/java" -Xmx768m -jar app/target/wallet-outbox.jar >"$work/service.log" 2>&1 &
service=$!
cleanup() { kill $service 2>/dev/null || true; wait $service 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 180); do
  grep -q '^  biller sim' "$work/service.log" && curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null && break
  kill -0 $service 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 1
done
sim=$(sed -nE 's/^  biller sim +(http[^ ]+).*/\1/p' "$work/service.log" | head -1)
jdbc=$(sed -nE 's/^  PostgreSQL +(jdbc:[^ ]+).*/\1/p' "$work/service.log" | head -1)
kafka=$(sed -nE 's/^  Kafka +([^ ]+).*/\1/p' "$work/service.log" | head -1)
topic=$(sed -nE 's/^  Kafka .* topic ([^ ]+).*/\1/p' "$work/service.log" | head -1)
sim=${sim/localhost/127.0.0.1}
[[ -n "$sim" && -n "$jdbc" && -n "$kafka" ]] || { echo "service did not print its addresses" >&2; cat "$work/service.log"; exit 1; }
issuer=${AUTH_ISSUER:-$(cat "$work/data/issuer/issuer-url" 2>/dev/null || true)}
[[ -n "$issuer" ]] || { echo "the service wrote no issuer URL" >&2; cat "$work/service.log"; exit 1; }
echo "service on :$PORT (management :$MANAGEMENT_PORT), issuer $issuer, biller simulator $sim, $jdbc, Kafka $kafka topic $topic"
AUTH_ISSUER="$issuer" "$JAVA_HOME/bin/java" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" io.walletoutbox.ops.chaos.FaultyBillerRun \
  "$PORT" "$sim" "$jdbc" "$kafka" "$topic" "$SEED"
