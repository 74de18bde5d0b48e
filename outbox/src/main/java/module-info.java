/**
 * The transactional outbox: {@link io.walletoutbox.outbox.OutboxWriter#append} writes an event in the caller's
 * open transaction, so the event exists if and only if the business change committed; the {@link
 * io.walletoutbox.outbox.Inbox} lets a consumer process each event id once. A library: it knows nothing of
 * wallets.
 */
module io.walletoutbox.outbox {
    requires transitive org.jdbi.v3.core;
    requires transitive micrometer.core;
    requires com.fasterxml.jackson.databind;
    requires flyway.core;
    requires org.slf4j;
    // Spans (issue 23), only through the module's internal Traces class, which does nothing without them, and the
    // tracing mechanics it shares with the sibling libraries (internal.tracing).
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;
    requires java.sql;

    exports io.walletoutbox.outbox;
    // Not API: one implementation of what the libraries' Traces classes share (availability check, registered
    // tracer, traceparent parsing and validation, the create span), for the modules that trace.
    exports io.walletoutbox.outbox.internal.tracing to
            io.walletoutbox.wallet,
            io.walletoutbox.relay,
            io.walletoutbox.provider;
}
