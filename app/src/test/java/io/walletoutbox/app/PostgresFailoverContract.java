package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.embedded.EmbeddedPostgresPair;
import io.walletoutbox.relay.cdc.CdcConfig;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on a PostgreSQL primary with a synchronous standby ({@link EmbeddedPostgresPair}), reached through a
 * multi-host URL: payments are requested under load, the primary is killed with -9 and the standby promoted, and
 * the same service (no restart) carries on. Every payment answered 202 survives; a client that retries with its
 * Idempotency-Key gets the original answer; money is conserved; every payment ends terminal. One subclass per
 * relay mode.
 */
abstract class PostgresFailoverContract {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WALLETS = 8;
    private static final int PER_WALLET = 25;
    private static final long FUNDS = 1_000_000;

    /** {@code polling} or {@code cdc}. */
    abstract String relayMode();

    @Test
    void everyAcknowledgedPaymentSurvivesAKilledPrimaryAndItsPromotedStandby(@TempDir Path dir) throws Exception {
        String database = "failover_" + relayMode();
        try (var pair = EmbeddedPostgresPair.start(dir)) {
            pair.createDatabaseIfAbsent(database);
            String url = pair.jdbcUrl(database);
            try (var service = new ServiceHarness(database, Map.of("DATABASE_URL", url, "RELAY_MODE", relayMode()))) {
                run(pair, service, database);
            }
        }
    }

    private void run(EmbeddedPostgresPair pair, ServiceHarness service, String database) throws Exception {
        List<String> wallets = new ArrayList<>();
        for (int w = 0; w < WALLETS; w++) {
            wallets.add(service.walletWith(FUNDS));
        }
        if (relayMode().equals("cdc")) {
            // Only a slot the standby holds a persistent copy of survives the promotion.
            pair.awaitSlotSynchronised(CdcConfig.defaultSlotName(database), Duration.ofMinutes(2));
        }
        // key -> the body of the first 202, the answer the client keeps
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        var accepted = new AtomicInteger();
        var failedAttempts = new AtomicInteger();
        // statuses of the answers that were not 202 (a broken connection is not an answer)
        Map<Integer, Integer> refusals = new ConcurrentHashMap<>();
        var promotedAt = new AtomicLong();
        var firstAckAfterPromotion = new AtomicLong();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> clients = new ArrayList<>();
            for (String wallet : wallets) {
                clients.add(pool.submit(() -> {
                    for (int i = 0; i < PER_WALLET; i++) {
                        String key = wallet + "-" + i;
                        String body = "{\"biller\":\"wifi\",\"customerRef\":\"" + (i % 5 == 4 ? "DECLINE-" : "ACC-") + i
                                + "\",\"amount\":" + (100 + i) + "}";
                        // A client retries with the same key until it gets an answer: 5xx and broken connections
                        // while the primary is gone are expected.
                        while (true) {
                            HttpResponse<String> r =
                                    tryPost(service, "/wallets/" + wallet + "/bill-payments", body, key);
                            if (r != null && r.statusCode() == 202) {
                                acknowledged.put(key, r.body());
                                accepted.incrementAndGet();
                                long promoted = promotedAt.get();
                                if (promoted != 0) {
                                    firstAckAfterPromotion.compareAndSet(0, System.nanoTime());
                                }
                                break;
                            }
                            if (r != null && r.statusCode() / 100 == 4) {
                                throw new AssertionError(key + ": " + r.statusCode() + " " + r.body());
                            }
                            failedAttempts.incrementAndGet();
                            if (r != null) {
                                refusals.merge(r.statusCode(), 1, Integer::sum);
                            }
                            Thread.sleep(50);
                        }
                    }
                    return null;
                }));
            }
            ServiceHarness.await(
                    Duration.ofMinutes(2),
                    "a third of the payments accepted",
                    () -> accepted.get() >= WALLETS * PER_WALLET / 3);
            long killed = System.nanoTime();
            pair.killPrimary();
            pair.promoteStandby();
            promotedAt.set(System.nanoTime());
            int atPromotion = accepted.get();
            for (Future<?> client : clients) {
                client.get();
            }
            assertTrue(atPromotion < WALLETS * PER_WALLET, "the kill came while payments were still being made");
            System.out.printf(
                    "failover (%s): kill to promotion %.2f s, promotion to first 202 %.2f s, %d failed attempts"
                            + " retried%n",
                    relayMode(),
                    (promotedAt.get() - killed) / 1e9,
                    (firstAckAfterPromotion.get() - promotedAt.get()) / 1e9,
                    failedAttempts.get());
        }
        assertEquals(WALLETS * PER_WALLET, acknowledged.size());
        // While no primary answers, the service says so (503 database-unavailable, Retry-After), never 500.
        assertTrue(
                refusals.keySet().stream().allMatch(status -> status == 503),
                "answers other than 202 during the failover: " + refusals);

