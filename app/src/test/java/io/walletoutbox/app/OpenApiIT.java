package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.walletoutbox.app.internal.http.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps {@code /openapi.json} true: its operations are exactly the registered routes, and real responses of each
 * operation validate against the schema it documents for their status.
 */
class OpenApiIT {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static ServiceHarness service;
    private static JsonNode openapi;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("openapi", Map.of());
        openapi = JSON.readTree(service.get("/openapi.json").body());
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void documentIsOpenApi31AndServed() {
        assertEquals("3.1.0", openapi.get("openapi").asString());
        try (var in = ApiServer.class.getResourceAsStream(ApiServer.OPENAPI_RESOURCE)) {
            assertEquals(JSON.readTree(in), openapi, "served as shipped");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void documentedOperationsAreExactlyTheRegisteredRoutes() {
        Set<String> documented = new TreeSet<>();
        for (var path : openapi.get("paths").properties()) {
            for (var op : path.getValue().properties()) {
                documented.add(op.getKey().toUpperCase() + " " + path.getKey());
            }
        }
        Set<String> registered = service.runtime.routes().stream()
                .map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(documented, registered);
    }

    @Test
    void realResponsesMatchTheirDocumentedSchemas() {
        var created = service.post("/wallets", "{\"ownerId\":\"bob\",\"currency\":\"EUR\"}", null);
        check("post", "/wallets", created);
        String wallet = JSON.readTree(created.body()).get("id").asString();
        check("get", "/wallets/{walletId}", service.get("/wallets/" + wallet));
        check(
                "post",
                "/wallets/{walletId}/top-ups",
                service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":700}", "t-" + wallet));
        var paid = service.post(
                "/wallets/" + wallet + "/bill-payments",
                "{\"biller\":\"wifi\",\"customerRef\":\"ACC-9\",\"amount\":300}",
                "p-" + wallet);
        check("post", "/wallets/{walletId}/bill-payments", paid);
        String payment = JSON.readTree(paid.body()).get("id").asString();
        check("get", "/bill-payments/{paymentId}", service.get("/bill-payments/" + payment));
        check("get", "/wallets/{walletId}/transactions", service.get("/wallets/" + wallet + "/transactions?limit=1"));
        check("get", "/admin/outbox", service.get("/admin/outbox"));
        check("get", "/admin/outbox/parked", service.get("/admin/outbox/parked"));
        check("get", "/admin/reconciliation", service.get("/admin/reconciliation"));
        check("get", "/health/live", service.get("/health/live"));
        check("get", "/health/ready", service.get("/health/ready"));

        // problems, too
        check("get", "/wallets/{walletId}", service.get("/wallets/" + UUID.randomUUID()));
        check("get", "/wallets/{walletId}", service.get("/wallets/nope"));
        check(
                "post",
                "/wallets/{walletId}/top-ups",
                service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":1.5}", "t2-" + wallet));
        check(
                "post",
                "/wallets/{walletId}/bill-payments",
                service.post(
                        "/wallets/" + wallet + "/bill-payments",
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-9\",\"amount\":999999}",
                        "p2-" + wallet));
        check("post", "/admin/outbox/parked/{id}/retry", service.post("/admin/outbox/parked/12345/retry", "", null));
        check(
                "delete",
                "/admin/outbox/parked/{id}",
                service.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(service.baseUrl + "/admin/outbox/parked/12345"))
                        .DELETE()
                        .build()));
    }

    /** Validates {@code response} against the schema documented for its operation and status. */
    private static void check(String method, String path, HttpResponse<String> response) {
        JsonNode operation = openapi.get("paths").get(path).get(method);
        assertNotNull(operation, method + " " + path + " is documented");
        JsonNode documented = operation.get("responses").get(Integer.toString(response.statusCode()));
        assertNotNull(
                documented,
                method + " " + path + " documents status " + response.statusCode() + ": " + response.body());
        documented = resolve(documented);
        String contentType = response.headers()
                .firstValue("Content-Type")
                .orElse("")
                .split(";")[0]
                .trim();
        JsonNode content = documented.get("content");
        if (content == null) {
            assertTrue(response.body().isEmpty(), "no body documented, none sent");
            return;
        }
        JsonNode media = content.get(contentType);
        assertNotNull(media, method + " " + path + " " + response.statusCode() + " documents " + contentType);
        String schema = "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$defs\":"
                + openapi.get("components").get("schemas") + ",\"allOf\":[" + media.get("schema") + "]}";
        schema = schema.replace("#/components/schemas/", "#/$defs/");
        List<Error> errors = SCHEMAS.getSchema(schema, InputFormat.JSON).validate(JSON.readTree(response.body()));
        assertTrue(
                errors.isEmpty(),
                method + " " + path + " " + response.statusCode() + ": " + errors + " in " + response.body());
    }

    private static JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        JsonNode target = openapi;
        for (String part : ref.asString().substring(2).split("/")) {
            target = target.get(part);
        }
        return target;
    }
}
