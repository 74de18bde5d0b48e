package io.walletoutbox.relay.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import io.walletoutbox.outbox.OutboxAdmin;
import io.walletoutbox.outbox.OutboxConfig;
import io.walletoutbox.outbox.OutboxSchema;
import io.walletoutbox.relay.KafkaProducers;
import io.walletoutbox.relay.PollingRelay;
import io.walletoutbox.relay.Relay;
import io.walletoutbox.relay.RelayConfig;
import io.walletoutbox.relay.RelayMeterBinder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.tools.ProducerPerformance;
import org.jdbi.v3.core.Jdbi;

/**
 * Drains a pre-filled outbox with the polling relay and compares its rate with Kafka's own {@code
 * ProducerPerformance} (same broker, same run, same record size and producer settings). Run by {@code
 * ops/bench/relay-bench.sh}; starts an embedded PostgreSQL and broker.
 *
 * <p>System properties: {@code events} (100000), {@code size} (payload bytes, 300), {@code keys} (comma-separated
 * key counts, each measured in turn: "1000,10"), {@code policy} (the relay topic's parking policy, BLOCK as the
 * service's events topic, or SKIP), {@code workers} (relay workers, 8), {@code batch} (relay batch size, 500),
 * {@code partitions} (8), {@code rounds} (3: the two alternate, medians reported). Besides the human-readable
 * summary, one line per figure: {@code RESULT <name> <value> <unit> reference=<value> ratio=<value> goal=<text>}.
 */
public final class RelayBenchmark {
    private static final Pattern RATE = Pattern.compile("records sent, ([\\d.]+) records/sec");

