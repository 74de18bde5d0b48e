package io.walletoutbox.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Wallets for the load tools, made through the API as a user would: created by their owner, topped up by a funder. */
final class FundedWallets {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What each wallet is funded with, in minor units: far above any load's spending. */
    static final long FUNDS = 100_000_000_000L;

    private FundedWallets() {}

    /**
     * Creates a USD wallet as {@code owner} (an Authorization header value) and tops it up with {@link #FUNDS} as
     * {@code funding} (a token with {@code wallet:fund}), the top-up keyed {@code keyPrefix + id}; returns its id.
     */
    static String create(HttpClient http, URI base, String owner, String funding, String keyPrefix) throws Exception {
        var created = http.send(
                HttpRequest.newBuilder(base.resolve("/wallets"))
                        .header("Authorization", owner)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"currency\":\"USD\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("creating a wallet failed: " + created.body());
        }
        String id = JSON.readTree(created.body()).get("id").asText();
        var topUp = http.send(
                HttpRequest.newBuilder(base.resolve("/wallets/" + id + "/top-ups"))
                        .header("Authorization", funding)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", keyPrefix + id)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":" + FUNDS + "}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (topUp.statusCode() != 201) {
            throw new IllegalStateException("funding a wallet failed: " + topUp.body());
        }
        return id;
    }
}
