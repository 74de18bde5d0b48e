package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operator actions on the management port: only scope {@code wallet:admin}, each written to the append-only audit
 * log with who, what, target and reason in the action's transaction; a discard without a reason changes nothing.
 */
class AdminAuditIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ServiceHarness service;

    @BeforeAll
    static void start() {
        service = new ServiceHarness("adminaudit", Map.of("ROLES", "api"));
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void discardNeedsAReasonAndEveryActionIsAudited() throws Exception {
        long parked = park();
        HttpResponse<String> noReason = delete(parked, null);
        assertEquals(400, noReason.statusCode(), noReason.body());
        assertEquals(1, count("SELECT count(*) FROM outbox_parked WHERE id = " + parked), "nothing discarded");
        assertEquals(
                0, count("SELECT count(*) FROM admin_audit WHERE target = 'parked:" + parked + "'"), "nothing audited");

        HttpResponse<String> byUser = service.send(request(parked, "{\"reason\":\"x\"}", TestTokens.token("alice")));
        assertEquals(403, byUser.statusCode(), byUser.body());
        HttpResponse<String> onPublicPort =
                service.send(HttpRequest.newBuilder(URI.create(service.baseUrl + "/admin/outbox/parked/" + parked))
                        .header("Authorization", "Bearer " + TestTokens.admin())
                        .header("Content-Type", "application/json")
                        .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"reason\":\"x\"}"))
                        .build());
        assertEquals(404, onPublicPort.statusCode(), "admin is served only on the management port");

        HttpResponse<String> discarded = delete(parked, "{\"reason\":\"duplicate of INC-42\"}");
        assertEquals(204, discarded.statusCode(), discarded.body());
        assertEquals(0, count("SELECT count(*) FROM outbox_parked WHERE id = " + parked));

        long other = park();
        HttpResponse<String> retried = service.post("/admin/outbox/parked/" + other + "/retry", "", null);
        assertEquals(204, retried.statusCode(), retried.body());
        assertEquals(1, count("SELECT count(*) FROM outbox_event WHERE id = " + other), "back in the outbox");

        List<JsonNode> items = new java.util.ArrayList<>();
        JSON.readTree(service.get("/admin/audit?limit=100").body()).get("items").forEach(item -> {
            String target = item.get("target").asText();
            if (target.equals("parked:" + parked) || target.equals("parked:" + other)) {
                items.add(item);
            }
        });
        assertEquals(2, items.size(), items.toString());
        assertEquals("outbox.parked.discard", items.get(0).get("action").asText());
        assertEquals("parked:" + parked, items.get(0).get("target").asText());
        assertEquals("duplicate of INC-42", items.get(0).get("reason").asText());
        assertEquals(TestTokens.OPERATOR, items.get(0).get("actor").asText());
        assertEquals("outbox.parked.retry", items.get(1).get("action").asText());
        assertTrue(items.get(1).get("reason").isNull());
    }

    @Test
    void theDatabaseRefusesToEditTheAuditLog() throws Exception {
        long parked = park();
        assertEquals(204, delete(parked, "{\"reason\":\"cleanup\"}").statusCode());
        try (Connection c = connect()) {
            for (String sql : new String[] {
                "UPDATE admin_audit SET reason = 'nothing happened'", "DELETE FROM admin_audit", "TRUNCATE admin_audit"
            }) {
                SQLException refused = assertThrows(
                        SQLException.class, () -> c.createStatement().execute(sql));
                assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
            }
        }
        assertTrue(count("SELECT count(*) FROM admin_audit WHERE reason = 'cleanup'") == 1);
    }

    @Test
    void retentionPurgesOnlyRecordsOlderThanItsCutOff() throws Exception {
        try (Connection c = connect()) {
            c.createStatement()
                    .execute("INSERT INTO admin_audit (at, actor, action, target, reason) VALUES"
                            + " (now() - interval '500 days', 'old-op', 'outbox.parked.discard', 'parked:1', 'old'),"
                            + " (now() - interval '10 days', 'new-op', 'outbox.parked.discard', 'parked:2', 'new')");
        }
        var audit = new io.walletoutbox.app.internal.audit.AuditLog(org.jdbi.v3.core.Jdbi.create(
                service.jdbcUrl,
                io.walletoutbox.embedded.SharedInfrastructure.get().user(),
                ""));
        assertEquals(1, audit.purge(java.time.Duration.ofDays(400)));
        assertEquals(0, count("SELECT count(*) FROM admin_audit WHERE actor = 'old-op'"));
        assertEquals(1, count("SELECT count(*) FROM admin_audit WHERE actor = 'new-op'"));
        try (Connection c = connect()) {
            // outside the purge's own transaction the cut-off is not set: even old rows cannot be deleted
            c.createStatement()
                    .execute("INSERT INTO admin_audit (at, actor, action, target) VALUES"
                            + " (now() - interval '900 days', 'older-op', 'outbox.parked.retry', 'parked:3')");
            SQLException refused = assertThrows(
                    SQLException.class,
                    () -> c.createStatement().execute("DELETE FROM admin_audit WHERE actor = 'older-op'"));
            assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
        }
    }

    private static HttpResponse<String> delete(long id, String body) {
        return service.send(request(id, body, TestTokens.admin()));
    }

    private static HttpRequest request(long id, String body, String token) {
        var builder = HttpRequest.newBuilder(URI.create(service.managementUrl + "/admin/outbox/parked/" + id))
                .header("Authorization", "Bearer " + token);
        if (body == null) {
            return builder.DELETE().build();
        }
        return builder.header("Content-Type", "application/json")
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** A parked event, as a relay leaves one after its attempts ran out. */
    private static long park() throws SQLException {
        try (Connection c = connect();
                var s = c.prepareStatement("""
                        INSERT INTO outbox_parked (id, event_id, shard, aggregate_type, aggregate_id, event_type, topic,
                                                   payload, headers, created_at, attempts, last_error)
                        VALUES ((SELECT coalesce(max(id), 0) + 1000 FROM outbox_parked), ?, 1, 'wallet', 'w-1',
                                'Test', ?, '{}', '{}', now(), 5, 'too large') RETURNING id
                        """)) {
            s.setObject(1, UUID.randomUUID());
            s.setString(2, service.topic);
            try (var rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long count(String sql) {
        return service.count(sql);
    }

    private static Connection connect() throws SQLException {
        return service.connect();
    }
}
