/**
 * The transactional outbox on plain JDBC: {@link io.walletoutbox.outbox.OutboxWriter#append} writes an event in the
 * caller's open transaction on a {@link java.sql.Connection}, so the event exists if and only if the business change
 * committed; the {@link io.walletoutbox.outbox.Inbox} lets a consumer process each event id once. A library: it
 * knows nothing of wallets, and needs no Jdbi (the Jdbi forms are in {@code io.walletoutbox.outbox.jdbi}) and no
 * Flyway at run time (only {@link io.walletoutbox.outbox.OutboxSchema#migrate} does).
 */
module io.walletoutbox.outbox {
    // The API takes Connections and DataSources.
    requires transitive java.sql;
    requires com.fasterxml.jackson.databind;
    // Schema migrations only (internal.FlywayMigrations, loaded once Flyway is found).
    requires static flyway.core;
    // Spans (issue 23), only through the module's internal Traces class, which does nothing without them, and the
    // tracing helpers of io.walletoutbox.outbox.tracing (a service that uses them reads OpenTelemetry itself).
    requires static io.opentelemetry.api;
    requires static io.opentelemetry.context;

    exports io.walletoutbox.outbox;
    // Not API: plain-JDBC statements with :name parameters, and the libraries' transactions on a DataSource, shared
    // by the modules that run the outbox's SQL.
    exports io.walletoutbox.outbox.internal.sql to
            io.walletoutbox.outbox.jdbi,
            io.walletoutbox.relay,
            io.walletoutbox.relay.cdc,
            io.walletoutbox.outbox.testkit;
    // What the libraries' tracing shares (availability check, registered tracer, traceparent parsing and validation,
    // the create span), public for services that extend the outbox's traces, the wallet's own modules among them.
    exports io.walletoutbox.outbox.tracing;
}
