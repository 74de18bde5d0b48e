#!/usr/bin/env bash
# Relay benchmark (issues 4 and 14, item 2): drains a pre-filled outbox of 100,000 events of ~300 bytes with the
# polling relay and runs Kafka's own ProducerPerformance with the same record size and producer settings against the
# same (embedded) broker in the same run; prints both rates and their ratio, for 1,000 keys and for 10 hot keys.
#
# Options, as -D system properties after the script name (e.g. ops/bench/relay-bench.sh -Dkeys=1000 -Drounds=1):
#   -Devents=100000    events drained per run
#   -Dsize=300         payload bytes (also ProducerPerformance's --record-size)
#   -Dkeys=1000,10     key counts, comma-separated, each measured in turn
#   -Dpolicy=BLOCK     parking policy of the relay's topic (BLOCK, as the service's events topic; or SKIP)
#   -Dworkers=8        relay workers;  -Dbatch=500  relay batch size;  -Dpartitions=8  topic partitions
#   -Drounds=3         reference and relay alternate this many times; medians reported
# Output: a human-readable summary, then one machine-readable line per figure:
#   RESULT relay_drain_<policy>_keys<N> <events/s> events/s reference=<ProducerPerformance records/s> ratio=<r> goal=<text>
#   RESULT relay_drain_stub_<policy>_keys<N> <events/s> events/s reference=... (the relay with a stub producer:
#   the database's ceiling, no goal)
#
# Environment: JFR=<file>  records a JFR profile (settings=profile) of the JVM running the relay (the benchmark's own
#   JVM) into <file>; read it with the JDK's jfr tool, e.g. `jfr view hot-methods <file>`,
#   `jfr view contention-by-site <file>`, `jfr print --events jdk.SocketRead <file>`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
# Compile main and test classes of the relay and what it needs (the reactor, no install), and write the test
# class path of the relay module.
./mvnw --batch-mode --no-transfer-progress --quiet -pl relay -am -DskipTests -Dspotless.check.skip=true \
  test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="relay/target/test-classes:relay/target/classes:outbox/target/classes:embedded/target/classes:$(cat relay/target/bench.classpath)"
jfr=()
if [[ -n "${JFR:-}" ]]; then
  jfr=("-XX:StartFlightRecording=filename=$JFR,settings=profile,dumponexit=true")
fi
exec "$JAVA_HOME/bin/java" -Xmx1g "${jfr[@]}" "$@" -cp "$cp" io.walletoutbox.relay.bench.RelayBenchmark
