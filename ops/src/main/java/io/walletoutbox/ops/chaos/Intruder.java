package io.walletoutbox.ops.chaos;

import com.nimbusds.jwt.JWTClaimsSet;
import io.walletoutbox.embedded.DevIssuer;
import io.walletoutbox.ops.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Runs beside a scenario's load and sends requests that must change nothing: no token, a garbage token, the
 * owner's own token but expired, signed by a key the issuer never published or meant for another audience, another
 * user's valid token on someone's wallet, the funding service paying from a wallet it does not own, a user token
 * on a top-up, a wallet opened for someone else, user and funding tokens on the management port's admin routes,
 * and an admin token on the public port (admin is not served there). Every request that could write uses a
 * distinctive Idempotency-Key ({@link #KEY_PREFIX}), customer reference ({@link #REF_PREFIX}) and amount (from
 * {@link #AMOUNT_BASE}), so {@link IntrusionCheck#check} can prove from the database and the topic that none of
 * them wrote anything. Each kind has the status it must get; {@code 429} (rate limited: refused all the same), a
 * {@code 5xx} or no answer (the api killed, PostgreSQL restarting) are tolerated and counted, any other answer is
 * a violation.
 *
 * <p>One request every {@link #PERIOD}, kinds in turn: at most six of the fourteen kinds present a token the service
 * refuses, so the address-wide slow-down of refused tokens (default 5/s, burst 20) is never reached and the real
 * load from the same address is not throttled by this.
 */
final class Intruder {
    /** First amount of the intruder's payments and top-ups (legitimate ones are at most 5,000 or 10^9). */
    static final long AMOUNT_BASE = 7_770_000L;
    /** Amounts the intruder uses are in [AMOUNT_BASE, AMOUNT_BASE + AMOUNT_SPAN). */
    static final long AMOUNT_SPAN = 10_000L;
    /** Prefix of the intruder's Idempotency-Keys. */
    static final String KEY_PREFIX = "intruder-";
    /** Prefix of the intruder's customer references. */
    static final String REF_PREFIX = "INTRUDER-";
    /** Prefix of the intruder's own user (a valid token that owns nothing). */
    static final String SUBJECT_PREFIX = "intruder-";

    static final Duration PERIOD = Duration.ofMillis(250);

    /** One request sent: its kind, what was asked, the status it must get, and what it got (-1: no answer). */
    record Attempt(String kind, String request, int expected, int status) {
        /** An answer that is neither the expected refusal nor a tolerated one (429, 5xx, none). */
        boolean violates() {
            return status != -1 && status != expected && status != 429 && status < 500;
        }
    }

    private record Request(String kind, int expected, HttpRequest http) {}

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final DevIssuer issuer;
    private final DevIssuer foreign;
    private final Tokens tokens;
    private final IntSupplier apiPort;
    private final IntSupplier managementPort;
    private final Map<UUID, String> owners;
    private final List<UUID> wallets;
    private final String tag;
    private final Random rnd;
    private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
    private int n;

    Intruder(
            DevIssuer issuer,
            DevIssuer foreign,
            Tokens tokens,
            IntSupplier apiPort,
            IntSupplier managementPort,
            Map<UUID, String> owners,
            List<UUID> wallets,
            String tag,
            long seed) {
        this.issuer = issuer;
        this.foreign = foreign;
        this.tokens = tokens;
        this.apiPort = apiPort;
        this.managementPort = managementPort;
        this.owners = owners;
        this.wallets = List.copyOf(wallets);
        this.tag = tag;
        this.rnd = new Random(seed);
    }

    /** Every request sent so far. */
    List<Attempt> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    /** Sends one request per {@link #PERIOD} while {@code keepGoing} says so. */
    void run(BooleanSupplier keepGoing) throws InterruptedException {
        while (keepGoing.getAsBoolean()) {
            long start = System.nanoTime();
            Request r = next();
            int status;
            try {
                status = http.send(r.http(), HttpResponse.BodyHandlers.discarding())
                        .statusCode();
            } catch (IOException e) {
                status = -1; // api down or restarting
            }
            attempts.add(new Attempt(
                    r.kind(), r.http().method() + " " + r.http().uri().getPath(), r.expected(), status));
            long wait = PERIOD.toNanos() - (System.nanoTime() - start);
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
    }

    private Request next() {
        int i = n++;
        UUID victim = wallets.get(rnd.nextInt(wallets.size()));
        String owner = owners.get(victim);
        String intruder = SUBJECT_PREFIX + tag;
        String key = KEY_PREFIX + tag + "-" + i;
        long amount = AMOUNT_BASE + (i % AMOUNT_SPAN);
        String pay = "/wallets/" + victim + "/bill-payments";
        String topUp = "/wallets/" + victim + "/top-ups";
        String payBody = "{\"biller\":\"wifi\",\"customerRef\":\"" + REF_PREFIX + tag + "-" + i + "\",\"amount\":"
                + amount + "}";
        String topUpBody = "{\"amount\":" + amount + "}";
        return switch (i % 14) {
            case 0 -> new Request("no-token-pay", 401, post(api(pay), null, key, payBody));
            case 1 -> new Request("no-token-top-up", 401, post(api(topUp), null, key, topUpBody));
            case 2 -> new Request("garbage-token-pay", 401, post(api(pay), "Bearer not.a.token", key, payBody));
            case 3 -> new Request("expired-owner-token-pay", 401, post(api(pay), bearer(expired(owner)), key, payBody));
            case 4 ->
                new Request(
                        "foreign-key-owner-token-pay",
                        401,
                        post(api(pay), bearer(foreign.mint(claims(owner, "wallet-api", 600))), key, payBody));
            case 5 ->
                new Request(
                        "wrong-audience-owner-token-pay",
                        401,
                        post(api(pay), bearer(issuer.mint(claims(owner, "another-api", 600))), key, payBody));
            case 6 -> new Request("other-user-pay", 404, post(api(pay), tokens.bearer(intruder), key, payBody));
            case 7 ->
                new Request(
                        "other-user-read",
                        404,
                        HttpRequest.newBuilder(api("/wallets/" + victim + "/transactions"))
                                .header("Authorization", tokens.bearer(intruder))
                                .timeout(Duration.ofSeconds(5))
                                .build());
            case 8 ->
                new Request(
                        "funding-token-pay",
                        404,
                        post(api(pay), tokens.bearer(Driver.FUNDING_SUBJECT, Tokens.FUND), key, payBody));
            case 9 -> new Request("owner-token-top-up", 403, post(api(topUp), tokens.bearer(owner), key, topUpBody));
            case 10 ->
                new Request(
                        "open-wallet-for-another-owner",
                        403,
                        post(
                                api("/wallets"),
                                tokens.bearer(intruder),
                                null,
                                "{\"ownerId\":\"" + owner + "\",\"currency\":\"USD\"}"));
            case 11 ->
                new Request(
                        "user-token-admin-retry",
                        403,
                        post(management("/admin/outbox/parked/1/retry"), tokens.bearer(owner), null, "{}"));
            case 12 ->
                new Request(
                        "funding-token-admin-discard",
                        403,
                        HttpRequest.newBuilder(management("/admin/outbox/parked/1"))
                                .header("Authorization", tokens.bearer(Driver.FUNDING_SUBJECT, Tokens.FUND))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(5))
                                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"reason\":\"intruder\"}"))
                                .build());
            default ->
                new Request(
                        "admin-token-on-public-port",
                        404,
                        post(
                                api("/admin/outbox/parked/1/retry"),
                                tokens.bearer(intruder + "-op", Tokens.ADMIN),
                                null,
                                "{}"));
        };
    }

    private URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort.getAsInt() + path);
    }

    private URI management(String path) {
        return URI.create("http://127.0.0.1:" + managementPort.getAsInt() + path);
    }

    private static HttpRequest post(URI uri, String authorization, String key, String body) {
        var b = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return b.build();
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    /** The owner's token, correctly signed by the trusted issuer, that expired ten minutes ago. */
    private String expired(String subject) {
        return issuer.mint(claims(subject, "wallet-api", -600));
    }

    /** Claims of the trusted issuer for {@code subject} and {@code audience}, expiring {@code expiresIn} s from now. */
    private JWTClaimsSet claims(String subject, String audience, long expiresIn) {
        Instant now = Instant.now();
        Instant issued = expiresIn > 0 ? now : now.plusSeconds(expiresIn - 3600);
        return new JWTClaimsSet.Builder()
                .issuer(issuer.issuer())
                .subject(subject)
                .audience(List.of(audience))
                .issueTime(Date.from(issued))
                .notBeforeTime(Date.from(issued))
                .expirationTime(Date.from(now.plusSeconds(expiresIn)))
                .jwtID(UUID.randomUUID().toString())
                .claim("client_id", subject)
                .build();
    }
}
