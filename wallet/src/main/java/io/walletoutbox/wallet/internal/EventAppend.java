package io.walletoutbox.wallet.internal;

import io.walletoutbox.outbox.OutboxEvent;
import io.walletoutbox.outbox.OutboxException;
import io.walletoutbox.outbox.OutboxWriter;
import io.walletoutbox.outbox.ServerSideAppend;
import org.jdbi.v3.core.Handle;

/**
 * A wallet event on its way into one of the wallet's server-side functions, which append it themselves ({@code
 * outbox_append}): the writer's {@link ServerSideAppend}, or, while the writer's gate refuses, its refusal. The
 * functions are then called with no outbox mode; they answer every refusal of their own as usual and raise SQLSTATE
 * {@value #REFUSED} where the event would be written, which {@link #refusal} turns back into the gate's exception.
 *
 * @param event the event
 * @param append its server-side form; null when the gate refused
 * @param refused the gate's refusal; null when it let the event through
 * @param span its {@code create} span ({@link Traces}); null when untraced
 */
record EventAppend(
        OutboxEvent event,
        ServerSideAppend append,
        OutboxException.WritesRefusedException refused,
        Traces.Create span) {
    /** invalid_parameter_value: what the functions raise for an event with no outbox mode. */
    static final String REFUSED = "22023";

    /**
     * Asks {@code outbox} for {@code event}'s server-side form.
     *
     * @throws UnsupportedOperationException when the writer has none (the stock writers have one)
     */
    static EventAppend of(OutboxWriter outbox, OutboxEvent event) {
        return of(outbox, event, null);
    }

    /**
     * As {@link #of(OutboxWriter, OutboxEvent)}, inside a {@code create} span started now when tracing is on
     * ({@link Traces#create}): the event then carries the span's context as its {@code traceparent}. Call {@link
     * #traced} once the function answered.
     */
    static EventAppend traced(OutboxWriter outbox, OutboxEvent event) {
        Traces.Create span = Traces.create(event);
        try {
            return of(outbox, span == null ? event : span.event(), span);
        } catch (RuntimeException e) {
            if (span != null) {
                span.end(false, e);
            }
            throw e;
        }
    }

    private static EventAppend of(OutboxWriter outbox, OutboxEvent event, Traces.Create span) {
        try {
            ServerSideAppend append = outbox.serverSide(event)
                    .orElseThrow(() -> new UnsupportedOperationException(
                            "the wallet appends its events inside its server-side functions: the outbox writer "
                                    + outbox.getClass().getName()
                                    + " has no server-side form (OutboxWriter.serverSide)"));
            return new EventAppend(event, append, null, span);
        } catch (OutboxException.WritesRefusedException refused) {
            return new EventAppend(event, null, refused, span);
        }
    }

    /**
     * Ends the event's {@code create} span, if it has one: {@code appended} false when the function wrote no event;
     * {@code error} (may be null) what the call threw.
     */
    void traced(boolean appended, Throwable error) {
        if (span != null) {
            span.end(appended, error);
        }
    }

    /** The outbox mode's name for the function, or null while refused. */
    String mode() {
        return append == null ? null : append.mode().name();
    }

    String prefix() {
        return append == null ? null : append.prefix();
    }

    int shard() {
        return append == null ? 0 : append.shard();
    }

    String headers() {
        return append == null ? "{}" : append.headers();
    }

    /** Throws the gate's refusal when there is one. */
    EventAppend requireOpen() {
        if (refused != null) {
            throw refused;
        }
        return this;
    }

    /** The writer's after-commit action, for a call that committed in autocommit. */
    void committed() {
        append.committed().run();
    }

    /** The writer's after-commit action, once {@code handle}'s transaction commits. */
    void committedWith(Handle handle) {
        handle.afterCommit(append.committed());
    }

    /** What {@code e}, an error of a function this event was passed to, stands for: the gate's refusal, or itself. */
    RuntimeException refusal(RuntimeException e) {
        if (refused != null && REFUSED.equals(WalletContext.sqlState(e))) {
            refused.addSuppressed(e);
            return refused;
        }
        return e;
    }
}
