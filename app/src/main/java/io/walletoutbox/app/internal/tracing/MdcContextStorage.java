package io.walletoutbox.app.internal.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.MDC;

/**
 * Puts the current span's ids into the logging MDC as {@value #TRACE_ID} and {@value #SPAN_ID} whenever a context
 * is made current on a thread (the API's request threads, the relay's and the consumer's), and restores what was
 * there when that scope closes. So every log line written under a span names its trace: the JSON log format renders
 * them as {@code "mdc":{"trace_id":…,"span_id":…}}. A context without a valid span (the API's no-op spans) changes
 * nothing and costs one check.
 */
public final class MdcContextStorage implements ContextStorage {
    /** MDC key of the current span's trace id (32 hex digits). */
    public static final String TRACE_ID = "trace_id";
    /** MDC key of the current span's id (16 hex digits). */
    public static final String SPAN_ID = "span_id";

    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private final ContextStorage delegate;

    MdcContextStorage(ContextStorage delegate) {
        this.delegate = Objects.requireNonNull(delegate);
    }

    /**
     * Wraps the JVM's context storage, once. It must run before the first context is made current anywhere in the
     * JVM (OpenTelemetry ignores, with a debug message, a wrapper added later); the service does it first thing.
     */
    public static void install() {
        if (INSTALLED.compareAndSet(false, true)) {
            ContextStorage.addWrapper(MdcContextStorage::new);
        }
    }

    /** Whether the JVM's context storage is this wrapper (false when something made a context current first). */
    public static boolean active() {
        return ContextStorage.get() instanceof MdcContextStorage;
    }

    @Override
    public Scope attach(Context toAttach) {
        Scope scope = delegate.attach(toAttach);
        SpanContext span = Span.fromContext(toAttach).getSpanContext();
        String previousTrace = MDC.get(TRACE_ID);
        String previousSpan = MDC.get(SPAN_ID);
        if (span.isValid()) {
            if (span.getTraceId().equals(previousTrace) && span.getSpanId().equals(previousSpan)) {
                return scope;
            }
            MDC.put(TRACE_ID, span.getTraceId());
            MDC.put(SPAN_ID, span.getSpanId());
        } else if (previousTrace != null || previousSpan != null) {
            MDC.remove(TRACE_ID);
            MDC.remove(SPAN_ID);
        } else {
            return scope;
        }
        return () -> {
            scope.close();
            restore(TRACE_ID, previousTrace);
            restore(SPAN_ID, previousSpan);
        };
    }

    private static void restore(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public Context current() {
        return delegate.current();
    }

    @Override
    public Context root() {
        return delegate.root();
    }
}
