package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.provider.BillerOutcome;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/** Pure classification of one biller request's result; no I/O, so every branch is unit-tested. */
public final class BillerResponses {
    private static final ObjectMapper JSON = new ObjectMapper();

    private BillerResponses() {}

    /** What one request established. */
    public sealed interface Attempt {
        /** The biller's definite word. */
        record Definite(BillerOutcome outcome) implements Attempt {}

        /**
         * Worth another try with the same key. {@code mayHaveCharged}: the biller may have processed it (so, if
         * retries run out, ask for the key's status); {@code billerDown}: counts against the circuit breaker.
         */
        record Retryable(String cause, boolean mayHaveCharged, boolean billerDown) implements Attempt {}

        /** Another try would get the same answer; the charge did not happen (4xx other than a decline). */
        record Rejected(String cause) implements Attempt {}

        /**
         * The biller refused the caller, not the payment ({@code 401}, {@code 403}, or {@code 404} on the payments
         * route): nothing was charged by this request; the configuration must change. Counts against the circuit
         * breaker.
         */
        record ConfigurationFault(int status, String cause) implements Attempt {}
    }

    /** True for the statuses that show a configuration fault on {@code POST /v1/payments}. */
    public static boolean isConfigurationFault(int status) {
        return status == 401 || status == 403 || status == 404;
    }

    /** Classifies an answer to {@code POST /v1/payments}. */
    public static Attempt ofPayment(int status, String body) {
        if (status == 200 || status == 201) {
            JsonNode json = parse(body);
            String id = BillerText.reference(text(json, "id"));
            if ("PAID".equals(text(json, "status")) && id != null && !id.isEmpty()) {
                return new Attempt.Definite(new BillerOutcome.Paid(id));
            }
            // A success status without the fields we need: the biller did something, we cannot tell what.
            return new Attempt.Retryable("unreadable " + status + " answer: " + abbreviate(body), true, false);
        }
        if (status == 422 && "DECLINED".equals(text(parse(body), "status"))) {
            String reason = text(parse(body), "reason");
            return new Attempt.Definite(new BillerOutcome.Declined(reason == null ? "declined" : reason));
        }
        if (status == 429) {
            return new Attempt.Retryable("429 too many requests", false, true);
        }
        if (status >= 500) {
            return new Attempt.Retryable(status + " " + abbreviate(body), true, true);
        }
        if (status == 409) {
            // The same key is being processed right now (another instance's request): ask again later.
            return new Attempt.Retryable("409 key in use", true, false);
        }
        if (isConfigurationFault(status)) {
            return new Attempt.ConfigurationFault(status, configurationCause(status, body));
        }
        return new Attempt.Rejected(status + " " + abbreviate(body));
    }

    /** Classifies a request that got no answer. */
    public static Attempt ofException(IOException e) {
        boolean neverSent = e instanceof HttpConnectTimeoutException || e instanceof ConnectException;
        String kind = e instanceof HttpTimeoutException ? "timeout" : "connection error";
        return new Attempt.Retryable(kind + ": " + e, !neverSent, true);
    }

    /**
     * Classifies an answer to {@code GET /v1/payments/{key}}: the stored outcome, a configuration fault ({@code
     * 401}/{@code 403}; a {@code 404} here means the key never charged), or an Unknown saying whether the biller
     * has no record of the key.
     */
    public static BillerOutcome ofStatus(int status, String body, String previousCause) {
        BillerOutcome outcome = ofStatusQuery(status, body, previousCause);
        if (outcome instanceof BillerOutcome.NotCharged) {
            return new BillerOutcome.Unknown(
                    "biller has no payment for this key (not charged, safe to retry); last error: " + previousCause);
        }
        return outcome;
    }

    /**
     * As {@link #ofStatus}, but a {@code 404} is {@link BillerOutcome.NotCharged}: the answer of an explicit
     * status query ({@link io.walletoutbox.provider.BillerClient#status}).
     */
    public static BillerOutcome ofStatusQuery(int status, String body, String previousCause) {
        if (status == 200) {
            JsonNode json = parse(body);
            String st = text(json, "status");
            String id = BillerText.reference(text(json, "id"));
            if ("PAID".equals(st) && id != null && !id.isEmpty()) {
                return new BillerOutcome.Paid(id);
            }
            if ("DECLINED".equals(st)) {
                String reason = text(json, "reason");
                return new BillerOutcome.Declined(reason == null ? "declined" : reason);
            }
        }
        if (status == 401 || status == 403) {
            return new BillerOutcome.ConfigurationFault(status, configurationCause(status, body));
        }
        if (status == 404) {
            return new BillerOutcome.NotCharged("the biller has no payment under this key (status query answered 404)");
        }
        return new BillerOutcome.Unknown(previousCause + "; status query answered " + status);
    }

    private static String configurationCause(int status, String body) {
        String what = switch (status) {
            case 401 -> "the biller refused the credential (401: missing or wrong API key)";
            case 403 -> "the biller forbids this client (403: credential lacks the right)";
            default -> "the biller has no such route (" + status + ": wrong base URL?)";
        };
        return what + " " + abbreviate(body);
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isEmpty() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode json, String field) {
        if (json == null || !json.isObject()) {
            return null;
        }
        JsonNode n = json.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
