package io.walletoutbox.relay.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.walletoutbox.outbox.tracing.OtelSupport;
import io.walletoutbox.outbox.tracing.RegisteredTracer;
import io.walletoutbox.outbox.tracing.TraceSupport;
import io.walletoutbox.relay.OutboxRecords.StoredEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The relays' spans (OpenTelemetry; docs/tracing.md): per published record a {@code publish <topic>} PRODUCER span,
 * child of the row's stored {@code traceparent}, from the send to the broker's answer; per cycle (polling) or
 * batch (CDC) a root INTERNAL span linked to every record it carried. The CDC relay makes its spans here too, so
 * both relays make the same ones.
 *
 * <p>The only code of the relays that names an OpenTelemetry type, besides the mechanics it shares with the other
 * libraries (the availability check, the registered tracer, traceparent parsing, failures) in {@code
 * io.walletoutbox.outbox.tracing}. The API is optional ({@code requires static}): when it is not readable,
 * or no OpenTelemetry is registered ({@code GlobalOpenTelemetry}), or the registered one traces nothing (the no-op),
 * every method returns at once, without allocating: the relay runs at Kafka's latency floor and must not slow down
 * when tracing is off. The registered tracer is looked up at each use (a few volatile reads), never at class
 * loading, so an SDK the application registers later, or a test registers and resets, is seen. Libraries never
 * sample: a span's decision follows its parent's, the stored {@code traceparent}.
 */
public final class Traces {
    /** The instrumentation scope of the relays' spans. */
    public static final String SCOPE = "io.walletoutbox.relay";

    private static final boolean API = TraceSupport.apiReadable(Traces.class);

    private Traces() {}

    /**
     * A relay cycle about to read: {@code name} is {@code relay cycle} (polling) or {@code relay batch} (CDC),
     * {@code mode} its {@code walletoutbox.relay.mode}. Its span starts (at this call's time) only once it {@link
     * Cycle#carried carried} events, so an idle poll records nothing. {@link Cycle#NONE} when tracing is off.
     */
    public static Cycle cycle(String name, String mode) {
        return API ? Otel.cycle(name, mode) : Cycle.NONE;
    }

    /**
     * The {@code publish} span of {@code event}, started now; null when tracing is off or the event has no valid
     * stored {@code traceparent}.
     */
    static Publish publish(StoredEvent event) {
        return API ? Otel.publish(event) : null;
    }

    /** The span of one relay cycle or batch. */
    public interface Cycle {
        /** Tracing off: does nothing. */
        Cycle NONE = new Cycle() {
            @Override
            public void carried(List<StoredEvent> events) {}

            @Override
            public void end(int messages, int failed, Throwable error) {}
        };

        /** Links the cycle's span to the stored context of each of {@code events} (starting it the first time). */
        void carried(List<StoredEvent> events);

        /**
         * Ends the span, if one started: {@code messages} carried (-1: not known), {@code failed} of them not
         * acknowledged; {@code error} (may be null) what ended the cycle early.
         */
        void end(int messages, int failed, Throwable error);
    }

    /** The span of one send. */
    interface Publish {
        /**
         * Ends the span with the broker's answer: {@code metadata} when acknowledged, else {@code error}; runs
         * {@code whileCurrent} (the callback's own work: the latency metric, so its exemplar names this span) with
         * the span current, before it ends.
         */
        void answered(RecordMetadata metadata, Exception error, Runnable whileCurrent);
    }

    /** Milliseconds from {@code createdAt} to now, never negative (clocks of two machines). */
    static long waitMillis(Instant createdAt) {
        return Math.max(0, Duration.between(createdAt, Instant.now()).toMillis());
    }

    /** Everything that names an OpenTelemetry type: loaded only when the API is readable. */
    private static final class Otel {
        private static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
        private static final AttributeKey<String> PARTITION =
                AttributeKey.stringKey("messaging.destination.partition.id");
        private static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
        private static final AttributeKey<Long> WAIT = AttributeKey.longKey("walletoutbox.outbox.wait_ms");
        private static final AttributeKey<String> MODE = AttributeKey.stringKey("walletoutbox.relay.mode");
        private static final AttributeKey<Long> COUNT = AttributeKey.longKey("messaging.batch.message_count");

