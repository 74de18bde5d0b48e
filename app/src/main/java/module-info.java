/**
 * The service: one {@code Main} that reads the configuration, starts the embedded infrastructure when no external
 * address is given, wires the modules with constructors, and serves the HTTP API, metrics and health with
 * Javalin. Exports nothing.
 */
module io.walletoutbox.app {
    requires io.walletoutbox.wallet;
    requires io.walletoutbox.relay;
    requires io.walletoutbox.relay.cdc;
    requires io.walletoutbox.provider;
    requires io.walletoutbox.embedded;
    requires io.javalin;
    requires org.jdbi.v3.core;
    requires micrometer.core;
    requires micrometer.registry.prometheus;
    requires com.zaxxer.hikari;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires java.net.http;
    requires com.nimbusds.jose.jwt;
    requires io.github.bucket4j.core;
    requires io.opentelemetry.api;
    requires io.opentelemetry.context;
    requires io.opentelemetry.sdk;
    requires io.opentelemetry.sdk.common;
    requires io.opentelemetry.sdk.trace;
    requires io.opentelemetry.sdk.autoconfigure;
    requires io.opentelemetry.sdk.autoconfigure.spi;
    requires io.prometheus.metrics.model;
    requires io.prometheus.metrics.tracer.common;
}
