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
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
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
        // -Dtracing.exporter=none: spans are made, sampled and handed to the batch processor as always, but the
        // processor's exporter drops them (nothing marshalled or sent): the cost of making spans, apart from exporting.
        boolean export = !System.getProperty("tracing.exporter", "otlp").equals("none");
        SpanExporter exporter = export
                ? OtlpHttpSpanExporter.builder()
                        .setEndpoint(endpoint + "/v1/traces")
                        .build()
                : SpanExporter.composite(); // no exporters: the SDK's no-op exporter
        // For taking the cost apart: -Dtracing.sampler=off registers the SDK but records nothing (every span a
        // non-recording one); -Dtracing.processor=simple hands each ended span to the exporter at once, on the
        // thread that ended it, instead of the batch processor's queue and worker thread.
        boolean record = !System.getProperty("tracing.sampler", "ratio").equals("off");
        boolean batch = !System.getProperty("tracing.processor", "batch").equals("simple");
        // -Dtracing.batch=<n>: the batch processor's largest export (OTEL_BSP_MAX_EXPORT_BATCH_SIZE; the SDK's
        // default 512), to see how the size of each export's burst of marshalling shows in the relay's tail.
        int exportBatch = Integer.getInteger("tracing.batch", 512);
        var provider = SdkTracerProvider.builder()
                .setSampler(record ? Sampler.parentBased(Sampler.traceIdRatioBased(share)) : Sampler.alwaysOff())
                .setResource(Resource.getDefault()
                        .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "relay-bench"))))
                .addSpanProcessor(
                        batch
                                ? BatchSpanProcessor.builder(exporter)
                                        .setMaxExportBatchSize(exportBatch)
                                        .build()
                                : SimpleSpanProcessor.create(exporter))
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .buildAndRegisterGlobal();
        System.out.println("tracing: sampling " + share + " of traces, "
                + (export ? "exporting to " + endpoint : "exporting nothing (-Dtracing.exporter=none)")
                + (record ? "" : ", recording nothing (-Dtracing.sampler=off)")
                + (batch
                        ? ", export batches of at most " + exportBatch
                        : ", simple span processor (-Dtracing.processor=simple)"));
        return sdk::close;
    }
}
