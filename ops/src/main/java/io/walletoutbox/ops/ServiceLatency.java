package io.walletoutbox.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Accepted → appended on Kafka, for the running service (roles api and relay): an open-loop load at a fixed rate of
 * {@code POST /wallets/{id}/bill-payments} (each request sent at its due time whatever the previous ones did), and a
 * consumer of the events topic in the same JVM that notes when each payment's {@code BillPaymentRequested} event
 * arrives. A payment's latency is the time from the client's receipt of its {@code 202 Accepted} to the consumer's
 * receipt of its event (one clock: {@code System.nanoTime} of this JVM); it includes the consumer's own fetch, and it
 * is negative when the event arrived before the response. Run by {@code ops/bench/service-latency-bench.sh}.
 *
 * <p>Usage: {@code ServiceLatency <baseUrl> <bootstrapServers> <topic> <rates> <seconds> <wallets> [warmupSeconds]},
 * {@code rates} a comma-separated list of payments per second, each run after the other for {@code seconds} on the
 * same wallets (an unmeasured warm-up at the first rate before). Tokens as {@link PaymentLoad}: wallet {@code i}
 * belongs to user {@code svc-i}. Prints per rate one summary line and {@code RESULT} lines (see {@code
 * ops/bench/all.sh}): {@code service.latency.<rate>.p50}/{@code .p99} (ms), {@code service.rate.<rate>} (payments/s
 * accepted against the offered rate), {@code service.backlog.<rate>} (payments accepted and not yet on Kafka when
 * the load stopped). Loopback only.
 */
