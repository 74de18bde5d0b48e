#!/usr/bin/env bash
# Soak benchmark (issue 14, item 5): 1,000,000 events written at a steady rate (5,000 events/s) while the polling
# relay drains them, then the same with the CDC relay, against one embedded PostgreSQL and broker. Prints the relay's
# throughput over the last 100,000 acks against the first 100,000, commit->ack latency in both windows, the outbox
# table's size on disk after the run, heap and indexes apart, and its largest size during the run (polling), and the
# WAL the replication slot retains at the last ack, once settled and at most during the run, and pg_wal's size (CDC),
# as RESULT lines (see ops/bench/all.sh). About 4 minutes per relay at the defaults.
# Tunables as -D system properties after the script name, e.g. a quick try:
#   ops/bench/soak-bench.sh -Devents=100000 -Drate=5000 -Drelays=polling
# (events, rate, perTx, writers, keys, size, window, policy=BLOCK|SKIP, relays=polling,cdc; see SoakBenchmark).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  ./mvnw --batch-mode --no-transfer-progress --quiet -pl relay-cdc -am -DskipTests -Dspotless.check.skip=true \
    test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
fi
cp="relay-cdc/target/test-classes:relay-cdc/target/classes:relay/target/test-classes:relay/target/classes"
cp="$cp:outbox/target/classes:embedded/target/classes:$(cat relay-cdc/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -Xmx1g "$@" -cp "$cp" io.walletoutbox.relay.cdc.bench.SoakBenchmark
