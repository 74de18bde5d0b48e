package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The purge jobs run every {@code RETENTION_INTERVAL}: an instance of the api and consumer roles removes expired
 * idempotency keys and processed event ids past {@code INBOX_RETENTION}, and keeps the processed event id of a
 * payment in unresolved reconciliation.
 */
class RetentionIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness(
                "retention", Map.of("ROLES", "api,consumer", "RETENTION_INTERVAL", "1s", "INBOX_RETENTION", "1h"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void oldProcessedEventIdsArePurgedExceptThoseOfPaymentsInReconciliation() throws Exception {
        UUID old = UUID.randomUUID();
        UUID young = UUID.randomUUID();
        UUID inReconciliation = UUID.randomUUID();
        try (var c = service.connect();
                var s = c.createStatement()) {
            s.execute("INSERT INTO inbox (consumer, event_id, processed_at) VALUES"
                    + " ('bill-payments', '" + old + "', now() - interval '2 hours'),"
                    + " ('bill-payments', '" + young + "', now() - interval '50 minutes'),"
                    + " ('bill-payments', '" + inReconciliation + "', now() - interval '2 hours')");
            s.execute("INSERT INTO provider_reconciliation (payment_id, event_id, wallet_id, biller, customer_ref,"
                    + " amount, currency, last_cause, attempts, first_attempt_at) VALUES ('" + UUID.randomUUID()
                    + "', '" + inReconciliation + "', 'w-1', 'wifi', 'ACC-1', 100, 'USD', 'timeout', 1,"
                    + " now() - interval '2 hours')");
        }

        ServiceHarness.await(WAIT, "the old processed event id to be purged", () -> !inInbox(old));

        // The same statement decided about all three rows: what it kept, it kept on purpose.
        assertEquals(1, service.count("SELECT count(*) FROM inbox WHERE event_id = '" + young + "'"), "younger");
        assertEquals(
                1,
                service.count("SELECT count(*) FROM inbox WHERE event_id = '" + inReconciliation + "'"),
                "its payment is in unresolved reconciliation");
    }

    @Test
    void expiredIdempotencyKeysArePurgedEveryInterval() throws Exception {
        String key = "expired-" + UUID.randomUUID();
        try (var c = service.connect();
                var s = c.createStatement()) {
            s.execute("INSERT INTO idempotency_key (scope, key, fingerprint, response_status, response_content_type,"
                    + " response_body, expires_at) VALUES ('test', '" + key + "', 'f', 201, 'application/json',"
                    + " '\\x7b7d', now() - interval '1 second')");
        }

        ServiceHarness.await(
                WAIT,
                "the expired idempotency key to be purged",
                () -> service.count("SELECT count(*) FROM idempotency_key WHERE key = '" + key + "'") == 0);
    }

    private static boolean inInbox(UUID event) {
        return service.count("SELECT count(*) FROM inbox WHERE event_id = '" + event + "'") > 0;
    }
}
