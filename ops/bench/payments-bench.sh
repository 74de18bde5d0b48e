#!/usr/bin/env bash
# Benchmark of POST /wallets/{id}/bill-payments against its floor: the same SQL transaction run by pgbench.
#
# Starts the service (embedded PostgreSQL and Kafka, role api only, so only the endpoint's own work is measured),
# drives CONCURRENCY closed-loop clients for DURATION seconds over WALLETS wallets, then runs pgbench with the
# same concurrency and duration on the same database, and prints both and their ratio.
# With tokens, as any client: the service (embedded mode) runs its development issuer, or trusts AUTH_ISSUER when
# that is set; the load opens each wallet for a user of its own and pays with that user's token (fetched once,
# before the measurement), so every request is authenticated and authorized by the service (token validated
# against the issuer's JWKS, per-principal rate limit with the service's defaults, ownership check) and per-user
# limits never throttle it. DAILY_PAYMENT_LIMIT is raised (the load pays 1 minor unit per payment, but many).
# Usage: ops/bench/payments-bench.sh
#   (env: CONCURRENCY=16 DURATION=30 WALLETS=200 WARMUP=10 PORT=18480 MANAGEMENT_PORT=PORT+1; SKIP_BUILD=1)
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
CONCURRENCY=${CONCURRENCY:-16}
DURATION=${DURATION:-30}
WALLETS=${WALLETS:-200}
WARMUP=${WARMUP:-10}
PORT=${PORT:-18480}
MANAGEMENT_PORT=${MANAGEMENT_PORT:-$((PORT + 1))}
command -v pgbench >/dev/null || { echo "pgbench is needed (Debian: apt-get install postgresql-client)" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
work=$(mktemp -d)
DATA_DIR="$work/data" ROLES=api HTTP_PORT=$PORT MANAGEMENT_PORT=$MANAGEMENT_PORT \
  DAILY_PAYMENT_LIMIT=${DAILY_PAYMENT_LIMIT:-1000000000000} \
  "$JAVA_HOME/bin/java" -jar app/target/wallet-outbox.jar >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" >/dev/null && break
  kill -0 $service 2>/dev/null || { cat "$work/service.log"; exit 1; }
  sleep 1
done
jdbc=$(grep -o 'jdbc:postgresql://[^ ]*' "$work/service.log" | head -1)
hostport=${jdbc#jdbc:postgresql://}; hostport=${hostport%%/*}
db=${jdbc##*/}
PG=(-h "${hostport%:*}" -p "${hostport#*:}" -U postgres "$db")

# The issuer whose tokens the service accepts: AUTH_ISSUER, or the development issuer it started.
issuer=${AUTH_ISSUER:-$(cat "$work/data/issuer/issuer-url" 2>/dev/null || true)}
[[ -n "$issuer" ]] || { echo "the service wrote no issuer URL" >&2; cat "$work/service.log"; exit 1; }
echo "== HTTP: POST /wallets/{id}/bill-payments, concurrency $CONCURRENCY, ${DURATION}s, $WALLETS wallets, tokens of $issuer"
api=$(AUTH_ISSUER="$issuer" "$JAVA_HOME/bin/java" -cp "ops/target/classes:$(cat ops/target/classpath.txt)" io.walletoutbox.ops.PaymentLoad \
  "http://127.0.0.1:$PORT" "$CONCURRENCY" "$DURATION" "$WALLETS" "$work/wallets.txt" "$WARMUP")
echo "$api"

# The wallets of the HTTP run, each with the clearing account its payments used.
psql -q -v ON_ERROR_STOP=1 "${PG[@]}" <<SQL >/dev/null
CREATE TABLE bench_wallet (n serial PRIMARY KEY, wallet uuid NOT NULL, clearing uuid, owner text);
\copy bench_wallet (wallet) FROM '$work/wallets.txt'
UPDATE bench_wallet b SET clearing = (SELECT clearing_account FROM bill_payment p WHERE p.wallet_id = b.wallet LIMIT 1),
                          owner = (SELECT owner_id FROM account a WHERE a.id = b.wallet);
SQL

echo "== pgbench: the same SQL transaction, same database, concurrency $CONCURRENCY, ${DURATION}s"
pgb=$(pgbench -n -M prepared -c "$CONCURRENCY" -j 2 -T "$DURATION" -D wallets="$WALLETS" -f ops/bench/bill-payment.sql "${PG[@]}" 2>&1)
echo "$pgb" | grep -E "^(tps|latency|number of failed)"
api_rate=$(echo "$api" | sed -E 's/.* = ([0-9.]+) payments\/s.*/\1/')
pg_rate=$(echo "$pgb" | sed -nE 's/^tps = ([0-9.]+).*/\1/p')
echo "== ratio: API $api_rate payments/s / pgbench $pg_rate tps = $(awk -v a="$api_rate" -v b="$pg_rate" 'BEGIN{printf "%.2f", a/b}')"
