package io.walletoutbox.provider.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The simulator's JSON in and out: bodies read, answers and problem details (RFC 9457) written. */
final class SimulatorHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private SimulatorHttp() {}

    /** At most 64 KiB of {@code in} as JSON; {@link IllegalArgumentException} when it is not JSON. */
    static JsonNode readBody(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(64 * 1024);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON");
        }
    }

    /** A payment's stored answer: {@code {"id","status":"PAID",…}} or {@code {"status":"DECLINED","reason",…}}. */
    static void sendAnswer(HttpExchange ex, SimulatorLedger.Answer a, int status) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (a.paid()) {
            body.put("id", a.chargeId()).put("status", "PAID");
        } else {
            body.put("status", "DECLINED").put("reason", a.declineReason());
        }
        body.put("customerRef", a.request().customerRef())
                .put("amount", a.request().amount())
                .put("currency", a.request().currency());
        send(ex, status, body);
    }

    static void problem(HttpExchange ex, int status, String title, String detail) throws IOException {
        ObjectNode body = JSON.createObjectNode()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        ex.getResponseHeaders().set("Content-Type", "application/problem+json");
        write(ex, status, body);
    }

    static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        write(ex, status, body);
    }

    private static void write(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
