package io.walletoutbox.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxMode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CDC relay in a child JVM, killed with SIGKILL while events stream through it, then started again: every
 * event reaches Kafka (duplicates allowed: consumers de-duplicate by {@code ce_id}), each key's events first
 * arrive in commit order, and the replay is bounded by what was in flight (the offsets are in PostgreSQL).
 */
class CdcRelayCrashIT {
    private static final int BATCH = 100;
    private RelayFixture fixture;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void setUp() {
        fixture = new RelayFixture("cdc_crash", OutboxMode.LOGICAL_MESSAGE);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        fixture.close();
    }

    @Test
    void relayKilledMidStreamAndRestartedLosesNoEvent() throws Exception {
        String topic = fixture.infra.newTopic("cdc-crash", 4);
        var cdc = CdcTestSupport.config(
                "crash",
                fixture.url,
                fixture.infra.user(),
                RelayContractIT.config("crash").build());
        fixture.register(CdcTestSupport.dropper(CdcTestSupport.dataSource(fixture), cdc));
        Process first = startRelay(cdc.slotName(), topic, "first");

        int keys = 20;
        int perKey = 150;
        var written = new ArrayList<UUID>();
        // The writer stops halfway until the relay has been killed, so the kill always lands mid-stream (a quiet
        // machine could otherwise write everything before the relay published its first 500 events).
        var killed = new java.util.concurrent.CountDownLatch(1);
        var writer = CompletableFuture.runAsync(() -> {
            for (int seq = 0; seq < perKey; seq++) {
                if (seq == perKey / 2) {
                    try {
                        if (!killed.await(2, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("the relay was never killed");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
                var batch = new ArrayList<OutboxEvent>();
                for (int k = 0; k < keys; k++) {
                    batch.add(RelayContractIT.event(topic, "key-" + k, seq));
                }
                fixture.append(batch);
                synchronized (written) {
                    batch.forEach(e -> written.add(e.id()));
                }
            }
        });
        try (var reader = new TopicReader(fixture.infra.bootstrapServers(), topic)) {
            reader.awaitCount(500, RelayContractIT.LONG);
            first.destroyForcibly(); // SIGKILL: no shutdown hook, no offset flush, no goodbye to the slot
            assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the first relay died");
            assertTrue(!writer.isDone(), "killed mid-stream, while events were still being written");
            killed.countDown();
            int beforeRestart = reader.records().size();
            writer.get(2, TimeUnit.MINUTES);
            startRelay(cdc.slotName(), topic, "second");
            var expected = new HashSet<>(written);
            assertEquals(keys * perKey, expected.size());
            var records = reader.awaitUntil(
                    r -> new HashSet<>(RelayContractIT.ids(r)).containsAll(expected), RelayContractIT.LONG, "all");
            RelayContractIT.assertFirstDeliveriesInKeyOrder(records);
            long duplicates = records.size() - new HashSet<>(RelayContractIT.ids(records)).size();
            assertTrue(
                    duplicates <= 2L * BATCH,
                    "replay bounded by the batch in flight: " + duplicates + " duplicates, " + beforeRestart
                            + " records before the restart");
        }
    }

    private Process startRelay(String slot, String topic, String name) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = Path.of("target", "cdc-crash-" + name + ".log");
        Files.createDirectories(log.getParent());
        var process = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-Xmx256m",
                        CdcRelayMain.class.getName(),
                        fixture.url,
                        fixture.infra.user(),
                        fixture.infra.bootstrapServers(),
                        slot,
                        Integer.toString(BATCH),
                        topic)
                .redirectErrorStream(true)
                .start();
        children.add(process);
        // Copy the child's output to a log file, and wait for its "started" (its slot exists from then on).
        var started = new CompletableFuture<Void>();
        Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    var out = Files.newBufferedWriter(log)) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.equals("started")) {
                        started.complete(null);
                    }
                }
            } catch (Exception e) {
                started.completeExceptionally(e);
            }
            started.completeExceptionally(new IllegalStateException("relay process ended; see " + log));
        });
        started.get(2, TimeUnit.MINUTES);
        return process;
    }
}
