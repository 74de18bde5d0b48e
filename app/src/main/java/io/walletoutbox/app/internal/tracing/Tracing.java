package io.walletoutbox.app.internal.tracing;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.walletoutbox.app.internal.runtime.StartupException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's OpenTelemetry SDK, configured from the standard {@code OTEL_*} variables ({@link TracingSettings})
 * and registered as the global OpenTelemetry, which the libraries' tracers come from ({@code
 * GlobalOpenTelemetry.getTracer}). Off unless tracing is requested: then no SDK exists, the global stays the API's
 * no-op, no exporter runs and no span is recorded. On: traces are exported over OTLP/HTTP (the default sampler is
 * parent-based, always on for a new trace), metrics and logs are not exported unless their exporters are named, and
 * {@code service.name} is {@value #SERVICE_NAME} unless {@code OTEL_SERVICE_NAME} (or {@code
 * OTEL_RESOURCE_ATTRIBUTES}) names it. {@link #close()} flushes the spans still queued and shuts the SDK down.
 *
 * <p>Either way the logging MDC bridge ({@link MdcContextStorage}) is installed, so log lines written under a
 * current span (or under a payment's propagated trace context) carry its ids.
 */
public final class Tracing implements AutoCloseable {
    /** {@code service.name} when none is configured. */
    public static final String SERVICE_NAME = "wallet-outbox";

    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    private static final AttributeKey<String> SERVICE_NAME_KEY = AttributeKey.stringKey("service.name");
    /**
     * Defaults under whatever is set: autoconfiguration would otherwise export metrics and logs over OTLP too, and
     * the Java SDK's default protocol is gRPC (this build has the JDK's HTTP sender only).
     */
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            "otel.exporter.otlp.protocol", TracingSettings.PROTOCOL);

    private final OpenTelemetrySdk sdk;

    private Tracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /**
     * Configures tracing as {@code settings} ask and logs one line saying whether it is on and where spans go.
     *
     * @throws StartupException a setting the SDK refuses (an unknown exporter or sampler, the gRPC protocol), or a
     *     global OpenTelemetry already set by someone else
     */
    public static Tracing start(TracingSettings settings) {
        MdcContextStorage.install();
        Optional<String> off = settings.offReason();
        if (off.isPresent()) {
            log.info("tracing off ({}): no span is recorded or exported", off.get());
            return new Tracing(null);
        }
        OpenTelemetrySdk sdk;
        AtomicReference<Resource> resource = new AtomicReference<>(Resource.empty());
        try {
            settings.requireHttpProtocol();
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> DEFAULTS)
                    // The given values over the SDK's own reading of the environment (the same values in
                    // production; a test passes its own).
                    .addPropertiesCustomizer(config -> settings.properties())
                    .addResourceCustomizer((given, config) -> {
                        resource.set(defaultServiceName(given));
                        return resource.get();
                    })
                    .disableShutdownHook() // the service's own shutdown closes it, after the last span
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException | IllegalArgumentException e) {
            // The SDK wraps what its parts threw ("Unexpected configuration error"): the cause says what.
            String message = e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                message += ": " + e.getCause().getMessage();
            }
            throw StartupException.misconfiguration("tracing: " + message);
        }
        try {
            GlobalOpenTelemetry.set(sdk);
        } catch (IllegalStateException e) {
            sdk.close();
            throw new StartupException("tracing: the global OpenTelemetry was set before the service configured it", e);
        }
        log.info(
                "tracing on: spans exported over OTLP ({}) to {}, sampler {}, service.name {}",
                TracingSettings.PROTOCOL,
                settings.destination(),
                settings.sampler(),
                resource.get().getAttribute(SERVICE_NAME_KEY));
        return new Tracing(sdk);
    }

    private static Resource defaultServiceName(Resource resource) {
        String name = resource.getAttribute(SERVICE_NAME_KEY);
        if (name == null || name.startsWith("unknown_service")) {
            return resource.toBuilder().put(SERVICE_NAME_KEY, SERVICE_NAME).build();
        }
        return resource;
    }

    /** Whether spans are recorded and exported. */
    public boolean enabled() {
        return sdk != null;
    }

    /** The SDK, when tracing is on. */
    public Optional<OpenTelemetry> openTelemetry() {
        return Optional.ofNullable(sdk);
    }

    /**
     * The Prometheus registry's configuration: Micrometer's default, except that exemplars go on histogram buckets
     * and counters only, never on a histogram's or summary's {@code _count}: Prometheus 2 (2.42 tried) refuses the
     * whole scrape for one such exemplar ("metric name …_count does not support exemplars").
     */
    public static final PrometheusConfig PROMETHEUS_CONFIG = new PrometheusConfig() {
        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public Properties prometheusProperties() {
            Properties properties = PrometheusConfig.super.prometheusProperties();
            properties.setProperty("io.prometheus.exporter.exemplarsOnAllMetricTypes", "false");
            return properties;
        }
    };

    /** The exemplar source of the Prometheus registry: the current span when tracing is on, else null (none). */
    public io.prometheus.metrics.tracer.common.SpanContext exemplars() {
        return sdk == null ? null : new SpanExemplars();
    }

    /** Exports what is still queued (up to ten seconds) and shuts the SDK down; nothing when tracing is off. */
    @Override
    public void close() {
        if (sdk == null) {
            return;
        }
        CompletableResultCode done = sdk.shutdown().join(10, TimeUnit.SECONDS);
        if (!done.isSuccess()) {
            log.warn("tracing: the last spans could not all be exported within 10 s");
        }
    }
}