    private RelayBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = Integer.getInteger("events", 100_000);
        int size = Integer.getInteger("size", 300);
        var keyCounts = java.util.Arrays.stream(
                        System.getProperty("keys", "1000,10").split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        var policy = io.walletoutbox.relay.ParkingPolicy.valueOf(System.getProperty("policy", "BLOCK"));
        var results = new ArrayList<String>();
        int workers = Integer.getInteger("workers", 8);
        int batch = Integer.getInteger("batch", 500);
        int partitions = Integer.getInteger("partitions", 8);
        var infra = SharedInfrastructure.get();
        String bootstrap = infra.bootstrapServers();
        Map<String, Object> settings = KafkaProducers.settings(bootstrap, "bench", 20_000);

        for (int keys : keyCounts) {
            int rounds = Integer.getInteger("rounds", 3);
            String db = infra.newDatabase("relay_bench_" + keys);
            String url = db + (db.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
            // Alternate the two, so that the load of a shared machine hits both alike; report the medians.
            var references = new ArrayList<Double>();
            var relays = new ArrayList<Double>();
            var ceilings = new ArrayList<Double>();
            try (var ds = TestPools.pool(url, workers + 2).open()) {
                OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
                Jdbi jdbi = Jdbi.create(ds);
                for (int round = 1; round <= rounds; round++) {
                    references.add(producerPerformance(
                            bootstrap, newTopic(bootstrap, "bench-reference", partitions), events, size, settings));
                    String topic = newTopic(bootstrap, "bench-relay", partitions);
                    fill(jdbi, topic, events, size, keys);
                    jdbi.useHandle(h -> h.execute("VACUUM ANALYZE outbox_event"));
                    relays.add(drain(jdbi, () -> kafkaProducer(bootstrap), topic, policy, events, workers, batch));
                    // The same drain with Kafka replaced by an always-acknowledging stub: the database's share.
                    fill(jdbi, topic, events, size, keys);
                    jdbi.useHandle(h -> h.execute("VACUUM ANALYZE outbox_event"));
                    ceilings.add(drain(jdbi, RelayBenchmark::stubProducer, topic, policy, events, workers, batch));
                    System.out.printf(
                            "round %d: reference %.0f records/s, relay %.0f events/s, relay without Kafka %.0f events/s%n",
                            round, references.getLast(), relays.getLast(), ceilings.getLast());
                }
            }
            double reference = median(references);
            double relay = median(relays);
            System.out.printf(
                    "%nrelay-bench: %d events of %d-byte payloads, %d keys, policy %s, %d partitions, relay workers %d,"
                            + " batch %d, median of %d rounds%n",
                    events, size, keys, policy, partitions, workers, batch, rounds);
            System.out.printf("  ProducerPerformance: %10.0f records/s   %s%n", reference, references);
            System.out.printf("  polling relay:       %10.0f events/s    %s%n", relay, relays);
            System.out.printf("  ratio relay/reference: %.2f%n", relay / reference);
            var ratios = new ArrayList<Double>();
            for (int i = 0; i < relays.size(); i++) {
                ratios.add(Math.round(100 * relays.get(i) / references.get(i)) / 100.0);
            }
            System.out.printf("  ratio per round: %s (median %.2f)%n", ratios, median(ratios));
            System.out.printf(
                    "  relay with a stub producer (database ceiling): %.0f events/s   %s%n",
                    median(ceilings), ceilings);
            double goal = keys >= 1000 ? 0.5 : 0.25;
            results.add(String.format(
                    "RESULT relay_drain_%s_keys%d %.0f events/s reference=%.0f ratio=%.2f goal=>=%.2fx_ProducerPerformance",
                    policy.name().toLowerCase(), keys, relay, reference, relay / reference, goal));
            results.add(String.format(
                    "RESULT relay_drain_stub_%s_keys%d %.0f events/s reference=%.0f ratio=%.2f goal=none(database_ceiling)",
                    policy.name().toLowerCase(), keys, median(ceilings), reference, median(ceilings) / reference));
        }
        System.out.println();
        results.forEach(System.out::println);
        System.exit(0); // the shared infrastructure stops in its shutdown hook
    }

    private static double median(List<Double> values) {
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String newTopic(String bootstrap, String name, int partitions) throws Exception {
        String topic = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get();
        }
        return topic;
    }

    /** Runs Kafka's tool in this JVM and reads the rate from its summary line. */
    private static double producerPerformance(
            String bootstrap, String topic, int events, int size, Map<String, Object> settings) throws Exception {
        var args = new ArrayList<>(List.of(
                "--topic",
                topic,
                "--num-records",
                Integer.toString(events),
                "--record-size",
                Integer.toString(size),
                "--throughput",
                "-1",
                "--producer-props"));
        settings.forEach((k, v) -> args.add(k + "=" + v));
        PrintStream out = System.out;
        var captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ProducerPerformance.main(args.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        var lines = text.lines().filter(l -> RATE.matcher(l).find()).toList();
        var m = RATE.matcher(lines.getLast());
        m.find();
        return Double.parseDouble(m.group(1));
    }

    /** Inserts the events as the outbox writer would (same columns, same shard function), in big batches. */
    private static void fill(Jdbi jdbi, String topic, int events, int size, int keys) {
        var random = new Random(1);
        var config = OutboxConfig.DEFAULTS;
        long start = System.nanoTime();
        for (int from = 0; from < events; from += 5000) {
            int to = Math.min(events, from + 5000);
            int first = from;
            jdbi.useTransaction(h -> {
                var insert = h.prepareBatch("""
                        INSERT INTO outbox_event (event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                  payload, headers, created_at)
                        VALUES (:eventId, :shard, 'Bench', :key, 'BenchEvent', :topic, :payload, '{}'::jsonb, :at)
                        """);
                for (int i = first; i < to; i++) {
                    String key = "key-" + (i % keys);
                    insert.bind("eventId", UUID.randomUUID())
                            .bind("shard", config.shardOf(key))
                            .bind("key", key)
                            .bind("topic", topic)
                            .bind("payload", payload(random, i, size))
                            .bind("at", Timestamp.from(Instant.now()))
                            .add();
                }
                insert.execute();
            });
        }
        System.out.printf(
                "filled the outbox with %d events in %d ms%n",
                events, Duration.ofNanos(System.nanoTime() - start).toMillis());
    }

    /** A JSON document of exactly {@code size} bytes, random capitals like ProducerPerformance's payloads. */
    static String payload(Random random, int seq, int size) {
        var head = "{\"seq\":" + seq + ",\"data\":\"";
        var sb = new StringBuilder(size).append(head);
        while (sb.length() < size - 2) {
            sb.append((char) ('A' + random.nextInt(26)));
        }
        return sb.append("\"}").toString();
    }

    private static Producer<String, byte[]> kafkaProducer(String bootstrap) {
        return new KafkaProducer<>(
                KafkaProducers.settings(bootstrap, "bench-relay", 20_000),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    private static Producer<String, byte[]> stubProducer() {
        return new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> record,
                    org.apache.kafka.clients.producer.Callback callback) {
                var result = super.send(record, callback);
                clear(); // keep no history: 100,000 records would only cost memory
                return result;
            }
        };
    }

    private static double drain(
            Jdbi jdbi,
            java.util.function.Supplier<Producer<String, byte[]>> producer,
            String topic,
            io.walletoutbox.relay.ParkingPolicy policy,
            int events,
            int workers,
            int batch)
            throws InterruptedException {
        var config = RelayConfig.builder("bench-relay")
                .workers(workers)
                .batchSize(batch)
                .parkingPolicy(topic, policy)
                .topics(topic)
                .probeInterval(Duration.ZERO)
                .build();
        var registry = new SimpleMeterRegistry();
        var admin = OutboxAdmin.create(jdbi);
        var metrics = new RelayMeterBinder(admin, Duration.ofMillis(200), Clock.systemUTC());
        metrics.bindTo(registry);
        var published = registry.get("relay.published").counter();
        long start = System.nanoTime();
        try (Relay relay = PollingRelay.create(jdbi, producer, config, metrics)) {
            relay.start();
            while (published.count() < events) {
                Thread.sleep(20);
            }
            // Acks are counted before the rows are deleted; the drain ends when the outbox is empty.
            while (admin.status().backlog() > 0) {
                Thread.sleep(20);
            }
            long nanos = System.nanoTime() - start;
            var batches = registry.get("relay.batch.size").summary();
            System.out.printf(
                    "relay drained %d events in %d ms, %d batches (mean %.0f)%n",
                    events, Duration.ofNanos(nanos).toMillis(), batches.count(), batches.mean());
            return events / (nanos / 1e9);
        }
    }
}
