package io.walletoutbox.ops.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link ScaleRun} measures over a topology's window and how it reports it: the counters read at the window's
 * edges ({@link Edge}), the figures computed from them, the database and the load ({@link #of}), and the lines
 * printed per topology and, at the end, per figure against the reference topology ({@link #report}).
 */
final class ScaleFigures {
    private ScaleFigures() {}

    /** One figure of one topology, and whether it has a counterpart in the reference. */
    record Figure(String name, double value, String unit, boolean compared) {}

    /**
     * The counters at one edge of the window: the database's clock, the relays' publish-latency buckets, the
     * machine's [busy, total] ticks and each process's CPU ticks.
     */
    record Edge(Timestamp db, Map<Double, Double> histogram, long[] machine, Map<String, Long> cpu) {
        /** Read at the window's start: the processes' CPU first, the database's clock last. */
        static Edge opening(Cluster cluster, List<Cluster.Service> relays, Map<String, Long> pids) throws Exception {
            Map<String, Long> cpu = ProcessCpu.ticks(pids);
            long[] machine = ProcessCpu.machineTicks();
            Map<Double, Double> histogram = publishHistogram(relays);
            return new Edge(dbNow(cluster), histogram, machine, cpu);
        }

        /** Read at the window's end, in the opposite order: the database's clock first. */
        static Edge closing(Cluster cluster, List<Cluster.Service> relays, Map<String, Long> pids) throws Exception {
            Timestamp db = dbNow(cluster);
            Map<Double, Double> histogram = publishHistogram(relays);
            long[] machine = ProcessCpu.machineTicks();
            return new Edge(db, histogram, machine, ProcessCpu.ticks(pids));
        }
    }

    /**
     * The figures of a window of {@code seconds} between {@code from} and {@code to}, read after the load stopped
     * (the outbox backlog is the one at the end).
     */
    static List<Figure> of(Cluster cluster, ScaleLoad load, double seconds, Map<String, Long> pids, Edge from, Edge to)
            throws SQLException {
        Timestamp db0 = from.db();
        Timestamp db1 = to.db();
        List<Figure> figures = new ArrayList<>();
        long[] lat = load.windowLatencies();
        figures.add(new Figure("accepted", load.windowAccepted() / seconds, "payments/s", true));
        try (Connection c = cluster.db();
                var s = c.prepareStatement("SELECT count(*) FILTER (WHERE created_at >= ? AND created_at < ?),"
                        + " count(*) FILTER (WHERE completed_at >= ? AND completed_at < ?),"
                        + " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at -"
                        + " created_at)) FILTER (WHERE completed_at >= ? AND completed_at < ?),"
                        + " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at -"
                        + " created_at)) FILTER (WHERE completed_at >= ? AND completed_at < ?)"
                        + " FROM bill_payment")) {
            for (int i = 0; i < 4; i++) {
                s.setTimestamp(2 * i + 1, db0);
                s.setTimestamp(2 * i + 2, db1);
            }
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                double dbSeconds = (db1.getTime() - db0.getTime()) / 1000.0;
                figures.add(new Figure("accepted_db", rs.getLong(1) / dbSeconds, "payments/s", true));
                figures.add(new Figure("completed", rs.getLong(2) / dbSeconds, "payments/s", true));
                figures.add(new Figure("accept_latency_p50", pct(lat, 0.5) / 1e6, "ms", true));
                figures.add(new Figure("accept_latency_p99", pct(lat, 0.99) / 1e6, "ms", true));
                Map<Double, Double> delta = new TreeMap<>();
                to.histogram()
                        .forEach((le, n) -> delta.put(le, n - from.histogram().getOrDefault(le, 0.0)));
                figures.add(new Figure("commit_to_ack_p50", quantile(delta, 0.5) * 1000, "ms", true));
                figures.add(new Figure("commit_to_ack_p99", quantile(delta, 0.99) * 1000, "ms", true));
                figures.add(new Figure("created_to_completed_p50", rs.getDouble(3) * 1000, "ms", true));
                figures.add(new Figure("created_to_completed_p99", rs.getDouble(4) * 1000, "ms", true));
            }
        }
        figures.add(new Figure("failed_requests", load.windowFailures(), "requests", true));
        try (Connection c = cluster.db();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM outbox_event")) {
            rs.next();
            figures.add(new Figure("outbox_backlog_at_end", rs.getLong(1), "events", true));
        }
        double hz = 100.0; // USER_HZ on Linux
        Map<String, Double> perRole = new LinkedHashMap<>();
        for (var e : pids.entrySet()) {
            double pct = (to.cpu().getOrDefault(e.getKey(), 0L) - from.cpu().getOrDefault(e.getKey(), 0L))
                    / hz
                    / seconds
                    * 100;
            figures.add(new Figure("cpu." + e.getKey(), pct, "%core", false));
            String role = e.getKey().replaceAll("-\\d+$", "");
            perRole.merge(role, pct, Double::sum);
        }
        perRole.forEach((role, pct) -> figures.add(new Figure("cpu_role." + role, pct, "%core", true)));
        long busy = to.machine()[0] - from.machine()[0];
        long total = to.machine()[1] - from.machine()[1];
        figures.add(new Figure("cpu_machine_busy", total == 0 ? 0 : 100.0 * busy / total, "%", true));
        return figures;
    }

    /** One line per figure of {@code topology}, as it finishes. */
    static void print(String topology, List<Figure> figures) {
        for (Figure f : figures) {
            System.out.printf("%s: %s = %s %s%n", topology, f.name(), number(f.value()), f.unit());
        }
    }

    /**
     * One {@code RESULT} line per figure of every topology, with the reference topology's ({@code one}) value and
     * the ratio to it where the figure is compared.
     */
    static void report(Map<String, List<Figure>> results) {
        Map<String, Double> reference = new LinkedHashMap<>();
        List<Figure> first = results.get("one");
        if (first != null) {
            first.forEach(f -> reference.put(f.name(), f.value()));
        }
        for (var e : results.entrySet()) {
            for (Figure f : e.getValue()) {
                Double ref = e.getKey().equals("one") || !f.compared() ? null : reference.get(f.name());
                String ratio = ref == null || ref == 0 ? "-" : String.format("%.2f", f.value() / ref);
                System.out.printf(
                        "RESULT scale.%s.%s %s %s reference=%s ratio=%s goal=-%n",
                        e.getKey(), f.name(), number(f.value()), f.unit(), ref == null ? "-" : number(ref), ratio);
            }
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final Pattern BUCKET =
            Pattern.compile("^relay_publish_latency_seconds_bucket\\{.*le=\"([^\"]+)\".*} (\\S+)$");

    /** The relays' {@code relay_publish_latency_seconds} buckets, summed over the relays: upper bound → count. */
    private static Map<Double, Double> publishHistogram(List<Cluster.Service> relays) throws Exception {
        Map<Double, Double> sum = new TreeMap<>();
        for (Cluster.Service relay : relays) {
            String body = HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.managementPort + "/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            for (String line : body.split("\n")) {
                Matcher m = BUCKET.matcher(line);
                if (m.matches()) {
                    double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                    sum.merge(le, Double.parseDouble(m.group(2)), Double::sum);
                }
            }
        }
        return sum;
    }

    /** The quantile {@code q} of cumulative buckets, interpolated linearly inside the bucket it falls in. */
    static double quantile(Map<Double, Double> cumulative, double q) {
        double total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double prevLe = 0;
        double prevCount = 0;
        for (var e : new TreeMap<>(cumulative).entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return prevLe;
                }
                double inBucket = e.getValue() - prevCount;
                return inBucket <= 0 ? e.getKey() : prevLe + (e.getKey() - prevLe) * (rank - prevCount) / inBucket;
            }
            prevLe = e.getKey();
            prevCount = e.getValue();
        }
        return prevLe;
    }

    private static Timestamp dbNow(Cluster cluster) throws SQLException {
        try (Connection c = cluster.db();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e12 ? Long.toString((long) v) : String.format("%.1f", v);
    }
}
