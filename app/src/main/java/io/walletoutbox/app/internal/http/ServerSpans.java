package io.walletoutbox.app.internal.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Objects;

/**
 * A SERVER span per request of the public API (semantic conventions for HTTP servers): it continues the caller's
 * valid {@code traceparent} (W3C Trace Context, with {@code tracestate}), is current from the first before-handler
 * until the request is logged (so the wallet's spans are its children, and the {@code http.server.requests}
 * observation made then carries its exemplar), and is named {@code {METHOD} {route}} after the route template the
 * request matched ({@code {METHOD}} alone when none did). A 5xx answer marks it as an error. Registered only when
 * tracing is on; the management port has none.
 */
public final class ServerSpans {
    private static final String ATTRIBUTE = ServerSpans.class.getName();
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final TextMapGetter<Context> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Context ctx) {
            return ctx.headerMap().keySet();
        }

        @Override
        public String get(Context ctx, String key) {
            return ctx == null ? null : ctx.header(key);
        }
    };

    private final Tracer tracer;

    public ServerSpans(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("io.walletoutbox.app");
    }

    /** The span and scope of one request, kept on its context between the first and the last handler. */
    private record Active(Span span, Scope scope, Thread thread) {}

    /**
     * Starts a span before every other handler of {@code config}, and makes {@code logger} (the request metrics) run
     * while it is still current, ending it afterwards. Call before any other before-handler is added.
     */
    public void register(JavalinConfig config, RequestLogger logger) {
        Objects.requireNonNull(logger);
        config.routes.before(this::start);
        config.requestLogger.http((ctx, ms) -> {
            try {
                logger.handle(ctx, ms);
            } finally {
                end(ctx);
            }
        });
    }

    private void start(Context ctx) {
        if (ctx.attribute(ATTRIBUTE) != null) {
            return;
        }
        var parent =
                W3CTraceContextPropagator.getInstance().extract(io.opentelemetry.context.Context.root(), ctx, HEADERS);
        String method = HttpMetrics.method(ctx);
        Span span = tracer.spanBuilder(method)
                .setSpanKind(SpanKind.SERVER)
                .setParent(parent)
                .setAttribute(METHOD, method)
                .setAttribute(PATH, ctx.path())
                .startSpan();
        ctx.attribute(ATTRIBUTE, new Active(span, parent.with(span).makeCurrent(), Thread.currentThread()));
    }

    private static void end(Context ctx) {
        Active active = ctx.attribute(ATTRIBUTE);
        if (active == null) {
            return;
        }
        Span span = active.span();
        String route = HttpMetrics.template(ctx);
        if (!route.equals("UNMATCHED")) {
            span.setAttribute(ROUTE, route);
            span.updateName(HttpMetrics.method(ctx) + " " + route);
        }
        int status = ctx.statusCode();
        span.setAttribute(STATUS, (long) status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        // Javalin logs a synchronous request on the thread that ran its handlers; a scope is closed where it opened.
        if (active.thread() == Thread.currentThread()) {
            active.scope().close();
        }
        span.end();
    }
}
