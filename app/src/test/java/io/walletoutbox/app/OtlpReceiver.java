package io.walletoutbox.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver inside the test: accepts {@code POST /v1/traces} with a protobuf {@code
 * ExportTraceServiceRequest} (gzip or not), answers 200 with an empty response, and keeps every span with its
 * service name. Anything else (another path, JSON) is answered 415 and remembered as a failure.
 */
final class OtlpReceiver implements AutoCloseable {
    /** One span as it arrived, its ids as lower-case hex. */
    record Received(String service, Span span) {
        String traceId() {
            return HEX.formatHex(span.getTraceId().toByteArray());
        }

        String spanId() {
            return HEX.formatHex(span.getSpanId().toByteArray());
        }

        String parentSpanId() {
            return HEX.formatHex(span.getParentSpanId().toByteArray());
        }

        String name() {
            return span.getName();
        }

        /** Whether the span has a link to the span {@code spanId} of trace {@code traceId}. */
        boolean linksTo(String traceId, String spanId) {
            return span.getLinksList().stream()
                    .anyMatch(link -> HEX.formatHex(link.getTraceId().toByteArray())
                                    .equals(traceId)
                            && HEX.formatHex(link.getSpanId().toByteArray()).equals(spanId));
        }

        /** The span's attributes, each value as text. */
        Map<String, String> attributes() {
            return span.getAttributesList().stream()
                    .collect(Collectors.toMap(KeyValue::getKey, kv -> text(kv.getValue()), (a, b) -> b));
        }

        @Override
        public String toString() {
            return name() + " " + span.getKind() + " trace=" + traceId() + " span=" + spanId() + " parent="
                    + parentSpanId() + " " + attributes();
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    private final HttpServer server;
    private final List<Received> spans = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();

    OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} takes it. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every span received so far. */
    List<Received> spans() {
        return List.copyOf(spans);
    }

    /** The spans of {@code traceId} received so far. */
    List<Received> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /**
     * The first span received (now or within 15 s) that is named {@code name}, belongs to {@code traceId} (any trace
     * when null) and {@code matches}; fails listing what arrived when none does.
     */
    Received awaitSpan(String traceId, String name, Predicate<Received> matches) {
        return await(
                "span " + name + (traceId == null ? "" : " of trace " + traceId),
                () -> spans.stream()
                        .filter(s -> traceId == null || s.traceId().equals(traceId))
                        .filter(s -> s.name().equals(name))
                        .filter(matches)
                        .findFirst()
                        .orElse(null));
    }

    /** What {@code found} supplies once it is not null (polled for up to 15 s); fails listing what arrived. */
    <T> T await(String what, Supplier<T> found) {
        try {
            ServiceHarness.await(Duration.ofSeconds(15), what, () -> found.get() != null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; received: " + spans(), e);
        }
        return found.get();
    }

    /** Requests that were not OTLP/HTTP protobuf trace exports. */
    List<String> refused() {
        return List.copyOf(refused);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            if (!exchange.getRequestMethod().equals("POST")
                    || !exchange.getRequestURI().getPath().equals("/v1/traces")
                    || type == null
                    || !type.startsWith("application/x-protobuf")) {
                refused.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " " + type);
                exchange.sendResponseHeaders(415, -1);
                return;
            }
            InputStream body = exchange.getRequestBody();
            if ("gzip".equals(encoding)) {
                body = new GZIPInputStream(body);
            }
            var request = ExportTraceServiceRequest.parseFrom(body.readAllBytes());
            for (var resource : request.getResourceSpansList()) {
                String service = resource.getResource().getAttributesList().stream()
                        .filter(kv -> kv.getKey().equals("service.name"))
                        .map(kv -> text(kv.getValue()))
                        .findFirst()
                        .orElse("");
                for (var scope : resource.getScopeSpansList()) {
                    scope.getSpansList().forEach(span -> spans.add(new Received(service, span)));
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
