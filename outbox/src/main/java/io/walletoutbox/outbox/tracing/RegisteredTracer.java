package io.walletoutbox.outbox.tracing;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import java.util.Objects;

/**
 * The tracer of one instrumentation scope from the OpenTelemetry registered globally, looked up at each use (never
 * at class loading), so an SDK the application registers later, or a test registers and resets, is seen. Never
 * registers anything itself: {@link GlobalOpenTelemetry#get} is called only once one is set, so the libraries never
 * fix the global to the no-op. While the registration does not change, a lookup is a few volatile reads and
 * allocates nothing.
 *
 * <p>Names OpenTelemetry types: create one only after {@link TraceSupport#apiReadable} said yes.
 */
public final class RegisteredTracer {
    private static final Tracer NOOP = TracerProvider.noop().get("noop");

    /** The registered OpenTelemetry last seen, and its tracer (null: the no-op). */
    private record Bound(OpenTelemetry registered, Tracer tracer) {}

    private final String scope;
    private volatile Bound bound = new Bound(null, null);

    /**
     * The tracer of instrumentation scope {@code scope}.
     *
     * @param scope the instrumentation scope (the module's name)
     */
    public RegisteredTracer(String scope) {
        this.scope = Objects.requireNonNull(scope, "scope");
    }

    /**
     * The registered tracer, or null when none is registered or the registered one is the no-op.
     *
     * @return the tracer, or null
     */
    public Tracer get() {
        if (!GlobalOpenTelemetry.isSet()) {
            return null;
        }
        OpenTelemetry registered = GlobalOpenTelemetry.get();
        Bound b = bound;
        if (b.registered() != registered) {
            Tracer tracer = registered.getTracer(scope);
            b = new Bound(registered, tracer == NOOP ? null : tracer);
            bound = b;
        }
        return b.tracer();
    }

    /**
     * As {@link #get}, but the API's no-op tracer (spans that only carry their parent's context) instead of null.
     *
     * @return a tracer
     */
    public Tracer orNoop() {
        Tracer tracer = get();
        return tracer == null ? NOOP : tracer;
    }
}
