package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped observability files against a REAL Prometheus server (Debian's {@code prometheus} package; CI
 * installs it, and this test fails, not skips, without it): the server scrapes the running service and loads
 * {@code ops/prometheus/alerts.yml}; then every query of {@code ops/grafana/dashboards/wallet-outbox.json} must be
 * valid and return data, and every alert rule must be loaded and evaluated without error. As in the compose stack, the
 * service traces (to an OTLP receiver in the test) and Prometheus keeps exemplars: the scrapes in the OpenMetrics
 * format, exemplars included, must be accepted, and the exemplars must name traces the service exported.
 *
 * <p>No allow-list is needed: every series a panel reads exists from start-up, even those that only move under
 * faults (dead letters, reconciliation, parked events are gauges or counters registered at 0).
 */
class PrometheusLiveIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ALERT = Pattern.compile("(?m)^\\s*- alert:\\s*(\\S+)\\s*$");
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    /** What Grafana's template variables become in the queries sent here (scrape interval 1 s). */
    private static final Map<String, String> GRAFANA_VARIABLES =
            Map.of("$__rate_interval", "30s", "$__interval", "5s", "$__range", "5m");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static ServiceHarness service;
    private static Path work;
    private static Process prometheus;
    private static String prometheusUrl;
    private static OtlpReceiver receiver;
    private static Path repoRoot;
    private static final List<String> walletIds = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path binary = prometheusBinary();
        repoRoot = repoRoot();
        io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
        receiver = new OtlpReceiver();
        service = new ServiceHarness(
                "promlive",
                Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                        "OTEL_TRACES_SAMPLER", "always_on",
                        "OTEL_BSP_SCHEDULE_DELAY", "100"));
        work = Files.createTempDirectory("prometheus-live-it");
        int port = LoopbackPorts.free();
        prometheusUrl = "http://127.0.0.1:" + port;
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - "%s"
                scrape_configs:
                  - job_name: wallet-outbox
                    metrics_path: /metrics
                    scrape_timeout: 1s
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(alertsFile().toAbsolutePath(), service.runtime.managementPort()));
        prometheus = new ProcessBuilder(
                        binary.toString(),
                        "--config.file=" + config,
                        "--storage.tsdb.path=" + work.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--enable-feature=exemplar-storage",
                        "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("prometheus.log").toFile())
                .start();
        ServiceHarness.await(Duration.ofSeconds(60), "Prometheus to be ready", () -> {
            if (!prometheus.isAlive()) {
                throw new AssertionError("Prometheus exited with " + prometheus.exitValue() + logTail());
            }
            return status(prometheusUrl + "/-/ready") == 200;
        });
        ServiceHarness.await(
                Duration.ofSeconds(30),
                "Prometheus to scrape the service",
                () -> !query("up{job=\"wallet-outbox\"} == 1").isEmpty());
        // Traffic after the first scrapes, so that rates and latency quantiles have something to show.
        for (int i = 0; i < 3; i++) {
            walletIds.add(driveTraffic(i));
        }
        // A GC pause makes jvm_gc_pause_seconds exist for sure (it appears with the first pause).
        System.gc();
        ServiceHarness.await(
                Duration.ofSeconds(60),
                "Prometheus to see payments paid and published",
                () -> !query("sum(rate(biller_calls_payments_total{outcome=\"paid\"}[30s])) > 0")
                                .isEmpty()
                        && !query("sum(rate(relay_published_events_total[30s])) > 0")
                                .isEmpty());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        } finally {
            ServiceHarness.closeAll(service, receiver);
            io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
            if (work != null) {
                try (Stream<Path> files = Files.walk(work)) {
                    files.sorted(Comparator.reverseOrder())
                            .forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void everyDashboardQueryIsValidAndReturnsData() throws Exception {
        JsonNode dashboard = JSON.readTree(dashboardFile().toFile());
        assertEquals("wallet-outbox-overview", dashboard.path("uid").asText(), "the dashboard's uid is stable");
        assertTrue(
                dashboard
                        .path("templating")
                        .path("list")
                        .findValuesAsText("name")
                        .contains("datasource"),
                "the datasource is a template variable");
        Map<String, String> queries = new LinkedHashMap<>();
        collectQueries(dashboard.path("panels"), queries);
        assertTrue(queries.size() >= 20, "the dashboard has its panels' queries: " + queries.size());
        // Some series appear a scrape or two after the traffic (the ledger's gauges read the database every 5 s,
        // and a currency's clearing gauge exists once its clearing account does): ask again until a deadline.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> failures = failingQueries(queries);
        while (!failures.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            failures = failingQueries(queries);
        }
        assertTrue(failures.isEmpty(), "dashboard queries failing:\n" + String.join("\n", failures));
    }

    private static List<String> failingQueries(Map<String, String> queries) {
        List<String> failures = new ArrayList<>();
        for (var q : queries.entrySet()) {
            String expr = q.getValue();
            for (var v : GRAFANA_VARIABLES.entrySet()) {
                expr = expr.replace(v.getKey(), v.getValue());
            }
            if (expr.contains("$")) {
                failures.add(q.getKey() + ": unknown template variable in " + expr);
                continue;
            }
            JsonNode answer = queryRaw(expr);
            if (!"success".equals(answer.path("status").asText())) {
                failures.add(q.getKey() + ": invalid: " + answer.path("error").asText() + " in " + expr);
            } else if (answer.path("data").path("result").isEmpty()) {
                failures.add(q.getKey() + ": no data for " + expr);
            }
        }
        return failures;
    }

    @Test
    void exemplarsReachPrometheusAndNameExportedTraces() {
        long now = System.currentTimeMillis() / 1000;
        List<String> traceIds = new ArrayList<>();
        ServiceHarness.await(Duration.ofSeconds(30), "exemplars of the API's latency in Prometheus", () -> {
            traceIds.clear();
            JsonNode answer = get(prometheusUrl + "/api/v1/query_exemplars?query="
                    + URLEncoder.encode("http_server_requests_seconds_bucket", StandardCharsets.UTF_8)
                    + "&start=" + (now - 600) + "&end=" + (now + 600));
            for (JsonNode series : answer.path("data")) {
                for (JsonNode exemplar : series.path("exemplars")) {
                    traceIds.add(exemplar.path("labels").path("trace_id").asText());
                }
            }
            return !traceIds.isEmpty();
        });
        ServiceHarness.await(
                Duration.ofSeconds(15),
                "an exemplar's trace among the exported spans " + traceIds,
                () -> receiver.spans().stream().anyMatch(span -> traceIds.contains(span.traceId())));
    }

    @Test
    void everyAlertRuleIsLoadedAndEvaluatesWithoutError() throws Exception {
        List<String> expected = new ArrayList<>();
        Matcher m = ALERT.matcher(Files.readString(alertsFile()));
        while (m.find()) {
            expected.add(m.group(1));
        }
        assertTrue(expected.size() >= 8, "alerts.yml has the alerts of the issue: " + expected);
        Map<String, JsonNode> rules = new LinkedHashMap<>();
        ServiceHarness.await(Duration.ofSeconds(30), "every rule to be evaluated at least once", () -> {
            rules.clear();
            for (JsonNode group :
                    get(prometheusUrl + "/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    rules.put(rule.path("name").asText(), rule);
                }
            }
            return rules.keySet().containsAll(expected)
                    && rules.values().stream()
                            .noneMatch(r -> r.path("lastEvaluation").asText().startsWith("0001-"));
        });
        assertEquals(expected.size(), rules.size(), "loaded rules: " + rules.keySet());
        for (var rule : rules.entrySet()) {
            assertEquals(
                    "ok",
                    rule.getValue().path("health").asText(),
                    rule.getKey() + " evaluates: "
                            + rule.getValue().path("lastError").asText());
            assertEquals("alerting", rule.getValue().path("type").asText(), rule.getKey());
            assertFalse(
                    rule.getValue().path("annotations").path("runbook").asText().isBlank(),
                    rule.getKey() + " has a runbook");
            JsonNode answer = queryRaw(rule.getValue().path("query").asText());
            assertEquals("success", answer.path("status").asText(), rule.getKey() + ": " + answer);
        }
        // A healthy service with drained queues has none of them pending or firing.
        List<String> firing = new ArrayList<>();
        for (JsonNode alert : get(prometheusUrl + "/api/v1/alerts").path("data").path("alerts")) {
            firing.add(alert.path("labels").path("alertname").asText() + "/"
                    + alert.path("state").asText());
        }
        assertTrue(firing.isEmpty(), "alerts pending or firing on a healthy service: " + firing);
    }

    @Test
    void metricsHaveKafkaClientFamiliesAndNoUnboundedLabels() {
        service.send(HttpRequest.newBuilder(URI.create(service.baseUrl + "/no/such/" + UUID.randomUUID()))
                .GET()
                .build());
        service.send(HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets"))
                .method("FROBNICATE", HttpRequest.BodyPublishers.noBody())
                .build());
        service.sendRaw(HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + UUID.randomUUID()))
                .GET()
                .build());
        String metrics = service.get("/metrics").body();
        assertTrue(
                metrics.contains("method=\"GET\",status=\"401\",uri=\"/wallets/{walletId}\""),
                "a refused token is counted on the route it asked for");
        assertTrue(metrics.contains("kafka_producer_record_send_total{"), "producer client metrics");
        assertTrue(metrics.contains("kafka_consumer_fetch_manager_records_consumed_total{"), "consumer client metrics");
        assertTrue(metrics.contains("hikaricp_connections_active{"), "pool metrics");
        assertTrue(metrics.contains("jvm_memory_used_bytes{"), "JVM metrics");
        assertTrue(metrics.contains("uri=\"UNMATCHED\""), "unknown paths are one label value");
        assertTrue(metrics.contains("method=\"OTHER\""), "unknown methods are one label value");
        assertFalse(metrics.contains("FROBNICATE"), "a client-chosen method is no label value");
        Matcher ids = UUID_TEXT.matcher(metrics);
        if (ids.find()) {
            fail("an id in /metrics: " + ids.group());
        }
        for (String wallet : walletIds) {
            assertFalse(metrics.contains(wallet), "wallet id " + wallet + " in /metrics");
        }
    }

    @Test
    void readinessNamesEveryPart() throws Exception {
        var ready = service.get("/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        JsonNode checks = JSON.readTree(ready.body()).path("checks");
        for (String part : List.of("postgresql", "kafka", "migrations", "consumer")) {
            assertEquals("UP", checks.path(part).path("status").asText(), part + " in " + ready.body());
        }
    }

    /** One wallet, a top-up and three payments (two paid, one declined); returns the wallet id. */
    private static String driveTraffic(int i) throws Exception {
        var created = service.post("/wallets", "{\"currency\":\"USD\"}", null);
        assertEquals(201, created.statusCode(), created.body());
        String wallet = JSON.readTree(created.body()).path("id").asText();
        var topUp = service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":10000}", "top-" + wallet);
        assertEquals(201, topUp.statusCode(), topUp.body());
        List<String> payments = new ArrayList<>();
        for (String ref : List.of("ACC-1", "ACC-2", "DECLINE-3")) {
            var paid = service.post(
                    "/wallets/" + wallet + "/bill-payments",
                    "{\"biller\":\"wifi\",\"customerRef\":\"" + ref + "\",\"amount\":100}",
                    ref + "-" + wallet);
            assertEquals(202, paid.statusCode(), paid.body());
            payments.add(JSON.readTree(paid.body()).path("id").asText());
        }
        for (String payment : payments) {
            ServiceHarness.await(Duration.ofSeconds(30), "payment " + payment + " to finish", () -> {
                try {
                    String status = JSON.readTree(
                                    service.get("/bill-payments/" + payment).body())
                            .path("status")
                            .asText();
                    return !status.equals("PENDING");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return wallet;
    }

    private static void collectQueries(JsonNode panels, Map<String, String> into) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                if (!expr.isBlank()) {
                    into.put(
                            panel.path("title").asText() + " #"
                                    + target.path("refId").asText(),
                            expr);
                }
            }
            collectQueries(panel.path("panels"), into);
        }
    }

    private static List<JsonNode> query(String expr) {
        JsonNode answer = queryRaw(expr);
        if (!"success".equals(answer.path("status").asText())) {
            throw new AssertionError("query failed: " + expr + ": " + answer);
        }
        List<JsonNode> result = new ArrayList<>();
        answer.path("data").path("result").forEach(result::add);
        return result;
    }

    private static JsonNode queryRaw(String expr) {
        return get(prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    private static JsonNode get(String url) {
        HttpResponse<String> response = send(url);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON from " + url + ": " + response.body(), e);
        }
    }

    private static int status(String url) {
        try {
            return send(url).statusCode();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    private static HttpResponse<String> send(String url) {
        try {
            return HTTP.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(Duration.ofSeconds(10))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The Prometheus server binary: on the PATH, else Debian's location; a missing one fails the test. */
    private static Path prometheusBinary() {
        Optional<Path> onPath = Stream.of(
                        Optional.ofNullable(System.getenv("PATH")).orElse("").split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, "prometheus"))
                .filter(Files::isExecutable)
                .findFirst();
        Path debian = Path.of("/usr/bin/prometheus");
        return onPath.or(() -> Files.isExecutable(debian) ? Optional.of(debian) : Optional.empty())
                .orElseThrow(() -> new AssertionError("the Prometheus server binary is missing: install Debian's"
                        + " 'prometheus' package (apt-get install -y --no-install-recommends prometheus; .ci/run"
                        + " does) or put a 'prometheus' binary on the PATH"));
    }

    /** The repository root: the working directory (the module's, under Maven) or the nearest parent with ops/. */
    private static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("ops/prometheus/alerts.yml"))) {
                return dir;
            }
        }
        return fail("no ops/prometheus/alerts.yml above the working directory "
                + Path.of("").toAbsolutePath());
    }

    private static Path alertsFile() {
        return repoRoot.resolve("ops/prometheus/alerts.yml");
    }

    private static Path dashboardFile() {
        return repoRoot.resolve("ops/grafana/dashboards/wallet-outbox.json");
    }

    private static String logTail() {
        try {
            Path log = work == null ? null : work.resolve("prometheus.log");
            if (log == null || !Files.exists(log)) {
                return "";
            }
            List<String> lines = Files.readAllLines(log);
            return "\nPrometheus log:\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
