package io.walletoutbox.app.internal.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TracingSettingsTest {
    private static TracingSettings env(Map<String, String> environment) {
        return TracingSettings.from(environment, new Properties());
    }

    @Test
    void nothingSetMeansOff() {
        var settings = env(Map.of("PATH", "/bin", "OTEL_TRACES_SAMPLER", "always_on", "OTEL_SERVICE_NAME", "x"));
        assertFalse(settings.requested(), "a sampler or a service name alone exports nothing");
        assertTrue(settings.offReason().orElseThrow().startsWith("no OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    @Test
    void anEndpointOrAnExporterTurnsItOn() {
        var endpoint = env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318"));
        assertTrue(endpoint.requested());
        assertEquals(Optional.empty(), endpoint.offReason());
        assertEquals("http://jaeger:4318/v1/traces", endpoint.destination());
        assertEquals("parentbased_always_on", endpoint.sampler());

        var traces = env(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom"));
        assertTrue(traces.requested());
        assertEquals("http://collector:4318/custom", traces.destination(), "a signal's endpoint is used as it is");

        var exporter = env(Map.of(
                "OTEL_TRACES_EXPORTER",
                "otlp",
                "OTEL_TRACES_SAMPLER",
                "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG",
                "0.1"));
        assertTrue(exporter.requested());
        assertEquals("http://localhost:4318/v1/traces", exporter.destination(), "the SDK's default endpoint");
        assertEquals("parentbased_traceidratio 0.1", exporter.sampler());
    }

    @Test
    void sdkDisabledOrExporterNoneWinOverAnEndpoint() {
        var disabled = env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318", "OTEL_SDK_DISABLED", "TRUE"));
        assertFalse(disabled.requested());
        assertEquals("OTEL_SDK_DISABLED=true", disabled.offReason().orElseThrow());
        var none = env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger:4318", "OTEL_TRACES_EXPORTER", "none"));
        assertFalse(none.requested());
        assertEquals("OTEL_TRACES_EXPORTER=none", none.offReason().orElseThrow());
        assertTrue(env(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://j:4318", "OTEL_SDK_DISABLED", "false"))
                .requested());
    }

    @Test
    void systemPropertiesCountAndTheEnvironmentWins() {
        var properties = new Properties();
        properties.setProperty("otel.exporter.otlp.endpoint", "http://from-property:4318");
        properties.setProperty("unrelated", "x");
        assertTrue(TracingSettings.from(Map.of(), properties).requested());
        var both = TracingSettings.from(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-env:4318"), properties);
        assertEquals("http://from-env:4318/v1/traces", both.destination());
        assertEquals(Map.of("otel.exporter.otlp.endpoint", "http://from-env:4318"), both.properties());
    }

    @Test
    void onlyTheHttpProtobufProtocolIsAccepted() {
        assertEquals(
                "http/protobuf",
                env(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")).requireHttpProtocol());
        var grpc = env(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
        assertTrue(assertThrows(IllegalArgumentException.class, grpc::requireHttpProtocol)
                .getMessage()
                .contains("grpc is not supported"));
        var tracesGrpc = env(Map.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"));
        assertThrows(IllegalArgumentException.class, tracesGrpc::requireHttpProtocol);
    }
}
