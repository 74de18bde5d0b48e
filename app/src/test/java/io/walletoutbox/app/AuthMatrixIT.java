package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.walletoutbox.app.internal.auth.Access;
import io.walletoutbox.embedded.DevIssuer;
import io.walletoutbox.embedded.SharedInfrastructure;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The access matrix of issue 12: every route of both ports × every kind of caller (eleven kinds of invalid token
 * and four valid principals) → the expected status. Every refusal is problem+json (a 401 also says {@code
 * WWW-Authenticate: Bearer … error="invalid_token"}), nothing answers 5xx, and no request that is not meant to write
 * changes the row count of any table of the service's database.
 *
 * <p>The routes come from the running service, so a route added later fails this test until it has a row.
 */
class AuthMatrixIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OWNER = ServiceHarness.USER;
    private static final String STRANGER = "bob";
    private static final String NO_PARKED_EVENT = "999999";

    private static ServiceHarness service;
    private static String wallet;
    private static String payment;
    private static Map<Column, String> authorization;
    private static Connection database;

    /** A kind of caller: the Authorization header it sends, and for invalid tokens a piece of the 401's detail. */
    enum Column {
        NO_TOKEN(true, "send an access token"),
        MALFORMED(true, "not a signed JWT"),
        EXPIRED(true, "has expired"),
        NOT_YET_VALID(true, "not valid yet"),
        WRONG_ISSUER(true, "issuer this service does not trust"),
        WRONG_AUDIENCE(true, "not meant for this service"),
        ALG_NONE(true, "accepted algorithm"),
        HS256_WITH_PUBLIC_KEY(true, "accepted algorithm"),
        TAMPERED_SIGNATURE(true, "signature"),
        UNKNOWN_KID(true, null),
        NO_SUBJECT(true, "lacks a required claim"),
        OWNER(false, null),
        ANOTHER_USER(false, null),
        FUNDING(false, null),
        ADMIN(false, null);

        final boolean invalid;
        final String detail;

        Column(boolean invalid, String detail) {
            this.invalid = invalid;
            this.detail = detail;
        }
    }

    /**
     * One route: what it requires, the status of the caller it is meant for ({@code allowed}: the owner for {@link
     * Access#USER}, the funding service for {@link Access#FUND}, the operator for {@link Access#ADMIN}, anyone for
     * {@link Access#OPEN}) and of a valid principal it is not meant for ({@code stranger}, USER routes only).
     */
    record Row(String method, String path, boolean management, Access access, int allowed, int stranger) {
        String key() {
            return key(method, path, management);
        }

        static String key(String method, String path, boolean management) {
            return method + " " + path + (management ? " (management)" : "");
        }

        int expected(Column column) {
            if (access == Access.OPEN) {
                return allowed;
            }
            if (column.invalid) {
                return 401;
            }
            return switch (access) {
                case USER -> column == Column.OWNER ? allowed : stranger;
                case FUND -> column == Column.FUNDING ? allowed : 403;
                case ADMIN -> column == Column.ADMIN ? allowed : 403;
                case OPEN -> throw new AssertionError();
            };
        }

        /** Whether the allowed request writes (it runs after the refusals, which must leave every table alone). */
        boolean writes(Column column) {
            int status = expected(column);
            return status == 201 || status == 202;
        }
    }

    private static final List<Row> ROWS = List.of(
            new Row("GET", "/openapi.json", false, Access.OPEN, 200, 0),
            // ownerId names the owner: the owner opens a wallet, anyone else is refused (403)
            new Row("POST", "/wallets", false, Access.USER, 201, 403),
            new Row("GET", "/wallets/{walletId}", false, Access.USER, 200, 404),
            new Row("POST", "/wallets/{walletId}/top-ups", false, Access.FUND, 201, 0),
            new Row("POST", "/wallets/{walletId}/bill-payments", false, Access.USER, 202, 404),
            new Row("GET", "/wallets/{walletId}/transactions", false, Access.USER, 200, 404),
            new Row("GET", "/bill-payments/{paymentId}", false, Access.USER, 200, 404),
            new Row("GET", "/health/live", true, Access.OPEN, 200, 0),
            new Row("GET", "/health/ready", true, Access.OPEN, 200, 0),
            new Row("GET", "/metrics", true, Access.OPEN, 200, 0),
            new Row("GET", "/admin/outbox", true, Access.ADMIN, 200, 0),
            new Row("GET", "/admin/outbox/parked", true, Access.ADMIN, 200, 0),
            new Row("POST", "/admin/outbox/parked/{id}/retry", true, Access.ADMIN, 404, 0),
            new Row("DELETE", "/admin/outbox/parked/{id}", true, Access.ADMIN, 404, 0),
            new Row("GET", "/admin/reconciliation", true, Access.ADMIN, 200, 0),
            // the fixture's payment is not in reconciliation: the admin's resolve finds nothing to resolve
            new Row("POST", "/admin/reconciliation/{paymentId}/resolve", true, Access.ADMIN, 404, 0),
            new Row("GET", "/admin/audit", true, Access.ADMIN, 200, 0));

    @BeforeAll
    static void start() throws Exception {
        // Refused tokens from one address are slowed down (RateLimitIT tests that): here the matrix measures auth.
        service = new ServiceHarness("authmatrix", Map.of("AUTH_FAILURE_RATE_LIMIT", "100000"));
        wallet = service.walletWith(100_000);
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-1\",\"amount\":100}",
                "matrix-fixture");
        assertEquals(202, paid.statusCode(), paid.body());
        payment = JSON.readTree(paid.body()).get("id").asText();
        // The fixture's asynchronous work must be over before the row counts are taken.
        ServiceHarness.await(
                Duration.ofSeconds(60),
                "the fixture payment to succeed and the outbox to drain",
                () -> "SUCCEEDED".equals(service.status(payment)) && backlog() == 0);
        authorization = authorizations();
        database = DriverManager.getConnection(
                service.jdbcUrl, SharedInfrastructure.get().user(), "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (database != null) {
            database.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void everyRouteAnswersEveryCallerAsTheRulesSayAndRefusalsWriteNothing() throws Exception {
        Map<String, Row> rows = ROWS.stream().collect(Collectors.toMap(Row::key, r -> r));
        List<String> served = service.runtime.routes().stream()
                .map(r -> Row.key(r.method(), r.path(), r.management()))
                .distinct()
                .sorted()
                .toList();
        List<String> withoutRow =
                served.stream().filter(r -> !rows.containsKey(r)).toList();
        assertTrue(withoutRow.isEmpty(), "routes without a row in the access matrix: " + withoutRow);
        List<String> stale =
                rows.keySet().stream().filter(r -> !served.contains(r)).sorted().toList();
        assertTrue(stale.isEmpty(), "matrix rows for routes the service does not serve: " + stale);

        List<String> failures = new ArrayList<>();
        Map<String, Long> baseline = rowCounts();
        // First every request that must not write, each followed by a look at every table; then the writes.
        for (boolean writing : new boolean[] {false, true}) {
            for (Row row : ROWS) {
                for (Column column : Column.values()) {
                    if (row.writes(column) != writing) {
                        continue;
                    }
                    String cell = row.key() + " × " + column;
                    HttpResponse<String> answer = send(row, column);
                    int expected = row.expected(column);
                    if (answer.statusCode() >= 500) {
                        failures.add(cell + ": 5xx " + answer.statusCode() + " " + answer.body());
                        continue;
                    }
                    if (answer.statusCode() != expected) {
                        failures.add(
                                cell + ": expected " + expected + ", got " + answer.statusCode() + " " + answer.body());
                        continue;
                    }
                    if (expected >= 400) {
                        problemOf(cell, answer, column, failures);
                    }
                    if (!writing) {
                        Map<String, Long> now = rowCounts();
                        if (!now.equals(baseline)) {
                            failures.add(cell + ": changed row counts " + difference(baseline, now));
                            baseline = now;
                        }
                    }
                }
            }
        }
        System.out.println("access matrix: " + ROWS.size() + " routes × " + Column.values().length + " callers = "
                + ROWS.size() * Column.values().length + " cells");
        assertTrue(failures.isEmpty(), failures.size() + " cells wrong:\n" + String.join("\n", failures));
    }

    @Test
    void anotherUsersWalletAndPaymentLookExactlyLikeMissingOnes() throws Exception {
        String bob = TestTokens.token(STRANGER);
        UUID missing = UUID.randomUUID();
        var theirs = service.requestAs(bob, "GET", "/wallets/" + wallet, null);
        var none = service.requestAs(bob, "GET", "/wallets/" + missing, null);
        assertEquals(404, theirs.statusCode(), theirs.body());
        assertEquals(none.statusCode(), theirs.statusCode());
        assertEquals(none.body().replace(missing.toString(), wallet), theirs.body(), "same problem, same words");

        var theirPayment = service.requestAs(bob, "GET", "/bill-payments/" + payment, null);
        var noPayment = service.requestAs(bob, "GET", "/bill-payments/" + missing, null);
        assertEquals(404, theirPayment.statusCode(), theirPayment.body());
        assertEquals(noPayment.body().replace(missing.toString(), payment), theirPayment.body());
    }

    private static HttpResponse<String> send(Row row, Column column) {
        String path = row.path()
                .replace("{walletId}", wallet)
                .replace("{paymentId}", payment)
                .replace("{id}", NO_PARKED_EVENT);
        String body = switch (row.key()) {
            case "POST /wallets" -> "{\"currency\":\"USD\",\"ownerId\":\"" + OWNER + "\"}";
            case "POST /wallets/{walletId}/top-ups" -> "{\"amount\":100}";
            case "POST /wallets/{walletId}/bill-payments" ->
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-2\",\"amount\":100}";
            case "POST /admin/outbox/parked/{id}/retry (management)", "DELETE /admin/outbox/parked/{id} (management)" ->
                "{\"reason\":\"access matrix\"}";
            case "POST /admin/reconciliation/{paymentId}/resolve (management)" ->
                "{\"outcome\":\"DECLINED\",\"reason\":\"access matrix\"}";
            default -> null;
        };
        return service.request(
                row.method(),
                path,
                authorization.get(column),
                body,
                body == null ? null : UUID.randomUUID().toString());
    }

    private static void problemOf(String cell, HttpResponse<String> answer, Column column, List<String> failures) {
        String type = answer.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("application/problem+json")) {
            failures.add(cell + ": refusal is not problem+json but '" + type + "'");
            return;
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(answer.body());
        } catch (java.io.IOException e) {
            failures.add(cell + ": problem is not JSON: " + answer.body());
            return;
        }
        if (problem.path("status").asInt() != answer.statusCode()
                || problem.path("title").asText().isEmpty()) {
            failures.add(cell + ": problem lacks status or title: " + answer.body());
        }
        if (answer.statusCode() == 401) {
            String challenge = answer.headers().firstValue("WWW-Authenticate").orElse("");
            if (!challenge.startsWith("Bearer ") || !challenge.contains("error=\"invalid_token\"")) {
                failures.add(cell + ": 401 without a Bearer invalid_token challenge: '" + challenge + "'");
            }
            if (column.detail != null && !problem.path("detail").asText().contains(column.detail)) {
                failures.add(cell + ": detail does not say '" + column.detail + "': " + answer.body());
            }
        }
    }

    private static Map<Column, String> authorizations() throws Exception {
        DevIssuer issuer = TestTokens.issuer();
        Map<Column, String> headers = new EnumMap<>(Column.class);
        Instant now = Instant.now();
        headers.put(Column.NO_TOKEN, null);
        headers.put(Column.MALFORMED, "Bearer this-is-not-a-jwt");
        headers.put(
                Column.EXPIRED,
                bearer(issuer.mint(claims(OWNER, now.minus(Duration.ofHours(2)), now.minus(Duration.ofMinutes(5)))
                        .build())));
        headers.put(
                Column.NOT_YET_VALID,
                bearer(issuer.mint(claims(OWNER, now.plus(Duration.ofMinutes(5)), now.plus(Duration.ofHours(1)))
                        .build())));
        headers.put(
                Column.WRONG_ISSUER,
                bearer(issuer.mint(claims(OWNER, now, now.plus(Duration.ofHours(1)))
                        .issuer("http://127.0.0.1:1/not-the-issuer")
                        .build())));
        headers.put(
                Column.WRONG_AUDIENCE,
                bearer(issuer.mint(claims(OWNER, now, now.plus(Duration.ofHours(1)))
                        .audience(List.of("another-api"))
                        .build())));
        JWTClaimsSet valid = claims(OWNER, now, now.plus(Duration.ofHours(1))).build();
        headers.put(Column.ALG_NONE, bearer(new PlainJWT(valid).serialize()));

        // The classic confusion attack: HS256 keyed with the issuer's published RSA key (PEM text, as a naive
        // verifier would read it), under the issuer's kid.
        String kid = issuer.currentKeyId();
        RSAKey published =
                JWKSet.parse(fetch(issuer.jwksUrl())).getKeyByKeyId(kid).toRSAKey();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(published.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        SignedJWT hmac = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(kid)
                        .type(JOSEObjectType.JWT)
                        .build(),
                valid);
        hmac.sign(new MACSigner(pem.getBytes(StandardCharsets.US_ASCII)));
        headers.put(Column.HS256_WITH_PUBLIC_KEY, bearer(hmac.serialize()));

        String good = TestTokens.token(OWNER);
        String[] parts = good.split("\\.");
        byte[] signature = new Base64URL(parts[2]).decode();
        signature[signature.length / 2] ^= 0x5a;
        headers.put(Column.TAMPERED_SIGNATURE, bearer(parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)));

        RSAKey stranger = new RSAKeyGenerator(2048)
                .keyID("not-published-" + UUID.randomUUID())
                .generate();
        SignedJWT foreign = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(stranger.getKeyID())
                        .type(new JOSEObjectType("at+jwt"))
                        .build(),
                valid);
        foreign.sign(new RSASSASigner(stranger));
        headers.put(Column.UNKNOWN_KID, bearer(foreign.serialize()));

        headers.put(
                Column.NO_SUBJECT,
                bearer(issuer.mint(claims(OWNER, now, now.plus(Duration.ofHours(1)))
                        .subject(null)
                        .build())));
        headers.put(Column.OWNER, bearer(TestTokens.token(OWNER)));
        headers.put(Column.ANOTHER_USER, bearer(TestTokens.token(STRANGER)));
        headers.put(Column.FUNDING, bearer(TestTokens.funding()));
        headers.put(Column.ADMIN, bearer(TestTokens.admin()));
        return headers;
    }

    /** Claims that are right in every way except the times given. */
    private static JWTClaimsSet.Builder claims(String subject, Instant notBefore, Instant expires) {
        return new JWTClaimsSet.Builder()
                .issuer(TestTokens.issuer().issuer())
                .subject(subject)
                .audience(List.of("wallet-api"))
                .issueTime(Date.from(notBefore))
                .notBeforeTime(Date.from(notBefore))
                .expirationTime(Date.from(expires))
                .jwtID(UUID.randomUUID().toString());
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String fetch(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }

    private static long backlog() {
        try {
            return JSON.readTree(service.get("/admin/outbox").body())
                    .path("backlog")
                    .asLong(-1);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** The number of rows of every table of the service's database, by schema-qualified name. */
    private static Map<String, Long> rowCounts() throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        Connection c = database;
        List<String> tables = new ArrayList<>();
        try (var s = c.createStatement();
                var rs = s.executeQuery("""
                        SELECT quote_ident(table_schema) || '.' || quote_ident(table_name)
                        FROM information_schema.tables
                        WHERE table_type = 'BASE TABLE'
                          AND table_schema NOT IN ('pg_catalog', 'information_schema')
                        """)) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        for (String table : tables) {
            // names from the catalog, quoted by PostgreSQL itself
            try (var s = c.createStatement();
                    var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
                rs.next();
                counts.put(table, rs.getLong(1));
            }
        }
        assertTrue(counts.size() >= 5, "the service's tables: " + counts.keySet());
        return counts;
    }

    private static String difference(Map<String, Long> before, Map<String, Long> after) {
        Map<String, String> diff = new LinkedHashMap<>();
        for (String table : Set.copyOf(after.keySet())) {
            if (!after.get(table).equals(before.get(table))) {
                diff.put(table, before.get(table) + " → " + after.get(table));
            }
        }
        return diff.toString();
    }
}
