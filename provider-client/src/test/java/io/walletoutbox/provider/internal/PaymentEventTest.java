package io.walletoutbox.provider.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.walletoutbox.provider.ProviderException.PoisonRecordException;
import io.walletoutbox.provider.internal.PaymentEvent.Kind;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class PaymentEventTest {
    private static final UUID EVENT = UUID.randomUUID();
    private static final UUID PAYMENT = UUID.randomUUID();

    private static RecordHeaders headers(String ceId) {
        var h = new RecordHeaders();
        if (ceId != null) {
            h.add("ce_id", ceId.getBytes(StandardCharsets.UTF_8));
        }
        h.add(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static byte[] json(String amount, String currency) {
        return ("{\"paymentId\":\"" + PAYMENT + "\",\"walletId\":\"w-1\",\"biller\":\"wifi\",\"customerRef\":\"ACC-1\","
                        + "\"amount\":" + amount + ",\"currency\":\"" + currency + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void classifiesEventTypes() {
        assertEquals(Kind.PAYMENT_REQUESTED, PaymentEvent.kindOf("BillPaymentRequested"));
        assertEquals(Kind.IGNORED, PaymentEvent.kindOf("BillPaymentSucceeded"));
        assertEquals(Kind.IGNORED, PaymentEvent.kindOf("BillPaymentFailed"));
        assertEquals(Kind.IGNORED, PaymentEvent.kindOf("WalletCreated"));
        assertEquals(Kind.POISON, PaymentEvent.kindOf("BillPaymentTeleported"));
        assertEquals(Kind.POISON, PaymentEvent.kindOf(null));
        assertEquals(Kind.POISON, PaymentEvent.kindOf(" "));
    }

    @Test
    void parsesAWellFormedEvent() {
        var e = PaymentEvent.parse(headers(EVENT.toString()), json("2500", "USD"));
        assertEquals(EVENT, e.eventId());
        assertEquals(PAYMENT, e.paymentId());
        assertEquals(2500, e.amount());
        assertEquals("w-1", e.walletId());
        assertEquals(PAYMENT, e.call().paymentId());
        assertEquals(
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                e.call().traceparent());
    }

    @Test
    void malformedEventsArePoison() {
        assertThrows(PoisonRecordException.class, () -> PaymentEvent.parse(headers(null), json("1", "USD")));
        assertThrows(PoisonRecordException.class, () -> PaymentEvent.parse(headers("not-a-uuid"), json("1", "USD")));
        assertThrows(
                PoisonRecordException.class,
                () -> PaymentEvent.parse(headers(EVENT.toString()), "{oops".getBytes(StandardCharsets.UTF_8)));
        assertThrows(
                PoisonRecordException.class, () -> PaymentEvent.parse(headers(EVENT.toString()), json("0", "USD")));
        assertThrows(
                PoisonRecordException.class, () -> PaymentEvent.parse(headers(EVENT.toString()), json("1.5", "USD")));
        assertThrows(
                PoisonRecordException.class, () -> PaymentEvent.parse(headers(EVENT.toString()), json("5", "usd")));
        assertThrows(PoisonRecordException.class, () -> PaymentEvent.parse(headers(EVENT.toString()), null));
    }
}
