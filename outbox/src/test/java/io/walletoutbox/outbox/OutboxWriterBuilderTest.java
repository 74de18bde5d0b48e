package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The writer's builder passes each named setting to the writer it builds (the server-side form shows them all). */
class OutboxWriterBuilderTest {
    private final OutboxEvent event = OutboxEvent.of("Order", "o-1", "OrderPlaced", "shop.orders", "{}");

    @Test
    void theDefaultsAreTheDefaultTablesInTableModeWakingNobody() {
        ServerSideAppend append =
                OutboxWriter.builder().build().serverSide(event).orElseThrow();
        assertEquals(OutboxMode.TABLE, append.mode());
        assertEquals("outbox_append", append.function());
        assertEquals(OutboxConfig.DEFAULTS.shardOf("o-1"), append.shard());
        append.committed().run(); // nothing to wake, nothing thrown
    }

    @Test
    void everySettingReachesTheWriter() {
        var wakeUps = new AtomicInteger();
        var config = new OutboxConfig(8, OutboxTables.of("shop", "shop_"));
        OutboxWriter writer = OutboxWriter.builder()
                .config(config)
                .mode(OutboxMode.LOGICAL_MESSAGE)
                .afterCommit(wakeUps::incrementAndGet)
                .build();
        ServerSideAppend append = writer.serverSide(event).orElseThrow();
        assertEquals(OutboxMode.LOGICAL_MESSAGE, append.mode());
        assertEquals("shop.shop_outbox_append", append.function());
        assertEquals("walletoutbox.outbox:shop.shop_", append.prefix());
        writer.committed();
        assertEquals(1, wakeUps.get());

        OutboxWriter refusing =
                OutboxWriter.builder().gate(() -> Optional.of("slot missing")).build();
        var refused = assertThrows(OutboxException.WritesRefusedException.class, () -> refusing.serverSide(event));
        assertEquals(true, refused.getMessage().contains("slot missing"), refused.getMessage());
    }
}
