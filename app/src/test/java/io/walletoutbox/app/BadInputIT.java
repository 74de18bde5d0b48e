package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad request gets a 4xx problem+json and changes nothing in the database; none gets a 500. */
class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;
    private static String wallet;

    @BeforeAll
    static void start() throws Exception {
        service = new ServiceHarness("badinput", Map.of("ROLES", "api"));
        var created = service.post("/wallets", "{\"currency\":\"USD\"}", null);
        wallet = JSON.readTree(created.body()).get("id").asText();
        assertEquals(
                201,
                service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":1000}", "seed")
                        .statusCode());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    static Stream<Arguments> badRequests() {
        String w = "/wallets/{w}";
        String topUp = w + "/top-ups";
        String pay = w + "/bill-payments";
        String okPay = ",\"biller\":\"wifi\",\"customerRef\":\"ACC-1\"}";
        return Stream.of(
                // wallets
                bad("malformed JSON", "POST", "/wallets", "{\"ownerId\":", 400),
                bad("not an object", "POST", "/wallets", "[1,2]", 400),
                bad("null body", "POST", "/wallets", "null", 400),
                bad("empty body", "POST", "/wallets", "", 400),
                bad(
                        "unknown field",
                        "POST",
                        "/wallets",
                        "{\"ownerId\":\"a\",\"currency\":\"USD\",\"admin\":true}",
                        400),
                bad(
                        "duplicated field",
                        "POST",
                        "/wallets",
                        "{\"ownerId\":\"a\",\"ownerId\":\"b\",\"currency\":\"USD\"}",
                        400),
                bad("missing currency", "POST", "/wallets", "{\"ownerId\":\"alice\"}", 400),
                bad("number as owner", "POST", "/wallets", "{\"ownerId\":1,\"currency\":\"USD\"}", 400),
                bad("unknown currency", "POST", "/wallets", "{\"ownerId\":\"alice\",\"currency\":\"XYZ\"}", 422),
                bad("lower-case currency", "POST", "/wallets", "{\"currency\":\"usd\"}", 422),
                bad("empty owner (not the caller)", "POST", "/wallets", "{\"ownerId\":\"\",\"currency\":\"USD\"}", 403),
                bad(
                        "another owner",
                        "POST",
                        "/wallets",
                        "{\"ownerId\":\"" + "a".repeat(65) + "\",\"currency\":\"USD\"}",
                        403),
                bad(
                        "SQL in owner",
                        "POST",
                        "/wallets",
                        "{\"ownerId\":\"x'; DROP TABLE wallet;--\",\"currency\":\"USD\"}",
                        403),
                // top-ups
                bad("zero", "POST", topUp, "{\"amount\":0}", 422),
                bad("negative", "POST", topUp, "{\"amount\":-1}", 422),
                bad("fraction", "POST", topUp, "{\"amount\":1.5}", 400),
                bad("exponent", "POST", topUp, "{\"amount\":1e3}", 400),
                bad("string amount", "POST", topUp, "{\"amount\":\"100\"}", 400),
                bad("boolean amount", "POST", topUp, "{\"amount\":true}", 400),
                bad("2^63", "POST", topUp, "{\"amount\":9223372036854775808}", 400),
                bad("above maximum", "POST", topUp, "{\"amount\":1000000000000001}", 422),
                bad("missing amount", "POST", topUp, "{}", 400),
                bad("null amount", "POST", topUp, "{\"amount\":null}", 400),
                bad("duplicated amount", "POST", topUp, "{\"amount\":1,\"amount\":2}", 400),
                bad("no idempotency key", "POST", topUp, "{\"amount\":5}", 400, null),
                bad("idempotency key too long", "POST", topUp, "{\"amount\":5}", 400, "k".repeat(256)),
                bad("unknown wallet", "POST", "/wallets/" + UUID.randomUUID() + "/top-ups", "{\"amount\":5}", 404),
                bad("non-UUID wallet", "POST", "/wallets/123/top-ups", "{\"amount\":5}", 400),
                bad("SQL in wallet id", "POST", "/wallets/1'%20OR%20'1'='1/top-ups", "{\"amount\":5}", 400),
                // bill payments
                bad("insufficient funds", "POST", pay, "{\"amount\":1001" + okPay, 422),
                bad("zero payment", "POST", pay, "{\"amount\":0" + okPay, 422),
                bad("fraction payment", "POST", pay, "{\"amount\":2.5" + okPay, 400),
                bad("missing biller", "POST", pay, "{\"amount\":5,\"customerRef\":\"ACC-1\"}", 400),
                bad("unknown biller", "POST", pay, "{\"amount\":5,\"biller\":\"gas\",\"customerRef\":\"ACC-1\"}", 422),
                bad("biller not a string", "POST", pay, "{\"amount\":5,\"biller\":7,\"customerRef\":\"ACC-1\"}", 400),
                bad(
                        "SQL in customerRef",
                        "POST",
                        pay,
                        "{\"amount\":5,\"biller\":\"wifi\",\"customerRef\":\"1; DELETE FROM x\"}",
                        422),
                bad(
                        "customerRef too long",
                        "POST",
                        pay,
                        "{\"amount\":5,\"biller\":\"wifi\",\"customerRef\":\"" + "9".repeat(65) + "\"}",
                        422),
                bad("unknown payment field", "POST", pay, "{\"amount\":5,\"currency\":\"USD\"" + okPay, 400),
                // reads
                bad("bad payment id", "GET", "/bill-payments/xyz", null, 400),
                bad("unknown payment", "GET", "/bill-payments/" + UUID.randomUUID(), null, 404),
                bad("limit zero", "GET", w + "/transactions?limit=0", null, 400),
                bad("limit text", "GET", w + "/transactions?limit=ten", null, 400),
                bad("forged cursor", "GET", w + "/transactions?cursor=AAAA", null, 400),
                bad("no such route", "GET", "/wallets/" + UUID.randomUUID() + "/nothing", null, 404),
                bad("wrong method", "DELETE", w, null, 405));
    }

    private static Arguments bad(String name, String method, String path, String body, int status) {
        return bad(name, method, path, body, status, "key-" + UUID.randomUUID());
    }

    private static Arguments bad(String name, String method, String path, String body, int status, String key) {
        return Arguments.of(name, method, path, body, status, key);
    }

    @ParameterizedTest(name = "{0} → {4}")
    @MethodSource("badRequests")
    void badRequestIsRejectedAndChangesNothing(
            String name, String method, String path, String body, int status, String key) throws Exception {
        Map<String, Long> before = rowCounts();
        var request = HttpRequest.newBuilder(URI.create(service.baseUrl + path.replace("{w}", wallet)));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = service.send(request.build());
        assertProblem(response, status);
        assertEquals(before, rowCounts(), name + " wrote nothing");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongMediaAndSize")
    void wrongMediaTypeAndHugeBodiesAreRejected(String name, String contentType, byte[] body, int status)
            throws Exception {
        Map<String, Long> before = rowCounts();
        // Expect: 100-continue, as a client sending a large body should: the server's early 413 then arrives before
        // the body is sent, instead of racing the upload (the server may close the connection mid-upload).
        var request = HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + wallet + "/top-ups"))
                .expectContinue(true)
                .header("Content-Type", contentType)
                .header("Idempotency-Key", "media-" + UUID.randomUUID())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        assertProblem(service.send(request), status);
        assertEquals(before, rowCounts());
    }

    static Stream<Arguments> wrongMediaAndSize() {
        byte[] tenMegabytes = ("{\"amount\":5,\"pad\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}").getBytes();
        return Stream.of(
                Arguments.of("text/plain", "text/plain", "{\"amount\":5}".getBytes(), 415),
                Arguments.of("form", "application/x-www-form-urlencoded", "amount=5".getBytes(), 415),
                Arguments.of("10 MB body", "application/json", tenMegabytes, 413));
    }

    private static void assertProblem(HttpResponse<String> response, int status) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(
                response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                "problem+json: " + response.headers().map());
        JsonNode problem = JSON.readTree(response.body());
        assertEquals(status, problem.get("status").asInt());
        for (String field : new String[] {"type", "title", "detail"}) {
            assertTrue(problem.hasNonNull(field), field + " in " + response.body());
        }
    }

    /** Rows per table of the service's database. */
    private static Map<String, Long> rowCounts() throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(service.jdbcUrl, "postgres", "");
                var tables = c.createStatement()
                        .executeQuery(
                                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%schema_history'")) {
            while (tables.next()) {
                String table = tables.getString(1);
                try (var count = c.createStatement().executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
                    count.next();
                    counts.put(table, count.getLong(1));
                }
            }
        }
        return counts;
    }
}
