package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * W3C trace context end to end: API request → outbox row → Kafka record headers → consumer → the biller's HTTP
 * request, checked at a recording biller stub; and the consumer's log lines carry payment, event and trace ids
 * as fields of the JSON log format.
 */
class TraceContextIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-01");

    private static HttpServer biller;
    /** Idempotency-Key (= payment id) → the traceparent header the biller received. */
    private static final Map<String, String> received = new ConcurrentHashMap<>();

    private static ServiceHarness service;
    /** Captures log events with their MDC (read on the logging thread, not later on the test's). */
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>() {
        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            super.append(event);
        }
    };

    @BeforeAll
    static void start() throws IOException {
        biller = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        biller.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        biller.createContext("/v1/payments", TraceContextIT::answer);
        biller.start();
        logs.start();
        root().addAppender(logs);
        service = new ServiceHarness(
                "trace",
                Map.of(
                        "PROVIDER_BASE_URL",
                        "http://127.0.0.1:" + biller.getAddress().getPort()));
    }

    @AfterAll
    static void stop() {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            root().detachAppender(logs);
            biller.stop(0);
        }
    }

    /** A biller that pays everything and remembers each request's traceparent. */
    private static void answer(HttpExchange ex) throws IOException {
        try (ex) {
            String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
            String traceparent = ex.getRequestHeaders().getFirst("traceparent");
            ex.getRequestBody().readAllBytes();
            if (key != null && traceparent != null) {
                received.put(key, traceparent);
            }
            byte[] body = ("{\"id\":\"ref-" + key + "\",\"status\":\"PAID\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(201, body.length);
            ex.getResponseBody().write(body);
        }
    }

    @Test
    void callersTraceparentReachesTheBillerAndTheLogs() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        String payment = pay(traceparent);
        assertEquals(traceparent, received.get(payment), "the biller got the caller's traceparent");

        ILoggingEvent paid = awaitLog(payment);
        Map<String, String> mdc = paid.getMDCPropertyMap();
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", mdc.get("traceId"));
        assertEquals(payment, mdc.get("paymentId"));
        assertTrue(mdc.get("eventId") != null && !mdc.get("eventId").isBlank(), "eventId in " + mdc);

        // The JSON log format (LOG_FORMAT=json, logback-json.xml's JsonEncoder) renders them as fields.
        var encoder = new JsonEncoder();
        encoder.setContext(root().getLoggerContext());
        encoder.start();
        JsonNode line = JSON.readTree(new String(encoder.encode(paid), StandardCharsets.UTF_8));
        assertEquals(
                "4bf92f3577b34da6a3ce929d0e0e4736",
                line.path("mdc").path("traceId").asText(),
                line.toString());
        assertEquals(payment, line.path("mdc").path("paymentId").asText(), line.toString());
        assertEquals(mdc.get("eventId"), line.path("mdc").path("eventId").asText(), line.toString());
    }

    @Test
    void aRequestWithoutTraceparentStartsANewTraceThatReachesTheBiller() throws Exception {
        String first = pay(null);
        String second = pay("not-a-traceparent");
        String t1 = received.get(first);
        String t2 = received.get(second);
        assertTrue(t1 != null && TRACEPARENT.matcher(t1).matches(), "a valid traceparent was generated: " + t1);
        assertTrue(t2 != null && TRACEPARENT.matcher(t2).matches(), "an invalid one is replaced: " + t2);
        assertNotEquals(t1.substring(3, 35), t2.substring(3, 35), "each request starts its own trace");
        assertEquals(t1.substring(3, 35), awaitLog(first).getMDCPropertyMap().get("traceId"));
    }

    /** Pays 1.00 from a new wallet (with the given traceparent header, if any); returns the payment id once paid. */
    private static String pay(String traceparent) throws IOException {
        var created = service.post("/wallets", "{\"currency\":\"EUR\"}", null);
        String wallet = JSON.readTree(created.body()).path("id").asText();
        assertEquals(
                201,
                service.post("/wallets/" + wallet + "/top-ups", "{\"amount\":500}", "t-" + wallet)
                        .statusCode());
        var request = HttpRequest.newBuilder(URI.create(service.baseUrl + "/wallets/" + wallet + "/bill-payments"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", "p-" + wallet)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"biller\":\"wifi\",\"customerRef\":\"ACC-7\",\"amount\":100}"));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        var accepted = service.send(request.build());
        assertEquals(202, accepted.statusCode(), accepted.body());
        String payment = JSON.readTree(accepted.body()).path("id").asText();
        ServiceHarness.await(Duration.ofSeconds(30), "payment " + payment + " to succeed", () -> {
            try {
                return JSON.readTree(service.get("/bill-payments/" + payment).body())
                        .path("status")
                        .asText()
                        .equals("SUCCEEDED");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return payment;
    }

    /** The consumer's "bill payment paid" line of {@code payment}. */
    private static ILoggingEvent awaitLog(String payment) {
        ServiceHarness.await(Duration.ofSeconds(10), "the paid log line of " + payment, () -> find(payment) != null);
        return find(payment);
    }

    private static ILoggingEvent find(String payment) {
        List<ILoggingEvent> events;
        synchronized (logs) {
            events = List.copyOf(logs.list);
        }
        return events.stream()
                .filter(e -> e.getFormattedMessage().startsWith("bill payment paid"))
                .filter(e -> payment.equals(e.getMDCPropertyMap().get("paymentId")))
                .findFirst()
                .orElse(null);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