        long promoted = promotedAt.get();
        ServiceHarness.await(
                Duration.ofMinutes(3),
                "every payment to be terminal",
                () -> count(service, "SELECT count(*) FROM bill_payment WHERE status = 'PENDING'") == 0);
        System.out.printf(
                "failover (%s): every payment terminal %.2f s after the promotion%n",
                relayMode(), (System.nanoTime() - promoted) / 1e9);

        // Every acknowledged payment is there, once, and a retry with its key gets the original answer.
        assertEquals(WALLETS * PER_WALLET, count(service, "SELECT count(*) FROM bill_payment"));
        for (var entry : acknowledged.entrySet()) {
            String wallet = entry.getKey().substring(0, entry.getKey().lastIndexOf('-'));
            int i = Integer.parseInt(entry.getKey().substring(entry.getKey().lastIndexOf('-') + 1));
            String id = JSON.readTree(entry.getValue()).get("id").asText();
            assertEquals(
                    1,
                    count(service, "SELECT count(*) FROM bill_payment WHERE id = '" + id + "'"),
                    "acknowledged payment " + id);
            if (i % 5 == 0) { // a sample: each retry is a request
                String body = "{\"biller\":\"wifi\",\"customerRef\":\"ACC-" + i + "\",\"amount\":" + (100 + i) + "}";
                var again = service.post("/wallets/" + wallet + "/bill-payments", body, entry.getKey());
                assertEquals(202, again.statusCode(), again.body());
                assertEquals(entry.getValue(), again.body(), "the original answer to " + entry.getKey());
            }
        }
        // Money is conserved: balances sum to zero, each is its credits minus its debits, and nothing is left in
        // clearing (a payment neither settled nor refunded).
        assertEquals(0, count(service, "SELECT coalesce(sum(balance), 0) FROM account"));
        assertEquals(0, count(service, """
                SELECT count(*) FROM account a WHERE a.balance <>
                  coalesce((SELECT sum(amount) FROM transfer WHERE credit_account = a.id), 0)
                - coalesce((SELECT sum(amount) FROM transfer WHERE debit_account = a.id), 0)"""));
        assertEquals(0, count(service, "SELECT coalesce(sum(balance), 0) FROM account WHERE kind = 'BILLER_CLEARING'"));
        assertEquals(WALLETS * PER_WALLET, count(service, "SELECT count(*) FROM transfer WHERE kind = 'BILL_PAYMENT'"));
        assertEquals(
                count(service, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'"),
                count(service, "SELECT count(*) FROM transfer WHERE kind = 'REFUND'"));
        assertEquals(
                WALLETS * PER_WALLET / 5, count(service, "SELECT count(*) FROM bill_payment WHERE status = 'FAILED'"));
    }

    /** The answer to a POST, or null when the request failed on the way (connection reset, timeout). */
    private static HttpResponse<String> tryPost(ServiceHarness service, String path, String body, String key) {
        try {
            HttpResponse<String> r = service.post(path, body, key);
            return r.statusCode() / 100 == 5 ? null : r;
        } catch (UncheckedIOException e) {
            return null;
        }
    }

    private static long count(ServiceHarness service, String sql) {
        return service.count(sql);
    }
}
