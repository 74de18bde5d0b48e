package io.walletoutbox.relay.cdc.bench;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.walletoutbox.outbox.OutboxMode;
import io.walletoutbox.relay.cdc.bench.CdcBenchmark.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The relay's commit → ack latency with tracing off and on, measured in alternating pairs in one JVM against the
 * same database and broker ({@code -Dphases=tracing -Dpairs=4}, with {@code -Dtracing=<ratio>}, which {@code
 * TRACING=<ratio>} of the bench script sets): off then on, then on then off, and so on, each a whole woken-polling
 * latency run with its own warm-up, after one pair that is not counted (the JIT's). Runs of separate JVMs minutes apart drift on a shared machine by as much as
 * tracing costs (the same tracing-off run measured p50 3.3 ms and 4.3 ms ten minutes later); pairs side by side
 * share that drift, so the ratio of the medians says what tracing adds. Between the runs the SDK is registered
 * ({@link BenchTracing#start}) and closed and unregistered again, which the libraries' registered-tracer lookup
 * sees at its next use.
 */
final class TracingPairs {
    private TracingPairs() {}

    static List<String> run(
            javax.sql.DataSource db, String bootstrap, int rate, int seconds, int keys, int size, String suffix)
            throws Exception {
        if (System.getProperty("tracing", "off").equals("off")) {
            throw new IllegalArgumentException("-Dphases=tracing needs tracing on: TRACING=<ratio> for the script");
        }
        int pairs = Integer.getInteger("pairs", 4);
        // One pair first, not counted: the JIT compiles the relay's, the writer's and the SDK's code during it, so
        // the first counted run of either kind is not the one that paid for compiling.
        latency(db, bootstrap, rate, seconds, keys, size);
        try (var sdk = BenchTracing.start()) {
            latency(db, bootstrap, rate, seconds, keys, size);
        }
        GlobalOpenTelemetry.resetForTest();
        System.out.println("tracing pairs: one warm-up pair done, not counted");
        var off = new ArrayList<Latency>();
        var on = new ArrayList<Latency>();
        for (int i = 0; i < pairs; i++) {
            boolean onFirst = i % 2 == 1;
            for (boolean traced : onFirst ? new boolean[] {true, false} : new boolean[] {false, true}) {
                if (traced) {
                    try (var sdk = BenchTracing.start()) {
                        on.add(latency(db, bootstrap, rate, seconds, keys, size));
                    }
                    GlobalOpenTelemetry.resetForTest();
                } else {
                    off.add(latency(db, bootstrap, rate, seconds, keys, size));
                }
            }
            System.out.printf(
                    "tracing pair %d: off p50 %.2f ms p99 %.2f ms; on p50 %.2f ms p99 %.2f ms%n",
                    i + 1,
                    off.get(i).p50Micros() / 1000.0,
                    off.get(i).p99Micros() / 1000.0,
                    on.get(i).p50Micros() / 1000.0,
                    on.get(i).p99Micros() / 1000.0);
        }
        String sampling = System.getProperty("tracing");
        return List.of(
                result("tracing_latency_p50_polling_woken" + suffix, off, on, Latency::p50Micros, sampling),
                result("tracing_latency_p99_polling_woken" + suffix, off, on, Latency::p99Micros, sampling));
    }

    private static Latency latency(javax.sql.DataSource db, String bootstrap, int rate, int seconds, int keys, int size)
            throws Exception {
        return CdcBenchmark.latency(db, bootstrap, OutboxMode.TABLE, null, rate, seconds, keys, size, true);
    }

    private static String result(
            String name, List<Latency> off, List<Latency> on, ToLongFunction<Latency> figure, String sampling) {
        double offMs = median(off, figure) / 1000.0;
        double onMs = median(on, figure) / 1000.0;
        return String.format(
                "RESULT %s %.2f ms reference=%.2f ratio=%.2f goal=ratio<=1.10(tracing_%s_vs_off;medians_of_%d_pairs)",
                name, onMs, offMs, onMs / offMs, sampling, off.size());
    }

    private static double median(List<Latency> runs, ToLongFunction<Latency> figure) {
        long[] values = runs.stream().mapToLong(figure).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
    }
}
