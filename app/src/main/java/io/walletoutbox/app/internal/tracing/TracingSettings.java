package io.walletoutbox.app.internal.tracing;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The standard OpenTelemetry settings of this instance, read the way the SDK's autoconfiguration reads them: system
 * properties {@code otel.*}, then environment variables {@code OTEL_*} (which win), both as {@code otel.a.b}. They
 * are not {@code Setting}s of the service (docs/tracing.md lists the ones that matter here).
 *
 * <p>Tracing is <em>requested</em> when an exporter is named or an OTLP endpoint is given ({@code
 * OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, {@code OTEL_TRACES_EXPORTER} other than
 * {@code none}), and not {@code OTEL_SDK_DISABLED=true}. Otherwise no SDK is built at all: the libraries' spans stay
 * the OpenTelemetry API's no-op ones.
 *
 * @param properties every {@code otel.*} value given, by its property name
 */
public record TracingSettings(Map<String, String> properties) {
    /** The only OTLP protocol this build exports with (the JDK sender speaks HTTP; there is no gRPC sender). */
    static final String PROTOCOL = "http/protobuf";

    public TracingSettings {
        properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    /** The settings of {@code environment} over the JVM's system properties. */
    public static TracingSettings from(Map<String, String> environment, Properties systemProperties) {
        Map<String, String> properties = new TreeMap<>();
        systemProperties.stringPropertyNames().stream()
                .filter(name -> name.startsWith("otel."))
                .forEach(name -> properties.put(name, systemProperties.getProperty(name)));
        environment.forEach((name, value) -> {
            if (name.startsWith("OTEL_")) {
                properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return new TracingSettings(properties);
    }

    /** The value of {@code otel.name}, when given and not blank. */
    Optional<String> get(String name) {
        return Optional.ofNullable(properties.get(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** {@code OTEL_SDK_DISABLED=true}: no SDK, whatever else is set. */
    boolean sdkDisabled() {
        return get("otel.sdk.disabled").map("true"::equalsIgnoreCase).orElse(false);
    }

    /** Whether spans should be exported: see the class comment. */
    public boolean requested() {
        if (sdkDisabled()) {
            return false;
        }
        Optional<String> exporter = get("otel.traces.exporter");
        if (exporter.isPresent()) {
            return !exporter.get().equalsIgnoreCase("none");
        }
        return get("otel.exporter.otlp.endpoint").isPresent()
                || get("otel.exporter.otlp.traces.endpoint").isPresent();
    }

    /** Why tracing is off, for the start-up line; empty when it is {@link #requested()}. */
    Optional<String> offReason() {
        if (sdkDisabled()) {
            return Optional.of("OTEL_SDK_DISABLED=true");
        }
        if (get("otel.traces.exporter").map("none"::equalsIgnoreCase).orElse(false)) {
            return Optional.of("OTEL_TRACES_EXPORTER=none");
        }
        return requested()
                ? Optional.empty()
                : Optional.of("no OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or "
                        + "OTEL_TRACES_EXPORTER set");
    }

    /**
     * The OTLP protocol of the trace exporter, refused unless {@value #PROTOCOL}: this build carries the JDK's HTTP
     * sender only.
     *
     * @throws IllegalArgumentException for {@code grpc} or anything else
     */
    String requireHttpProtocol() {
        String protocol = get("otel.exporter.otlp.traces.protocol")
                .or(() -> get("otel.exporter.otlp.protocol"))
                .orElse(PROTOCOL);
        if (!protocol.equals(PROTOCOL)) {
            throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_PROTOCOL " + protocol + " is not supported: this"
                    + " build exports over OTLP/HTTP only (" + PROTOCOL + ", port 4318)");
        }
        return protocol;
    }

    /** Where spans go: the OTLP traces URL, computed as the SDK computes it, or the exporter's name. */
    String destination() {
        String exporter = get("otel.traces.exporter").orElse("otlp");
        if (!exporter.equalsIgnoreCase("otlp")) {
            return "exporter " + exporter;
        }
        return get("otel.exporter.otlp.traces.endpoint").orElseGet(() -> {
            String base = get("otel.exporter.otlp.endpoint").orElse("http://localhost:4318");
            return (base.endsWith("/") ? base : base + "/") + "v1/traces";
        });
    }

    /** The sampler as configured, or the SDK's default. */
    String sampler() {
        String sampler = get("otel.traces.sampler").orElse("parentbased_always_on");
        return get("otel.traces.sampler.arg").map(arg -> sampler + " " + arg).orElse(sampler);
    }
}
