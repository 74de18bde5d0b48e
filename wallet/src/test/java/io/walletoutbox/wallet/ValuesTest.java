package io.walletoutbox.wallet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The small API values: config, stored responses, idempotency key checks and fingerprints. */
class ValuesTest {

    @Test
    void configDefaultsAndLimits() {
        assertEquals("wallet.events", WalletConfig.DEFAULTS.eventsTopic());
        assertEquals(Duration.ofHours(24), WalletConfig.DEFAULTS.idempotencyRetention());
        assertEquals(Duration.ofHours(24), new WalletConfig("t").idempotencyRetention());
        assertThrows(IllegalArgumentException.class, () -> new WalletConfig("bad topic"));
        assertThrows(IllegalArgumentException.class, () -> new WalletConfig("t", Duration.ofSeconds(59)));
        assertThrows(IllegalArgumentException.class, () -> new WalletConfig("t", Duration.ofDays(31)));
        assertThrows(NullPointerException.class, () -> new WalletConfig("t", null));
        assertEquals(1_000_000, WalletConfig.DEFAULT_DAILY_PAYMENT_LIMIT);
        assertEquals(WalletConfig.DEFAULT_DAILY_PAYMENT_LIMIT, WalletConfig.DEFAULTS.dailyPaymentLimit());
        assertEquals(
                WalletConfig.DEFAULT_DAILY_PAYMENT_LIMIT,
                new WalletConfig("t", Duration.ofHours(1)).dailyPaymentLimit());
        WalletConfig limited = WalletConfig.DEFAULTS.withDailyPaymentLimit(5000);
        assertEquals(5000, limited.dailyPaymentLimit());
        assertEquals(WalletConfig.DEFAULTS.eventsTopic(), limited.eventsTopic());
        assertEquals(WalletConfig.DEFAULTS.idempotencyRetention(), limited.idempotencyRetention());
        assertEquals(
                Money.MAX_AMOUNT,
                WalletConfig.DEFAULTS.withDailyPaymentLimit(Money.MAX_AMOUNT).dailyPaymentLimit());
        assertThrows(IllegalArgumentException.class, () -> WalletConfig.DEFAULTS.withDailyPaymentLimit(0));
        assertThrows(IllegalArgumentException.class, () -> WalletConfig.DEFAULTS.withDailyPaymentLimit(-1));
        assertThrows(
                IllegalArgumentException.class,
                () -> WalletConfig.DEFAULTS.withDailyPaymentLimit(Money.MAX_AMOUNT + 1));
    }

    @Test
    void storedResponseCopiesItsBodyInAndOut() {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        var response = new StoredResponse(201, "application/json", body);
        body[0] = 'X';
        assertEquals('{', response.body()[0]);
        response.body()[0] = 'Y';
        assertEquals('{', response.body()[0]);
        assertEquals(
                response, new StoredResponse(201, "application/json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new byte[0], new StoredResponse(204, "text/plain", new byte[0]).body());
        assertThrows(IllegalArgumentException.class, () -> new StoredResponse(99, "text/plain", body));
        assertThrows(IllegalArgumentException.class, () -> new StoredResponse(600, "text/plain", body));
        assertThrows(IllegalArgumentException.class, () -> new StoredResponse(200, " ", body));
    }

    @Test
    void idempotencyKeysArePrintableAsciiUpTo255() {
        assertEquals("abc-123_XYZ", IdempotencyKeys.requireKey("abc-123_XYZ"));
        assertEquals("k".repeat(255), IdempotencyKeys.requireKey("k".repeat(255)));
        for (String bad : new String[] {null, "", "k".repeat(256), "caf\u00e9", "tab\t", "\u007f"}) {
            assertThrows(WalletException.InvalidIdempotencyKey.class, () -> IdempotencyKeys.requireKey(bad));
        }
    }

    @Test
    void fingerprintsAreStableAndSeparateTheirParts() {
        String a = IdempotencyKeys.fingerprint("top-up", "{\"amount\":1}");
        assertEquals(a, IdempotencyKeys.fingerprint("top-up", "{\"amount\":1}"));
        assertEquals(64, a.length());
        assertNotEquals(a, IdempotencyKeys.fingerprint("top-up", "{\"amount\":2}"));
        assertNotEquals(a, IdempotencyKeys.fingerprint("bill-payment", "{\"amount\":1}"));
        assertNotEquals(IdempotencyKeys.fingerprint("ab", "c"), IdempotencyKeys.fingerprint("a", "bc"));
    }

    @Test
    void ledgerAuditIsConsistentOnlyWhenEveryInvariantHolds() {
        var id = java.util.UUID.randomUUID();
        java.util.List<java.util.UUID> none = java.util.List.of();
        java.util.List<java.util.UUID> one = java.util.List.of(id);
        assertEquals(true, new LedgerAudit(3, 2, 0, none, none, none, none).consistent());
        assertEquals(0, new LedgerAudit(3, 2, 0, none, none, none, none).differences());
        assertEquals(1, new LedgerAudit(3, 2, 1, none, none, none, none).differences());
        assertEquals(1, new LedgerAudit(3, 2, 0, one, none, none, none).differences());
        assertEquals(1, new LedgerAudit(3, 2, 0, none, one, none, none).differences());
        assertEquals(1, new LedgerAudit(3, 2, 0, none, none, one, none).differences());
        assertEquals(1, new LedgerAudit(3, 2, 0, none, none, none, one).differences());
        assertEquals(false, new LedgerAudit(3, 2, 0, none, none, none, one).consistent());
        assertEquals(5, new LedgerAudit(3, 2, -7, one, one, one, one).differences());
    }
}
