package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.walletoutbox.provider.SimulatorFaults;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Strict parsing of the simulator's request bodies: unknown fields, wrong types and bad values are rejected. */
final class SimulatorRequests {
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Set<String> PAYMENT_FIELDS = Set.of("customerRef", "amount", "currency");
    private static final Set<String> FAULT_FIELDS = Set.of(
            "latencyMs",
            "errorRate",
            "timeoutRate",
            "dropResponseRate",
            "lateLandingRate",
            "landAfterMs",
            "failNext",
            "dropNext",
            "requireApiKey",
            "failStatus");

    private SimulatorRequests() {}

    static SimulatorLedger.PaymentRequest payment(JsonNode body) {
        requireObject(body, PAYMENT_FIELDS);
        JsonNode ref = body.get("customerRef");
        if (ref == null
                || !ref.isTextual()
                || ref.asText().isBlank()
                || ref.asText().length() > 100) {
            throw new IllegalArgumentException("customerRef must be a non-blank string of at most 100 characters");
        }
        JsonNode amount = body.get("amount");
        if (amount == null
                || !amount.canConvertToExactIntegral()
                || !amount.canConvertToLong()
                || amount.asLong() <= 0) {
            throw new IllegalArgumentException("amount must be a positive integer (minor units)");
        }
        JsonNode currency = body.get("currency");
        if (currency == null
                || !currency.isTextual()
                || !CURRENCY.matcher(currency.asText()).matches()) {
            throw new IllegalArgumentException("currency must be an ISO 4217 code such as USD");
        }
        return new SimulatorLedger.PaymentRequest(ref.asText(), amount.asLong(), currency.asText());
    }

    /** The faults of {@code current} with the fields present in {@code body} replaced. */
    static SimulatorFaults faults(JsonNode body, SimulatorFaults current) {
        requireObject(body, FAULT_FIELDS);
        return new SimulatorFaults(
                body.has("latencyMs") ? count(body, "latencyMs") : current.latencyMs(),
                rate(body, "errorRate", current.errorRate()),
                rate(body, "timeoutRate", current.timeoutRate()),
                rate(body, "dropResponseRate", current.dropResponseRate()),
                rate(body, "lateLandingRate", current.lateLandingRate()),
                body.has("landAfterMs") ? count(body, "landAfterMs") : current.landAfterMs());
    }

    static int count(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (!n.canConvertToExactIntegral() || !n.canConvertToInt() || n.asInt() < 0) {
            throw new IllegalArgumentException(name + " must be a non-negative integer");
        }
        return n.asInt();
    }

    /** A key to require (a non-blank string) or none ({@code null}); the messages never show the value. */
    static Optional<String> apiKey(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new IllegalArgumentException(name + " must be a non-blank string, or null to require none");
        }
        return Optional.of(n.asText());
    }

    private static double rate(JsonNode body, String name, double fallback) {
        JsonNode n = body.get(name);
        if (n == null) {
            return fallback;
        }
        if (!n.isNumber() || n.asDouble() < 0 || n.asDouble() > 1) {
            throw new IllegalArgumentException(name + " must be a number in 0.0..1.0");
        }
        return n.asDouble();
    }

    private static void requireObject(JsonNode body, Set<String> allowed) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException("unknown field " + f);
            }
        }
    }
}