        private static final RegisteredTracer TRACER = new RegisteredTracer(SCOPE);

        private Otel() {}

        /** The valid span context a stored {@code traceparent} names, or null. */
        static SpanContext stored(StoredEvent event) {
            String traceparent = event.headers().get(TraceSupport.TRACEPARENT);
            return traceparent == null ? null : OtelSupport.spanContext(traceparent);
        }

        static Cycle cycle(String name, String mode) {
            var tracer = TRACER.get();
            return tracer == null ? Cycle.NONE : new OtelCycle(tracer, name, mode, System.currentTimeMillis());
        }

        static Publish publish(StoredEvent event) {
            var tracer = TRACER.get();
            if (tracer == null) {
                return null;
            }
            var parent = stored(event);
            if (parent == null) {
                return null;
            }
            var span = tracer.spanBuilder("publish " + event.topic())
                    .setSpanKind(SpanKind.PRODUCER)
                    .setParent(Context.root().with(Span.wrap(parent)))
                    .setAttribute(OtelSupport.MESSAGING_SYSTEM, "kafka")
                    .setAttribute(OtelSupport.OPERATION_TYPE, "send")
                    .setAttribute(OtelSupport.OPERATION_NAME, "publish")
                    .setAttribute(OtelSupport.DESTINATION, event.topic())
                    .setAttribute(OtelSupport.MESSAGE_ID, event.eventId().toString())
                    .setAttribute(KEY, event.aggregateId())
                    .setAttribute(WAIT, waitMillis(event.createdAt()))
                    .startSpan();
            return (metadata, error, whileCurrent) -> {
                if (error == null) {
                    span.setAttribute(PARTITION, Integer.toString(metadata.partition()));
                    if (metadata.hasOffset()) {
                        span.setAttribute(OFFSET, metadata.offset());
                    }
                } else {
                    OtelSupport.failed(span, error);
                }
                try (var scope = span.makeCurrent()) {
                    whileCurrent.run();
                } finally {
                    span.end();
                }
            };
        }

        /** A cycle's span, started at the first {@link #carried}: idle cycles make none. */
        private static final class OtelCycle implements Cycle {
            private final Tracer tracer;
            private final String name;
            private final String mode;
            private final long startMillis;
            private Span span;

            OtelCycle(Tracer tracer, String name, String mode, long startMillis) {
                this.tracer = tracer;
                this.name = name;
                this.mode = mode;
                this.startMillis = startMillis;
            }

            @Override
            public synchronized void carried(List<StoredEvent> events) {
                if (span == null) {
                    // Links given at the start are seen by samplers; later rounds add theirs to the span.
                    var builder = tracer.spanBuilder(name)
                            .setSpanKind(SpanKind.INTERNAL)
                            .setNoParent()
                            .setStartTimestamp(startMillis, TimeUnit.MILLISECONDS)
                            .setAttribute(MODE, mode);
                    for (StoredEvent event : events) {
                        var stored = stored(event);
                        if (stored != null) {
                            builder.addLink(stored);
                        }
                    }
                    span = builder.startSpan();
                    return;
                }
                for (StoredEvent event : events) {
                    var stored = stored(event);
                    if (stored != null) {
                        span.addLink(stored);
                    }
                }
            }

            @Override
            public synchronized void end(int messages, int failed, Throwable error) {
                if (span == null) {
                    return;
                }
                if (messages >= 0) {
                    span.setAttribute(COUNT, (long) messages);
                }
                if (error != null) {
                    OtelSupport.failed(span, error);
                } else if (failed > 0) {
                    span.setStatus(StatusCode.ERROR, failed + " of " + messages + " records not acknowledged");
                }
                span.end();
            }
        }
    }
}
