/**
 * Operations tools: load generators and benchmark drivers that talk to a running service over HTTP, the faulty
 * biller run and the chaos suite ({@code io.walletoutbox.ops.chaos}), which runs the service as separate
 * processes against a real PostgreSQL and Kafka broker and checks invariants I1–I6 from the outside.
 */
module io.walletoutbox.ops {
    requires java.net.http;
    requires jdk.httpserver;
    requires java.sql;
    requires com.fasterxml.jackson.databind;
    requires io.walletoutbox.embedded;
    requires org.postgresql.jdbc;
    requires kafka.clients;
}
