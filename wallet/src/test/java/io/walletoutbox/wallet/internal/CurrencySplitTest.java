package io.walletoutbox.wallet.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.wallet.BillPayment;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CurrencySplitTest {
    private static BillPayment payment(String customerRef, String currency) {
        return new BillPayment(
                new UUID(1, 2),
                new UUID(3, 4),
                "wifi",
                customerRef,
                2500,
                currency,
                BillPayment.Status.PENDING,
                Optional.empty(),
                Optional.empty(),
                Instant.parse("2025-01-02T03:04:05.123456Z"),
                Optional.empty());
    }

    @Test
    void theEventPayloadRenderedWithThePlaceholderFilledIsThePayloadRenderedWithTheCurrency() {
        var payloads = new EventPayloads();
        // a value that looks like the member is escaped by the JSON writer, so only the member itself matches
        String ref = "\"currency\":\"XXX\"";
        var split = CurrencySplit.of(payloads.requested(payment(ref, "XXX")));
        assertEquals(payloads.requested(payment(ref, "EUR")), new String(split.fill("EUR"), StandardCharsets.UTF_8));
        assertEquals(split.beforeText() + "EUR" + split.afterText(), payloads.requested(payment(ref, "EUR")));
    }

    @Test
    void aDocumentWithoutTheMemberOrWithItTwiceIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> CurrencySplit.of("{\"currency\":\"USD\"}"));
        assertThrows(
                IllegalArgumentException.class,
                () -> CurrencySplit.of("{\"currency\":\"XXX\",\"x\":{\"currency\":\"XXX\"}}"));
    }

    @Test
    void multiByteTextAroundTheMemberSurvives() {
        byte[] doc = "{\"ref\":\"café ✓\",\"currency\":\"XXX\",\"n\":\"ü\"}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(
                "{\"ref\":\"café ✓\",\"currency\":\"JPY\",\"n\":\"ü\"}".getBytes(StandardCharsets.UTF_8),
                CurrencySplit.of(doc).fill("JPY"));
    }
}
