package io.walletoutbox.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.walletoutbox.embedded.SharedInfrastructure;
import io.walletoutbox.embedded.TestPools;
import java.time.Duration;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

/** The inbox de-duplicates per consumer and forgets ids only past their retention. */
class InboxIT {

    @Test
    void purgeForgetsOnlyIdsProcessedBeforeTheRetention() {
        var infra = SharedInfrastructure.get();
        String url = infra.newDatabase("inbox_purge");
        try (var ds = TestPools.pool(url, 2).open()) {
            check(ds);
        }
    }

    private static void check(javax.sql.DataSource ds) {
        OutboxSchema.migrate(ds, OutboxConfig.DEFAULTS);
        Jdbi jdbi = Jdbi.create(ds);
        Inbox inbox = Inbox.create();
        UUID old = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        jdbi.useTransaction(h -> {
            assertTrue(inbox.markProcessed(h.getConnection(), "payments", old));
            assertTrue(inbox.markProcessed(h.getConnection(), "payments", recent));
            assertFalse(inbox.markProcessed(h.getConnection(), "payments", recent), "a second mark is refused");
            h.createUpdate("UPDATE inbox SET processed_at = now() - interval '40 days' WHERE event_id = :id")
                    .bind("id", old)
                    .execute();
        });
        assertEquals(1, inbox.purge(ds, Duration.ofDays(30)));
        jdbi.useHandle(h -> {
            assertFalse(inbox.isProcessed(h.getConnection(), "payments", old), "forgotten past the retention");
            assertTrue(inbox.isProcessed(h.getConnection(), "payments", recent), "kept within it");
        });
        assertEquals(0, inbox.purge(ds, Duration.ofDays(30)));
    }
}
