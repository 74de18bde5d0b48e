#!/usr/bin/env bash
# The chaos suite: the fat jar as separate processes by role (api, relay-a, relay-b, consumer-a[, more]) against a
# real PostgreSQL, a real Kafka broker and the biller simulators, all on 127.0.0.1; faults on a seeded schedule;
# invariants I1–I7 checked from the database, the topic, its dead-letter topic and the billers' /v1/charges. One
# line per scenario and seed; exit status 1 on any violation.
#
# Usage: ops/chaos/run.sh --short                 all scenarios, small load (CI; under 15 minutes)
#        ops/chaos/run.sh --long --seeds 5        all scenarios, more load, seeds 1..5
#        ops/chaos/run.sh --scenario api-kill9 --seed 7   one scenario, one seed (reproduces that run)
# Other flags: --work DIR (keep logs and data there; default a temporary directory, removed on success).
# Set SKIP_BUILD=1 to use the jar and classes already built.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bin/jdk.sh
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  bin/mvn -q -B -DskipTests -Dspotless.check.skip=true package -pl app,ops -am
fi
args=("$@")
work=""
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ "${args[i]}" == --work ]] && work="${args[i + 1]}"
done
keep=1
if [[ -z "$work" ]]; then
  work=$(mktemp -d -t chaos.XXXXXX)
  args+=(--work "$work")
  keep=0
fi
set +e
"$JAVA_HOME/bin/java" -Xmx512m -cp "ops/target/classes:$(cat ops/target/classpath.txt)" \
  io.walletoutbox.ops.chaos.ChaosMain --jar app/target/wallet-outbox.jar "${args[@]}"
status=$?
set -e
if [[ $status -ne 0 || $keep -eq 1 ]]; then
  echo "chaos: logs and data kept in $work (service logs in $work/logs)"
else
  rm -rf "$work"
fi
exit $status
