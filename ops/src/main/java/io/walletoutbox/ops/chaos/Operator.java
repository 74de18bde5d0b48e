package io.walletoutbox.ops.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walletoutbox.ops.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;

/**
 * An operator of the deployment under test: the {@code /admin/*} routes of the api's management port with a token
 * of scope {@code wallet:admin} (subject {@link #SUBJECT}), as a person with the runbook would use them. Every
 * call answers what the service said; nothing is retried here, so the scenario sees each answer.
 */
final class Operator {
    /** The operator's subject: the actor of its audited actions (the AUTH check allows those, and only those). */
    static final String SUBJECT = "chaos-operator";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBLEM_BASE = "https://wallet-outbox.io/problems/";

    /**
     * One answer: its status, the problem type's slug ({@code attempt-in-flight}, …) for a problem, {@code
     * Retry-After} when sent, and the body; status -1 when the service did not answer.
     */
    record Answer(int status, String problem, Optional<String> retryAfter, String body) {
        /** {@code 409 attempt-in-flight} and the like: {@code status} and the slug, or just the status. */
        String label() {
            return problem.isEmpty() ? Integer.toString(status) : status + " " + problem;
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final IntSupplier managementPort;
    private final Tokens tokens;

    Operator(IntSupplier managementPort, Tokens tokens) {
        this.managementPort = managementPort;
        this.tokens = tokens;
    }

    /** The api's operator, on its management port, with the run's issuer. */
    static Operator of(ScenarioRun r) {
        return new Operator(() -> r.service("api").managementPort, r.cluster.tokens());
    }

    /** {@code GET /admin/reconciliation}: the unresolved entries (at most 200, oldest first). */
    List<JsonNode> reconciliation() throws InterruptedException {
        return items(send("GET", "/admin/reconciliation?limit=200", null));
    }

    /** {@code POST /admin/reconciliation/{payment}/resolve} with {@code outcome} (PAID or DECLINED) and a reason. */
    Answer resolve(UUID payment, String outcome, String reason) throws InterruptedException {
        return send(
                "POST",
                "/admin/reconciliation/" + payment + "/resolve",
                JSON.createObjectNode()
                        .put("outcome", outcome)
                        .put("reason", reason)
                        .toString());
    }

    /** {@code GET /admin/outbox/parked}: the parked events (at most 200, by id). */
    List<JsonNode> parked() throws InterruptedException {
        return items(send("GET", "/admin/outbox/parked?limit=200", null));
    }

    /** {@code DELETE /admin/outbox/parked/{id}} with a reason: discards a parked event. */
    Answer discard(long id, String reason) throws InterruptedException {
        return send(
                "DELETE",
                "/admin/outbox/parked/" + id,
                JSON.createObjectNode().put("reason", reason).toString());
    }

    /** {@code POST /admin/outbox/parked/{id}/retry} with a reason: puts a parked event back on the relay's path. */
    Answer retry(long id, String reason) throws InterruptedException {
        return send(
                "POST",
                "/admin/outbox/parked/" + id + "/retry",
                JSON.createObjectNode().put("reason", reason).toString());
    }

    private static List<JsonNode> items(Answer a) {
        if (a.status() != 200) {
            throw new IllegalStateException("an operator's listing answered " + a.label() + ": " + a.body());
        }
        try {
            List<JsonNode> items = new ArrayList<>();
            JSON.readTree(a.body()).path("items").forEach(items::add);
            return items;
        } catch (IOException e) {
            throw new IllegalStateException("an operator's listing is not JSON: " + a.body(), e);
        }
    }

    private Answer send(String method, String path, String body) throws InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort.getAsInt() + path))
                .header("Authorization", tokens.bearer(SUBJECT, Tokens.ADMIN))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String problem = "";
            if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json")) {
                String type = JSON.readTree(response.body()).path("type").asText("");
                problem = type.startsWith(PROBLEM_BASE) ? type.substring(PROBLEM_BASE.length()) : type;
            }
            return new Answer(
                    response.statusCode(), problem, response.headers().firstValue("Retry-After"), response.body());
        } catch (IOException e) {
            return new Answer(-1, "", Optional.empty(), String.valueOf(e));
        }
    }
}