public final class ServiceLatency {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceLatency() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println(
                    "usage: ServiceLatency <baseUrl> <bootstrapServers> <topic> <rates> <seconds> <wallets> [warmup]");
            System.exit(2);
        }
        URI base = URI.create(args[0]);
        if (!List.of("localhost", "127.0.0.1", "[::1]").contains(base.getHost())) {
            System.err.println("ServiceLatency sends traffic to loopback addresses only");
            System.exit(2);
        }
        String bootstrap = args[1];
        String topic = args[2];
        List<Integer> rates =
                Arrays.stream(args[3].split(",")).map(Integer::parseInt).toList();
        int seconds = Integer.parseInt(args[4]);
        int walletCount = Integer.parseInt(args[5]);
        int warmup = args.length > 6 ? Integer.parseInt(args[6]) : 10;
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Tokens tokens = Tokens.fromEnvironment(null);
        List<String[]> wallets = createWallets(http, base, tokens, walletCount);

        var appended = new ConcurrentHashMap<String, Long>();
        var stop = new AtomicBoolean();
        var ready = new java.util.concurrent.CountDownLatch(1);
        Thread consumer = Thread.ofPlatform()
                .name("events-consumer")
                .start(() -> consume(bootstrap, topic, appended, stop, ready));
        if (!ready.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the consumer of " + topic + " did not start");
        }
        var results = new ArrayList<String>();
        try {
            if (warmup > 0) {
                load(http, base, wallets, rates.getFirst(), warmup, appended);
            }
            for (int rate : rates) {
                results.addAll(measure(http, base, wallets, rate, seconds, appended));
            }
        } finally {
            stop.set(true);
            consumer.join();
        }
        System.out.println();
        results.forEach(System.out::println);
    }

    private static List<String> measure(
            HttpClient http, URI base, List<String[]> wallets, int rate, int seconds, Map<String, Long> appended)
            throws Exception {
        var run = load(http, base, wallets, rate, seconds, appended);
        long stopped = System.nanoTime();
        // In flight when the load stopped: accepted, not yet on the topic.
        long backlog = run.accepted.keySet().stream()
                .filter(id -> {
                    Long at = appended.get(id);
                    return at == null || at > stopped;
                })
                .count();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !appended.keySet().containsAll(run.accepted.keySet())) {
            Thread.sleep(20);
        }
        long drained = System.nanoTime();
        long missing = run.accepted.keySet().stream()
                .filter(id -> !appended.containsKey(id))
                .count();
        long[] micros = run.accepted.entrySet().stream()
                .filter(e -> appended.containsKey(e.getKey()))
                .mapToLong(e -> (appended.get(e.getKey()) - e.getValue()) / 1000)
                .sorted()
                .toArray();
        long[] api = run.apiMicros.stream().mapToLong(Long::longValue).sorted().toArray();
        double achieved = run.accepted.size() / run.seconds;
        System.out.printf(
                Locale.ROOT,
                "service at %d payments/s for %d s: %d accepted (%.1f/s), %d failed %s; API latency p50 %.1f ms, p99"
                        + " %.1f ms; accepted -> appended p50 %.1f ms, p99 %.1f ms, max %.1f ms; backlog when the load"
                        + " stopped %d, drained %.1f s later, %d never seen%n",
                rate,
                seconds,
                run.accepted.size(),
                achieved,
                run.failed.get(),
                run.failures,
                pct(api, 0.50),
                pct(api, 0.99),
                pct(micros, 0.50),
                pct(micros, 0.99),
                micros.length == 0 ? Double.NaN : micros[micros.length - 1] / 1000.0,
                backlog,
                (drained - stopped) / 1e9,
                missing);
        String p = "service.";
        return List.of(
                result(p + "latency." + rate + ".p50", pct(micros, 0.50), "ms", null, rate <= 200 ? "value<=10" : "-"),
                result(p + "latency." + rate + ".p99", pct(micros, 0.99), "ms", null, rate <= 200 ? "value<=50" : "-"),
                result(p + "rate." + rate, achieved, "payments/s", (double) rate, "ratio>=0.95"),
                // Keeping up: no more in flight at the end than 50 ms of load (the p99 goal).
                result(p + "backlog." + rate, backlog + missing, "payments", null, "value<=" + Math.max(1, rate / 20)));
    }

    private record Run(
            Map<String, Long> accepted,
            ConcurrentLinkedQueue<Long> apiMicros,
            AtomicLong failed,
            Map<String, Long> failures,
            double seconds) {}

    /** Sends {@code rate × seconds} payments, each at its due time, on virtual threads; returns when all answered. */
    private static Run load(
            HttpClient http, URI base, List<String[]> wallets, int rate, int seconds, Map<String, Long> appended)
            throws InterruptedException {
        var accepted = new ConcurrentHashMap<String, Long>();
        var apiMicros = new ConcurrentLinkedQueue<Long>();
        var failed = new AtomicLong();
        var failures = new java.util.concurrent.ConcurrentSkipListMap<String, Long>();
        int total = rate * seconds;
        long t0 = System.nanoTime() + 50_000_000L;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = t0 + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing the offered load
                }
                String[] wallet = wallets.get(i % wallets.size());
                pool.submit(() -> {
                    long sent = System.nanoTime();
                    try {
                        var response = http.send(
                                HttpRequest.newBuilder(base.resolve("/wallets/" + wallet[0] + "/bill-payments"))
                                        .header("Authorization", wallet[1])
                                        .header("Content-Type", "application/json")
                                        .header(
                                                "Idempotency-Key",
                                                UUID.randomUUID().toString())
                                        .POST(HttpRequest.BodyPublishers.ofString(
                                                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1001\",\"amount\":1}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        long at = System.nanoTime();
                        if (response.statusCode() == 202) {
                            accepted.put(
                                    JSON.readTree(response.body()).get("id").asText(), at);
                            apiMicros.add((at - sent) / 1000);
                        } else {
                            failed.incrementAndGet();
                            failures.merge("HTTP " + response.statusCode(), 1L, Long::sum);
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        failures.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                    }
                    return null;
                });
            }
        }
        return new Run(accepted, apiMicros, failed, failures, (System.nanoTime() - t0) / 1e9);
    }

    /** Reads the topic from its end, noting the first arrival of each payment's BillPaymentRequested event. */
    private static void consume(
            String bootstrap,
            String topic,
            Map<String, Long> appended,
            AtomicBoolean stop,
            java.util.concurrent.CountDownLatch ready) {
        // The connection's security from the environment, as the service reads it (empty for the embedded broker).
        var settings =
                new java.util.HashMap<>(io.walletoutbox.embedded.BenchInfrastructure.kafkaSettings(System.getenv()));
        settings.putAll(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                100,
                ConsumerConfig.CLIENT_ID_CONFIG,
                "service-latency"));
        try (var consumer =
                new KafkaConsumer<byte[], byte[]>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, before the load starts
            ready.countDown();
            while (!stop.get()) {
                for (var record : consumer.poll(Duration.ofMillis(100))) {
                    long at = System.nanoTime();
                    try {
                        JsonNode event = JSON.readTree(record.value());
                        if (event.has("paymentId") && event.has("biller")) { // BillPaymentRequested
                            appended.putIfAbsent(event.get("paymentId").asText(), at);
                        }
                    } catch (java.io.IOException e) {
                        // not a JSON event: not one of ours
                    }
                }
            }
        }
    }

    /** Creates and funds {@code count} wallets, each of its own user; returns id and Authorization header. */
    private static List<String[]> createWallets(HttpClient http, URI base, Tokens tokens, int count) throws Exception {
        List<String[]> wallets = new ArrayList<>();
        String funding = tokens.bearer("svc-funding", Tokens.FUND);
        for (int i = 0; i < count; i++) {
            String owner = tokens.bearer("svc-" + i);
            String id = FundedWallets.create(http, base, owner, funding, "svc-seed-");
            wallets.add(new String[] {id, owner});
        }
        return wallets;
    }

    private static double pct(long[] sortedMicros, double p) {
        if (sortedMicros.length == 0) {
            return Double.NaN;
        }
        return sortedMicros[Math.min(sortedMicros.length - 1, (int) Math.ceil(p * sortedMicros.length) - 1)] / 1000.0;
    }

    /** One line of the {@code ops/bench/all.sh} convention; no reference gives {@code reference=- ratio=-}. */
    private static String result(String name, double value, String unit, Double reference, String goal) {
        return String.format(
                Locale.ROOT,
                "RESULT %s %s %s reference=%s ratio=%s goal=%s",
                name,
                num(value),
                unit,
                reference == null ? "-" : num(reference),
                reference == null || reference == 0 ? "-" : String.format(Locale.ROOT, "%.2f", value / reference),
                goal);
    }

    private static String num(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v)
                ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
