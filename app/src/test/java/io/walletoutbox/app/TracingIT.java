package io.walletoutbox.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link TracingContract} with {@code RELAY_MODE=polling}; and an OpenMetrics scrape shows exemplars on the
 * payment route's latency buckets, each naming the SERVER span of an exported payment request, and a trace id on
 * the polling relay's commit → ack latency.
 */
class TracingIT extends TracingContract {
    @Override
    String relayMode() {
        return "polling";
    }

    @Override
    String relaySpanName() {
        return "relay cycle";
    }

    @Test
    void anOpenMetricsScrapeCarriesThePaymentRequestsSpansAsExemplars() {
        awaitSpan("POST " + PAYMENT_ROUTE);
        var openMetrics = service.sendRaw(HttpRequest.newBuilder(URI.create(service.managementUrl + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8")
                .build());
        assertEquals(200, openMetrics.statusCode());
        // Only where every Prometheus accepts them: a bucket or a counter, never a _count (Prometheus 2.42 fails the
        // whole scrape for one such exemplar).
        assertEquals(
                List.of(),
                openMetrics
                        .body()
                        .lines()
                        .filter(l -> l.contains(" # {"))
                        .filter(l -> !l.matches("^\\w+(_bucket\\{.*|_total(\\{.*)? .*)"))
                        .toList());
        assertTrue(
                openMetrics.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
                openMetrics.headers().toString());
        // One exemplar per bucket, of one of the observations in it: with the class's other payments on the route,
        // not necessarily this trace's. Each names the SERVER span of a payment request that was exported.
        Matcher exemplars = Pattern.compile("(?m)^http_server_requests_seconds_bucket\\{[^}]*uri=\""
                        + Pattern.quote(PAYMENT_ROUTE)
                        + "\"[^}]*} \\S+ # \\{span_id=\"([0-9a-f]{16})\",trace_id=\"([0-9a-f]{32})\"}")
                .matcher(openMetrics.body());
        int found = 0;
        while (exemplars.find()) {
            String span = exemplars.group(1);
            receiver.awaitSpan(
                    exemplars.group(2), "POST " + PAYMENT_ROUTE, s -> s.spanId().equals(span));
            found++;
        }
        assertTrue(
                found > 0,
                "no exemplar on the payment route's buckets:\n"
                        + openMetrics
                                .body()
                                .lines()
                                .filter(l -> l.contains(PAYMENT_ROUTE))
                                .toList());

        // The relay's commit → ack histogram is observed in the producer's callback with the publish span current.
        Pattern relayExemplar = Pattern.compile(
                "(?m)^relay_publish_latency_seconds_bucket\\{[^}]*} \\S+ # \\{[^}]*trace_id=\"[0-9a-f]{32}\"");
        assertTrue(
                relayExemplar.matcher(openMetrics.body()).find(),
                "no exemplar on relay_publish_latency_seconds:\n"
                        + openMetrics
                                .body()
                                .lines()
                                .filter(l -> l.startsWith("relay_publish_latency_seconds_bucket"))
                                .toList());

        // Prometheus' text format has no exemplars: a scraper that does not ask for OpenMetrics sees what it did.
        var text = service.get("/metrics");
        assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertFalse(text.body().contains("trace_id="), "no exemplar in the text format");
    }
}
