#!/usr/bin/env bash
# Token validation cost (issue 12): the app's own TokenVerifier validates a development-issuer token (RS256) with its
# keys cached, many times after a warm-up; prints µs per validation per round and the median (goal < 100 µs; exit
# status 1 when the median is above it). Runs on the class path beside the fat jar, since the verifier sits in the
# app module's unexported package.
# Usage: ops/bench/token-bench.sh [iterations per round, default 100000] [rounds, default 5]   (SKIP_BUILD=1 to use
# what is built)
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
exec "$JAVA_HOME/bin/java" -Xmx256m -cp "app/target/wallet-outbox.jar:ops/target/classes" \
  io.walletoutbox.ops.TokenBench "$@"
