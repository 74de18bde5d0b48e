package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.provider.BillPaymentCall;
import io.walletoutbox.provider.LedgerPayment;
import io.walletoutbox.provider.ProviderException.PoisonRecordException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** A {@code BillPaymentRequested} event read from a Kafka record; parsing failures are poison. */
record PaymentEvent(
        UUID eventId,
        UUID paymentId,
        String walletId,
        String biller,
        String customerRef,
        long amount,
        String currency,
        String traceparent) {

    static final String REQUESTED = "BillPaymentRequested";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a record is, judged by its {@code ce_type} header. */
    enum Kind {
        PAYMENT_REQUESTED,
        IGNORED,
        POISON
    }

    static Kind kindOf(String ceType) {
        if (ceType == null || ceType.isBlank()) {
            return Kind.POISON;
        }
        return switch (ceType) {
            case REQUESTED -> Kind.PAYMENT_REQUESTED;
            case "BillPaymentSucceeded", "BillPaymentFailed" -> Kind.IGNORED;
            // A type that claims to be about a bill payment but that this consumer does not know is a contract
            // break worth an operator's look; other aggregates' events share the topic and are none of our business.
            default -> ceType.startsWith("BillPayment") ? Kind.POISON : Kind.IGNORED;
        };
    }

    static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static PaymentEvent parse(Headers headers, byte[] value) {
        String ceId = header(headers, "ce_id");
        if (ceId == null) {
            throw new PoisonRecordException("header ce_id is missing");
        }
        UUID eventId = uuid(ceId, "header ce_id");
        if (value == null) {
            throw new PoisonRecordException("the record has no value");
        }
        JsonNode json;
        try {
            json = JSON.readTree(value);
        } catch (IOException e) {
            throw new PoisonRecordException("the value is not JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new PoisonRecordException("the value is not a JSON object");
        }
        UUID paymentId = uuid(text(json, "paymentId"), "paymentId");
        JsonNode amount = json.get("amount");
        if (amount == null
                || !amount.canConvertToExactIntegral()
                || !amount.canConvertToLong()
                || amount.asLong() <= 0) {
            throw new PoisonRecordException("amount must be a positive integer");
        }
        var event = new PaymentEvent(
                eventId,
                paymentId,
                text(json, "walletId"),
                text(json, "biller"),
                text(json, "customerRef"),
                amount.asLong(),
                text(json, "currency"),
                header(headers, "traceparent"));
        try {
            event.call(); // validates customerRef and currency
        } catch (IllegalArgumentException e) {
            throw new PoisonRecordException("invalid payment: " + e.getMessage(), e);
        }
        return event;
    }

    BillPaymentCall call() {
        return new BillPaymentCall(paymentId, customerRef, amount, currency, traceparent);
    }

    /**
     * The fields in which this record differs from its payment's row in the ledger ({@code field record≠ledger},
     * comma-separated), or empty when it agrees in wallet, biller, customer reference, amount and currency.
     */
    Optional<String> mismatch(LedgerPayment ledger) {
        List<String> differ = new ArrayList<>();
        differ(differ, "walletId", walletId, ledger.walletId());
        differ(differ, "biller", biller, ledger.biller());
        differ(differ, "customerRef", customerRef, ledger.customerRef());
        differ(differ, "amount", Long.toString(amount), Long.toString(ledger.amount()));
        differ(differ, "currency", currency, ledger.currency());
        return differ.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", differ));
    }

    private static void differ(List<String> differ, String field, String record, String ledger) {
        if (!record.equals(ledger)) {
            differ.add(field + " " + BillerText.clean(record, 100) + "≠" + ledger);
        }
    }

    /** The {@code paymentId} of a value that did not parse as a whole, when it has a UUID there; else null. */
    static UUID paymentIdIn(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(value);
            JsonNode id = json == null ? null : json.get("paymentId");
            return id != null && id.isTextual() ? UUID.fromString(id.asText()) : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode n = json.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw new PoisonRecordException(field + " must be a non-blank string");
        }
        return n.asText();
    }

    private static UUID uuid(String s, String what) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw new PoisonRecordException(what + " is not a UUID: " + s, e);
        }
    }
}
