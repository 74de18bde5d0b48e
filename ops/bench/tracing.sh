# Sourced by the bench scripts: TRACING=<ratio> (e.g. 0.1 or 1) runs the measured service or relay with tracing on,
# sampling that share of traces (parent-based, the decision at the root), exporting every sampled span over
# OTLP/HTTP to an OtlpSink (ops: a receiver that counts what arrives) started here on a free port; unset or "off":
# tracing off (no OTEL_* variable reaches the service). The sink runs at the lowest CPU priority (nice 19): it stands
# for a collector on another host, whose work is not the service's cost, while on a small machine it would otherwise
# take the cores the measured service, PostgreSQL and Kafka share. Sets OTEL_* for the service and BENCH_TRACING_OPTS (the -D
# options for a benchmark JVM); tracing_report prints what the sink received. Needs ops/target/classes (the scripts
# build the ops module).
TRACING=${TRACING:-off}
BENCH_TRACING_OPTS=()
tracing_sink=""
tracing_counts=""
unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT OTEL_TRACES_EXPORTER OTEL_TRACES_SAMPLER \
  OTEL_TRACES_SAMPLER_ARG OTEL_SDK_DISABLED
if [[ "$TRACING" != off ]]; then
  awk -v r="$TRACING" 'BEGIN{exit !(r + 0 > 0 && r + 0 <= 1)}' \
    || { echo "TRACING must be off or a ratio in (0, 1], was $TRACING" >&2; exit 2; }
  tracing_counts=$(mktemp)
  tracing_log=$(mktemp)
  nice -n 19 "$JAVA_HOME/bin/java" -cp ops/target/classes io.walletoutbox.ops.OtlpSink 0 "$tracing_counts" >"$tracing_log" 2>&1 &
  tracing_sink=$!
  for _ in $(seq 1 50); do
    grep -q "listening on" "$tracing_log" && break
    sleep 0.2
  done
  tracing_port=$(sed -n 's/^OTLP sink listening on //p' "$tracing_log")
  [[ -n "$tracing_port" ]] || { cat "$tracing_log" >&2; echo "the OTLP sink did not start" >&2; exit 1; }
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$tracing_port"
  export OTEL_TRACES_SAMPLER=parentbased_traceidratio
  export OTEL_TRACES_SAMPLER_ARG=$TRACING
  BENCH_TRACING_OPTS=("-Dtracing=$TRACING" "-Dtracing.endpoint=$OTEL_EXPORTER_OTLP_ENDPOINT")
  echo "== tracing on: sampling $TRACING of traces, exporting to an OTLP sink on port $tracing_port"
fi
tracing_report() {
  [[ -n "$tracing_sink" ]] || return 0
  echo "== OTLP sink received: $(cat "$tracing_counts" 2>/dev/null || echo nothing)"
}
tracing_stop() {
  [[ -n "$tracing_sink" ]] || return 0
  kill "$tracing_sink" 2>/dev/null
  wait "$tracing_sink" 2>/dev/null || true
  rm -f "$tracing_counts" "$tracing_log"
  tracing_sink=""
}
