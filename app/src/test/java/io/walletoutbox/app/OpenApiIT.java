package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.walletoutbox.app.internal.http.ApiServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * Keeps {@code /openapi.json} true: its operations are exactly the registered routes of both ports (public and
 * management), each operation's security and 4xx answers follow the access rules, and real responses of each operation
 * validate against the schema and headers it documents for their status.
 */
class OpenApiIT {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Set<String> HTTP_METHODS =
            Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final List<String> MANAGEMENT_PREFIXES = List.of("/admin", "/metrics", "/health");
    private static final Set<String> OPEN_OPERATIONS =
            Set.of("GET /openapi.json", "GET /metrics", "GET /health/live", "GET /health/ready");
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
        // routes() holds the routes of both servers: the public port's and the management port's.
        Set<String> registered = service.runtime.routes().stream()
                .map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(operations().keySet(), registered);
    }

    @Test
    void managementOperationsNameTheManagementServerAndOthersThePublicOne() {
        assertEquals("8080", serverPort(openapi.get("servers")), "the public port is the document's server");
        for (var path : openapi.get("paths").properties()) {
            boolean management = MANAGEMENT_PREFIXES.stream().anyMatch(path.getKey()::startsWith);
            JsonNode servers = path.getValue().get("servers");
            if (management) {
                assertNotNull(servers, path.getKey() + " names the management server");
                assertEquals("9090", serverPort(servers), path.getKey() + " is on the management port");
            } else {
                assertNull(servers, path.getKey() + " is on the public port");
            }
        }
    }

    @Test
    void everyOperationDocumentsItsScopesSummaryAndRefusals() {
        var schemes = openapi.get("components").get("securitySchemes");
        for (var entry : operations().entrySet()) {
            String name = entry.getKey();
            JsonNode operation = entry.getValue();
            for (String field : List.of("operationId", "summary", "description", "tags")) {
                assertTrue(operation.has(field), name + " has " + field);
            }
            JsonNode security = operation.has("security") ? operation.get("security") : openapi.get("security");
            JsonNode responses = operation.get("responses");
            if (OPEN_OPERATIONS.contains(name)) {
                assertTrue(security.isArray() && security.isEmpty(), name + " takes no token");
                continue;
            }
            assertEquals(1, security.size(), name + " has one security requirement");
            var requirement = security.get(0).properties().iterator().next();
            assertTrue(schemes.has(requirement.getKey()), name + " names a declared scheme");
            Set<String> scopes = new TreeSet<>();
            requirement.getValue().values().forEach(scope -> scopes.add(scope.asString()));
            Set<String> expected = name.contains(" /admin/")
                    ? Set.of("wallet:admin")
                    : name.equals("POST /wallets/{walletId}/top-ups") ? Set.of("wallet:fund") : Set.of();
            assertEquals(expected, scopes, name + " scopes");
            assertTrue(responses.has("401"), name + " documents 401");
            assertTrue(responses.has("429"), name + " documents 429");
            boolean mayBeForbidden = !scopes.isEmpty() || name.equals("POST /wallets");
            assertEquals(mayBeForbidden, responses.has("403"), name + " documents 403 exactly when it can refuse one");
        }
        assertNotNull(
                resolve(openapi.get("components").get("responses").get("Unauthorized"))
                        .get("headers")
                        .get("WWW-Authenticate"),
                "401 documents WWW-Authenticate");
        assertNotNull(
                resolve(openapi.get("components").get("responses").get("TooManyRequests"))
                        .get("headers")
                        .get("Retry-After"),
                "429 documents Retry-After");
    }

    /** Every documented operation as "METHOD /path" (the path item's other fields, like servers, left out). */
    private static Map<String, JsonNode> operations() {
        Map<String, JsonNode> operations = new TreeMap<>();
        for (var path : openapi.get("paths").properties()) {
            for (var op : path.getValue().properties()) {
                if (HTTP_METHODS.contains(op.getKey())) {
                    operations.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), op.getValue());
                }
            }
        }
        return operations;
    }

    /** The default port of the one server in {@code servers}. */
    private static String serverPort(JsonNode servers) {
        assertEquals(1, servers.size(), "one server: " + servers);
        return servers.get(0).get("variables").get("port").get("default").asString();
    }

    @Test
    void realResponsesMatchTheirDocumentedSchemas() {
        var created = service.post("/wallets", "{\"currency\":\"EUR\"}", null);
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

        // no token: every public operation answers as documented (401 with its challenge, once tokens are required)
        for (var entry : operations().entrySet()) {
            String name = entry.getKey();
            String template = name.substring(name.indexOf(' ') + 1);
            if (OPEN_OPERATIONS.contains(name) || MANAGEMENT_PREFIXES.stream().anyMatch(template::startsWith)) {
                continue;
            }
            String method = name.substring(0, name.indexOf(' '));
            String path = template.replace("{walletId}", UUID.randomUUID().toString())
                    .replace("{paymentId}", UUID.randomUUID().toString());
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(service.baseUrl + path))
                    .header("Authorization", "Bearer not-a-token")
                    .method(
                            method,
                            method.equals("POST")
                                    ? java.net.http.HttpRequest.BodyPublishers.ofString("{}")
                                    : java.net.http.HttpRequest.BodyPublishers.noBody());
            check(method.toLowerCase(Locale.ROOT), template, service.send(request.build()));
        }

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
                                java.net.URI.create(service.urlOf("/admin/outbox/parked/12345")))
                        .header("Content-Type", "application/json")
                        .method("DELETE", java.net.http.HttpRequest.BodyPublishers.ofString("{\"reason\":\"test\"}"))
                        .build()));
        check("get", "/admin/audit", service.get("/admin/audit"));
    }

    /**
     * Validates {@code response} against what is documented for its operation and status: the headers the document
     * marks required are present, and the body matches the schema of its media type.
     */
    private static void check(String method, String path, HttpResponse<String> response) {
        JsonNode operation = openapi.get("paths").get(path).get(method);
        assertNotNull(operation, method + " " + path + " is documented");
        JsonNode documented = operation.get("responses").get(Integer.toString(response.statusCode()));
        assertNotNull(
                documented,
                method + " " + path + " documents status " + response.statusCode() + ": " + response.body());
        documented = resolve(documented);
        JsonNode headers = documented.get("headers");
        if (headers != null) {
            for (var header : headers.properties()) {
                if (resolve(header.getValue()).path("required").asBoolean(false)) {
                    assertTrue(
                            response.headers().firstValue(header.getKey()).isPresent(),
                            method + " " + path + " " + response.statusCode() + " sends " + header.getKey());
                }
            }
        }
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
