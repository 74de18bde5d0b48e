package io.walletoutbox.relay.cdc.bench;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Tracing for the benchmarks, as the service configures it: {@code -Dtracing=<ratio>} registers an SDK that samples
 * that share of traces at their root (parent-based: the outbox writer's {@code create} span decides, the relay's
 * spans follow) and exports every sampled span over OTLP/HTTP to {@code -Dtracing.endpoint} through a batch
 * processor; {@code -Dtracing=off} (the default) registers nothing, so the relay's tracing calls are the no-op ones.
 */
final class BenchTracing {
    private BenchTracing() {}

    /** Registers the SDK when asked; closing flushes and stops it. */
    static AutoCloseable start() {
        String ratio = System.getProperty("tracing", "off");
        if (ratio.equals("off")) {
            System.out.println("tracing: off");
            return () -> {};
        }
        double share = Double.parseDouble(ratio);
        String endpoint = System.getProperty("tracing.endpoint");
        if (endpoint == null || !(share > 0 && share <= 1)) {
            throw new IllegalArgumentException(
                    "-Dtracing=<ratio in (0, 1]> needs -Dtracing.endpoint=<OTLP/HTTP base URL>");
        }
        var provider = SdkTracerProvider.builder()
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(share)))
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "relay-bench"))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(endpoint + "/v1/traces")
                                .build())
                        .build())
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .buildAndRegisterGlobal();
        System.out.println("tracing: sampling " + share + " of traces, exporting to " + endpoint);
        return sdk::close;
    }
}
