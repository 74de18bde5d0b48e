package io.walletoutbox.app.internal.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * The current OpenTelemetry span as the Prometheus client's exemplar source: a histogram observation made while a
 * sampled span is current may keep that span's trace and span id as the exemplar of its bucket (shown on {@code
 * /metrics} in the OpenMetrics format only). The client samples: at most one exemplar per bucket and per few
 * seconds.
 */
final class SpanExemplars implements io.prometheus.metrics.tracer.common.SpanContext {
    @Override
    public String getCurrentTraceId() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    @Override
    public String getCurrentSpanId() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? span.getSpanId() : null;
    }

    @Override
    public boolean isCurrentSpanSampled() {
        return Span.current().getSpanContext().isSampled();
    }

    /** Marks the span so a tail-sampling collector keeps the trace an exemplar points at. */
    @Override
    public void markCurrentSpanAsExemplar() {
        Span.current().setAttribute(EXEMPLAR_ATTRIBUTE_NAME, EXEMPLAR_ATTRIBUTE_VALUE);
    }
}
