package io.walletoutbox.examples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.testkit.OutboxTestKit;
import io.walletoutbox.outbox.testkit.OutboxTestKitExtension;
import io.walletoutbox.outbox.testkit.SentRecord;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shop's orders against a real PostgreSQL, published by the test kit's relay with the shop's relay
 * configuration to a recording producer (no Kafka): what the relay sends, and what a rollback leaves out.
 */
class OrdersIT {
    private static DataSource dataSource;

    /** The writer's after-commit action: counts the wake-ups a relay of this process would get. */
    private final AtomicInteger wakeUps = new AtomicInteger();

    private Orders orders;

    @RegisterExtension
    static final OutboxTestKitExtension outbox = OutboxTestKitExtension.builder(() -> OutboxTestKit.builder(dataSource)
                    .relayConfig(OrdersRelay.config("orders-it"))
                    .build())
            .build();

    @BeforeAll
    static void database() {
        dataSource = ShopTestDatabase.create(); // the test kit, like the relay, takes the service's data source
    }

    @BeforeEach
    void orders() {
        orders = new Orders(dataSource, OutboxWriter.create(ShopDatabase.OUTBOX, wakeUps::incrementAndGet));
    }

    @Test
    void everyEventIsPublishedOnceWithItsOrdersKeyInCommitOrder(OutboxTestKit kit) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<UUID, String> written = new LinkedHashMap<>(); // event id -> order id, in commit order
        Map<UUID, String> payloads = new LinkedHashMap<>();
        Map<String, List<UUID>> byOrder = new LinkedHashMap<>();
        List<String> customers = List.of("alice", "bob", "carol");
        for (int i = 0; i < 9; i++) {
            String orderId = "order-" + run + "-" + i;
            String customer = customers.get(i % customers.size());
            UUID placed = orders.place(orderId, customer, 1000L + i);
            written.put(placed, orderId);
            payloads.put(placed, new OrderPlaced(orderId, customer, 1000L + i).toJson());
            byOrder.computeIfAbsent(orderId, k -> new ArrayList<>()).add(placed);
        }
        for (int i = 0; i < 9; i += 3) { // cancel orders 0, 3 and 6, after the others were placed
            String orderId = "order-" + run + "-" + i;
            UUID cancelled = orders.cancel(orderId);
            written.put(cancelled, orderId);
            payloads.put(cancelled, new OrderCancelled(orderId).toJson());
            byOrder.get(orderId).add(cancelled);
        }
        assertEquals(12, wakeUps.get(), "one wake-up after each commit");

        List<SentRecord> sent = kit.drain();

        assertEquals(12, sent.size(), "every event once: " + sent);
        assertEquals(written.keySet(), sent.stream().map(SentRecord::eventId).collect(Collectors.toSet()));
        for (SentRecord r : sent) {
            String orderId = written.get(r.eventId());
            assertEquals(Orders.TOPIC, r.topic());
            assertEquals(orderId, r.key(), "key = aggregate id = order id");
            assertEquals(payloads.get(r.eventId()), r.valueAsString());
            assertEquals("/" + Orders.AGGREGATE_TYPE, r.header("ce_source"));
            assertEquals("application/json", r.header("content-type"));
            boolean placed = byOrder.get(orderId).getFirst().equals(r.eventId());
            assertEquals(placed ? OrderPlaced.TYPE : OrderCancelled.TYPE, r.header("ce_type"));
        }
        Map<String, List<UUID>> sentByOrder = sent.stream()
                .collect(Collectors.groupingBy(
                        SentRecord::key,
                        LinkedHashMap::new,
                        Collectors.mapping(SentRecord::eventId, Collectors.toList())));
        assertEquals(byOrder, sentByOrder, "each order's events in the order they committed");
        assertEquals(List.of(), kit.drain(), "nothing is published twice");
    }

    @Test
    void aRolledBackChangePublishesNothing(OutboxTestKit kit) throws SQLException {
        String orderId = "order-" + UUID.randomUUID();
        UUID placed = orders.place(orderId, "alice", 500);

        assertThrows(OrdersException.DuplicateOrderException.class, () -> orders.place(orderId, "mallory", 1));
        assertThrows(OrdersException.NotCancellableException.class, () -> orders.cancel("order-never-placed"));

        List<SentRecord> sent = kit.drain();
        assertEquals(List.of(placed), sent.stream().map(SentRecord::eventId).toList());
        assertEquals(1, wakeUps.get(), "no wake-up after a rollback");
        try (var c = dataSource.getConnection();
                var count = c.prepareStatement("SELECT customer FROM shop_orders WHERE order_id = ?")) {
            count.setString(1, orderId);
            var rows = count.executeQuery();
            assertTrue(rows.next());
            assertEquals("alice", rows.getString(1), "the first order stands, unchanged");
            assertTrue(!rows.next());
        }
    }

    @Test
    void aRelayInTheBackgroundPublishesWhatCommits(OutboxTestKit kit) {
        kit.startRelay(); // its workers lease the shards of the outbox in schema shop
        String orderId = "order-" + UUID.randomUUID();

        UUID placed = orders.place(orderId, "bob", 700);
        UUID cancelled = orders.cancel(orderId);

        kit.awaitPublished(placed, Duration.ofSeconds(30));
        kit.awaitPublished(cancelled, Duration.ofSeconds(30));
        List<UUID> sent = kit.sent().stream()
                .filter(r -> orderId.equals(r.key()))
                .map(SentRecord::eventId)
                .toList();
        assertEquals(List.of(placed, cancelled), sent);
        assertEquals(2, new HashSet<>(sent).size());
    }
}
