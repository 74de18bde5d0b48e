#!/usr/bin/env bash
# Relay benchmark (issue 4): drains a pre-filled outbox of 100,000 events of ~300 bytes with the polling relay
# and runs Kafka's own ProducerPerformance with the same record size and producer settings against the same
# (embedded) broker in the same run; prints both rates and their ratio.
# Tunables as -D system properties after the script name, e.g.: ops/bench/relay-bench.sh -Dworkers=8 -Dbatch=1000
# (events, size, keys, workers, batch, partitions; see RelayBenchmark).
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
# Compile main and test classes of the relay and what it needs (the reactor, no install), and write the test
# class path of the relay module.
./mvnw --batch-mode --no-transfer-progress --quiet -pl relay -am -DskipTests -Dspotless.check.skip=true \
  test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="relay/target/test-classes:relay/target/classes:outbox/target/classes:embedded/target/classes:$(cat relay/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -Xmx1g "$@" -cp "$cp" io.walletoutbox.relay.bench.RelayBenchmark
