package io.walletoutbox.provider.internal;

import static io.walletoutbox.provider.internal.SimulatorHttp.JSON;
import static io.walletoutbox.provider.internal.SimulatorHttp.problem;
import static io.walletoutbox.provider.internal.SimulatorHttp.send;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.walletoutbox.provider.AnsweredKey;
import io.walletoutbox.provider.BillerCharge;
import io.walletoutbox.provider.BillerRequest;
import io.walletoutbox.provider.SimulatorFaults;
import java.io.IOException;
import java.util.List;

/**
 * The test routes: {@code GET /v1/charges}, {@code GET /v1/answers}, {@code GET /v1/requests}, {@code GET|POST
 * /v1/faults}. No API key.
 */
final class SimulatorAdmin {
    private final SimulatorFaultState state;
    private final SimulatorAuth auth;

    SimulatorAdmin(SimulatorFaultState state, SimulatorAuth auth) {
        this.state = state;
        this.auth = auth;
    }

    /**
     * {@code POST}: changes the knobs present in the body, in order (the fault rates first; a bad value answers
     * {@code 400}); {@code GET} and {@code POST} then answer the knobs as they are (never the API key itself).
     */
    void faults(HttpExchange ex, String method) throws IOException {
        if (method.equals("POST")) {
            try {
                JsonNode body = SimulatorHttp.readBody(ex.getRequestBody());
                state.faults(SimulatorRequests.faults(body, state.faults()));
                if (body.has("failNext")) {
                    state.failNext(SimulatorRequests.count(body, "failNext"));
                }
                if (body.has("dropNext")) {
                    state.dropNext(SimulatorRequests.count(body, "dropNext"));
                }
                if (body.has("failStatus")) {
                    if (!body.get("failStatus").isBoolean()) {
                        throw new IllegalArgumentException("failStatus must be true or false");
                    }
                    state.failStatus(body.get("failStatus").asBoolean());
                }
                if (body.has("requireApiKey")) {
                    auth.require(SimulatorRequests.apiKey(body, "requireApiKey"));
                }
            } catch (IllegalArgumentException e) {
                problem(ex, 400, "Bad Request", e.getMessage());
                return;
            }
        } else if (!method.equals("GET")) {
            problem(ex, 405, "Method Not Allowed", method + " /v1/faults");
            return;
        }
        SimulatorFaults f = state.faults();
        ObjectNode out = JSON.createObjectNode()
                .put("latencyMs", f.latencyMs())
                .put("errorRate", f.errorRate())
                .put("timeoutRate", f.timeoutRate())
                .put("dropResponseRate", f.dropResponseRate())
                .put("lateLandingRate", f.lateLandingRate())
                .put("landAfterMs", f.landAfterMs())
                .put("failNext", state.failNext())
                .put("dropNext", state.dropNext())
                .put("failStatus", state.failStatus())
                .put("apiKeyRequired", auth.required());
        send(ex, 200, out);
    }

    // Built by hand: no reflection, so nothing to open to Jackson on the module path.
    static JsonNode chargesJson(List<BillerCharge> charges) {
        var array = JSON.createArrayNode();
        for (BillerCharge c : charges) {
            array.addObject()
                    .put("id", c.id())
                    .put("idempotencyKey", c.idempotencyKey())
                    .put("customerRef", c.customerRef())
                    .put("amount", c.amount())
                    .put("currency", c.currency());
        }
        return array;
    }

    static JsonNode requestsJson(List<BillerRequest> requests) {
        var array = JSON.createArrayNode();
        for (BillerRequest r : requests) {
            var o = array.addObject().put("method", r.method()).put("idempotencyKey", r.idempotencyKey());
            r.traceparent().ifPresentOrElse(t -> o.put("traceparent", t), () -> o.putNull("traceparent"));
            o.put("receivedAt", r.receivedAt().toString());
        }
        return array;
    }

    static JsonNode answersJson(List<AnsweredKey> answers) {
        var array = JSON.createArrayNode();
        for (AnsweredKey a : answers) {
            array.addObject()
                    .put("idempotencyKey", a.idempotencyKey())
                    .put("answered", a.answered())
                    .put("lastAnsweredAt", a.lastAnsweredAt().toString());
        }
        return array;
    }
}
